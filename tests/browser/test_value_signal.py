"""In the browser: an employee sees what governance applies to their workplace on /styring/mig/,
gives an anonymous value signal on one instrument and is thanked."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kerneopgaver.models import CoreTask
from organisation.models import User
from styring import periods
from styring.models import Instrument, ValueSignal
from tests.test_permission_matrix import governance_instrument

pytestmark = pytest.mark.browser


@pytest.fixture
def instrument(org: SimpleNamespace) -> Instrument:
    core_task = CoreTask.objects.create(
        title="Børns trivsel og læring", purpose="Formål", desired_effect="Effekt"
    )
    return governance_instrument("Sprogvurdering af treårige", org.solsikken, core_task)


def test_an_employee_gives_a_value_signal_and_is_thanked(
    open_browser, org: SimpleNamespace, employee: User, instrument: Instrument
) -> None:
    browsing = open_browser()
    page = browsing.page
    browsing.sign_in_with_cookie(employee)

    browsing.go("/styring/mig/")
    browsing.check_accessibility()
    row = page.locator(f"tr[data-instrument='{instrument.pk}']")
    signal_link = row.locator(f"a[href$='/styring/{instrument.pk}/vaerdi/']")
    signal_link.click()
    page.wait_for_url(f"**/styring/{instrument.pk}/vaerdi/")
    browsing.check_accessibility()

    form = page.locator("main form")
    form.locator("input[name=helps][value=yes]").check()
    form.locator("input[name=uses][value=partly]").check()
    form.locator("input[name=duplicate][value=no]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/styring/mig/")

    thanks = browsing.say(da="Tak for dit værdisignal", en="Thank you for your value signal")
    assert thanks in page.locator("main [role=status]").first.inner_text()
    assert signal_link.count() == 0  # given this quarter: no second signal
    browsing.check_accessibility()
    signal = ValueSignal.objects.get(instrument=instrument)
    assert (signal.unit, signal.period) == (org.solsikken, periods.current_period())
    assert (signal.helps, signal.uses, signal.duplicate) == ("yes", "partly", "no")
