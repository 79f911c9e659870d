"""The trend chart: inline SVG that carries the data (every point and its label, title and
description, baseline and target), and a table with the same data next to it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from kerneopgaver.indicators import trend_chart
from kerneopgaver.models import CoreTask, EffectIndicator
from kerneopgaver.panels import hub_panels
from tests.test_indicators import add_value, make_core_task, make_indicator

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
VALUES = [
    (date(2021, 12, 31), "61", "Første måling"),
    (date(2022, 12, 31), "64,5", "Ny indsats i vuggestuerne"),
    (date(2023, 12, 31), "63", ""),
    (date(2024, 12, 31), "70,25", "Mere tid til det enkelte barn"),
]


@pytest.fixture
def indicator(org: Any) -> EffectIndicator:
    indicator = make_indicator(make_core_task(), name="Andel børn der trives")
    for period, value, story in VALUES:
        add_value(indicator, period, value.replace(",", "."), story)
    return indicator


def _page(client: Any, indicator: EffectIndicator) -> str:
    client.cookies["django_language"] = "en"
    response = client.get(reverse("kerneopgaver:indicator", args=[indicator.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _svg(html: str) -> ET.Element:
    match = re.search(r"<svg xmlns=.*?</svg>", html, re.DOTALL)
    assert match, "the page has no chart"
    return ET.fromstring(match.group(0))  # noqa: S314 (our own rendered page, not untrusted)


def test_the_chart_is_an_image_with_a_title_and_a_text_summary(
    client: Any, indicator: EffectIndicator
) -> None:
    svg = _svg(_page(client, indicator))
    assert svg.get("role") == "img"
    assert svg.get("viewBox").startswith("0 0 ")
    assert svg.get("width") == "100%"
    title = svg.find(f"{SVG}title").text
    desc = svg.find(f"{SVG}desc").text
    assert "Andel børn der trives" in title
    # First and latest value, the direction and the target, in words.
    assert "61 %" in desc
    assert "70.25 %" in desc
    assert "Higher is better" in desc
    assert "Target 80 % by 2030-12-31" in desc
    assert svg.get("aria-labelledby").split() == [
        svg.find(f"{SVG}title").get("id"),
        svg.find(f"{SVG}desc").get("id"),
    ]


def test_the_chart_has_a_point_and_a_label_for_every_value(
    client: Any, indicator: EffectIndicator
) -> None:
    svg = _svg(_page(client, indicator))
    points = svg.findall(f".//{SVG}circle[@class='chart-point']")
    assert [point.get("data-period") for point in points] == [
        period.isoformat() for period, _, _ in VALUES
    ]
    labels = [text.text for text in svg.findall(f".//{SVG}text[@class='chart-point-label']")]
    assert labels == ["61", "64.5", "63", "70.25"]
    assert svg.find(f".//{SVG}polyline") is not None
    # Later periods lie further right; a higher value lies higher up (smaller y).
    xs = [float(point.get("cx")) for point in points]
    ys = [float(point.get("cy")) for point in points]
    assert xs == sorted(xs)
    assert ys[3] < ys[0]


def test_the_chart_has_labelled_axes_baseline_and_target(
    client: Any, indicator: EffectIndicator
) -> None:
    svg = _svg(_page(client, indicator))
    texts = [" ".join("".join(text.itertext()).split()) for text in svg.iter(f"{SVG}text")]
    assert "Baseline 60" in texts
    assert "Target 80" in texts
    assert "%" in texts  # the y axis is labelled with the unit of measurement
    assert "Period" in texts
    assert {"2021", "2024"} <= set(texts)


def test_the_chart_uses_no_style_attributes(client: Any, indicator: EffectIndicator) -> None:
    html = _page(client, indicator)
    assert "style=" not in html
    main = html[html.index("<main") :]
    assert "<script" not in main


def test_the_table_has_the_same_data_as_the_chart(client: Any, indicator: EffectIndicator) -> None:
    html = _page(client, indicator)
    table = html[html.index("<table") : html.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL)[1:]
    assert len(rows) == len(VALUES)
    for row, (period, value, story) in zip(rows, VALUES, strict=True):
        assert f'datetime="{period.isoformat()}"' in row
        assert f'<td class="number">{value.replace(",", ".")}</td>' in row
        assert (story or "–") in row
    assert '<th scope="col">' in table
    assert "<caption>" in table


def test_numbers_are_shown_with_a_decimal_comma_in_danish(indicator: EffectIndicator) -> None:
    with translation.override("da"):
        chart = trend_chart(indicator, list(indicator.values.all()))
    assert [point.value_label for point in chart.points] == ["61", "64,5", "63", "70,25"]


def test_a_quarterly_series_is_labelled_by_quarter(org: Any) -> None:
    indicator = make_indicator(make_core_task(), name="Ventetid", direction="down")
    add_value(indicator, date(2024, 3, 31), "30")
    add_value(indicator, date(2024, 6, 30), "28")
    with translation.override("en"):
        chart = trend_chart(indicator, list(indicator.values.all()))
    assert [point.period_label for point in chart.points] == ["Q1 2024", "Q2 2024"]


def test_a_chart_without_values_still_shows_baseline_and_target(org: Any) -> None:
    indicator = make_indicator(make_core_task(), target_value=Decimal(75))
    with translation.override("en"):
        chart = trend_chart(indicator, [])
    assert chart.points == []
    assert chart.baseline is not None
    assert chart.target is not None
    assert "No values yet." in chart.description


def test_a_compact_chart_labels_the_first_and_latest_value(indicator: EffectIndicator) -> None:
    chart = trend_chart(indicator, list(indicator.values.all()), compact=True)
    assert [point.labelled for point in chart.points] == [True, False, False, True]


def test_the_hub_panel_shows_a_small_chart_with_its_table(
    hr: Any, indicator: EffectIndicator
) -> None:
    request = RequestFactory().get("/")
    request.user = hr
    core_task = CoreTask.objects.get(pk=indicator.core_task_id)
    html = "".join(hub_panels.render(request, core_task))
    svg = _svg(html)
    assert len(svg.findall(f".//{SVG}circle[@class='chart-point']")) == len(VALUES)
    assert "<details" in html
    assert "Ny indsats i vuggestuerne" in html


def test_a_long_monthly_series_labels_a_few_periods_and_always_the_latest(org: Any) -> None:
    indicator = make_indicator(make_core_task(), name="Sygefravær", direction="down")
    for month in range(1, 13):
        for year in (2022, 2023):
            period = (
                date(year, month, 28)
                if month == 2
                else date(year, month, 30 if month in (4, 6, 9, 11) else 31)
            )
            add_value(indicator, period, str(40 + month))
    chart = trend_chart(indicator, list(indicator.values.all()))
    assert len(chart.points) == 24
    assert len(chart.x_ticks) <= 7
    assert chart.x_ticks[-1].label == "2023-12"


def test_a_single_value_is_drawn_as_a_point_in_the_middle(org: Any) -> None:
    indicator = make_indicator(make_core_task())
    add_value(indicator, date(2023, 12, 31), "65")
    chart = trend_chart(indicator, list(indicator.values.all()))
    assert len(chart.points) == 1
    assert chart.points[0].x == (chart.left + chart.right) / 2
