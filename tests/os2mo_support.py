"""Recorded OS2mo exports for the OS2mo tests: the sample in `samples/os2mo/`, the malformed and
partial cases in `tests/fixtures/os2mo/`, and edited copies. Never the network."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from organisation.os2mo.client import OS2moClient

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "os2mo"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "os2mo"
CASES = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())

_PAGE = re.compile(r"^([a-z_]+)\.\d+(?:\.\d{3})?\.\w+$")

# UUIDs of the sample's Fjordby Kommune that the tests name.
UNIT = {
    "kommune": "bdb0d719-4e09-5760-9dc1-e0e840211383",
    "born_og_unge": "de6096fe-0917-5c02-a576-348cc524da09",
    "dagtilbud": "8317b522-f059-54ab-bfa7-0afa7a110dbf",
    "vej_og_park": "73cb4a47-f339-5bef-8f97-6a84133ada99",
    "maagen": "61ce5980-7a33-5ccd-af19-6c87bc719a5e",
    "fjordby_skole": "b3a3490e-9e81-5d58-9273-6056ae5c949c",
    "hjemmeplejen_nord": "affde146-3910-59d3-b921-1d8a7338b9c7",
    "hjemmeplejen_syd": "7a040144-7985-5410-9b12-69ffef450021",
    "havgaarden": "cb5c3bbb-b5bc-5e30-9f7b-a480c2bdc62a",
    "driftsgaarden": "df547e2f-b748-5c2a-baea-da4455f5c9d8",
    "skovboernehaven": "60ae0520-6d67-5902-ba59-892c9f9c8d4d",
    "udegruppen": "624012ec-a6ad-59c8-b0ed-f8aae4271d95",
    "ghost": "bdfee3d1-a5d3-588a-892f-312ead882157",
}
MED = {
    "hoved": "97045a0d-d230-5375-bf15-65751bb8d415",
    "omraade_bu": "6dec8d83-e917-52f9-8ad8-c3770638539e",
    "lokal_dagtilbud": "87b3f4f4-f9ed-59aa-a14b-ea59ad8f4441",
    "lokal_skole": "d3d84c9f-6426-5e68-949f-e2cf70d8a3b1",
    "lokal_hjemmepleje": "b17988f8-2025-5b20-87fe-0a9712759ebd",
}
PERSON = {
    "karen": "e632cbd9-d38e-5f26-8e32-dc0d307a3f4c",  # kommunaldirektør, formand for Hoved-MED
    "rasmus": "9d0ae6cc-44fb-56c1-be12-5c62e8642ced",
    "ida": "cdd3dd50-565e-58f4-8b99-bf16831dccb9",
    "anja": "b722d682-e363-55ee-bd3c-44d0cc8a7fa9",  # one engagement, not marked primary
    "line": "1162e4a2-59a1-5a81-a67c-6a72e95bf614",  # TR in Lokal-MED Fjordby Skole
    "emil": "f665111c-9da4-5505-91a6-cfa5972413e4",  # two engagements
    "heidi": "9139ff3a-be83-52f0-9916-a22c59dc7e46",
    "allan": "e33a4963-24d3-5170-a2a9-bc6216dfadea",  # no MED role
    "jens": "2b6be17d-f24b-5f1b-be78-614b5513cc91",  # has left: no engagement
}
ASSOCIATION = {
    "line_tr": "47ce6521-8ce0-56cd-9ece-10d9353c96f1",
    "ghost_amr": "b7abfe8e-2bf2-565f-99da-4ff7b0af6e5c",
    "suppleant": "2039fcaa-cdd5-53e0-9e92-93f380250d78",
}
RELATED = {"hjemmepleje_syd": "d207b4f1-70e7-5cb5-b0b9-b75b0fed9188"}


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """Messages are checked in English, the source language, whatever the Danish catalogue
    says. (Import it into a test module to use it there.) Pages are still asked for in the
    language of the request."""
    with translation.override("en"):
        yield


def no_sleep(_seconds: float) -> None:
    """Retries in tests do not wait."""


def recorded(directory: Path) -> OS2moClient:
    return OS2moClient.recorded(directory, sleep=no_sleep)


def with_case(tmp_path: Path, case: str) -> Path:
    """The sample with a fixture case's lists in place of the sample's."""
    target = tmp_path / f"export-{case}"
    shutil.copytree(SAMPLE, target)
    replaced = {_PAGE.match(path.name)[1] for path in (FIXTURES / case).iterdir()}
    for path in list(target.iterdir()):
        match = _PAGE.match(path.name)
        if match and match[1] in replaced:
            path.unlink()
    for path in (FIXTURES / case).iterdir():
        shutil.copy(path, target / path.name)
    return target


def load_sample() -> dict[str, list[dict[str, Any]]]:
    """The sample's lists as OS2mo objects, all pages joined."""
    export: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(
        SAMPLE.glob("*.json"), key=lambda p: (p.name.split(".")[0], int(p.name.split(".")[1]))
    ):
        field = path.name.split(".")[0]
        body = json.loads(path.read_text(encoding="utf-8"))
        export.setdefault(field, []).extend(body["data"][field]["objects"])
    return export


def write_export(directory: Path, export: dict[str, list[dict[str, Any]]]) -> Path:
    """Write lists as recorded single pages."""
    directory.mkdir(parents=True, exist_ok=True)
    for field, objects in export.items():
        body = {"data": {field: {"objects": objects, "page_info": {"next_cursor": None}}}}
        (directory / f"{field}.1.json").write_text(json.dumps(body), encoding="utf-8")
    return directory


def find(objects: list[dict[str, Any]], uuid: str) -> dict[str, Any]:
    return next(item for item in objects if item["uuid"] == uuid)
