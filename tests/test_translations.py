"""The Danish translation is complete and the committed .mo files match the .po files.

Danish is the product's language; English is the source language of the code. A string missing
from the Danish catalogue would show up in English in front of a Danish user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from tests.conftest import need_service

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted((ROOT / "locale").glob("*/LC_MESSAGES/django.po"))
assert CATALOGUES, "locale/ holds no catalogue"


def test_there_is_a_danish_catalogue() -> None:
    assert ROOT / "locale/da/LC_MESSAGES/django.po" in CATALOGUES


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_every_danish_string_is_translated_and_none_is_fuzzy(po_path: Path) -> None:
    catalogue = polib.pofile(str(po_path))
    if po_path.parts[-3] != "da":
        return
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_the_committed_mo_file_is_compiled_from_the_po_file(po_path: Path) -> None:
    compiled = polib.mofile(str(po_path.with_suffix(".mo")))
    source = polib.pofile(str(po_path))
    expected = {
        (entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural
        for entry in source.translated_entries()
    }
    actual = {
        (entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural for entry in compiled
    }
    actual.pop((None, ""), None)  # the header
    assert actual == expected, "run `make messages` and commit locale/"


def test_the_catalogue_holds_every_string_the_code_and_templates_use(tmp_path: Path) -> None:
    """makemessages in a copy of the source finds no msgid that the committed catalogue lacks.

    It runs in a copy because makemessages writes into the locale/ folder it finds.
    """
    if shutil.which("xgettext") is None:
        need_service("GNU gettext (xgettext) is not installed")
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".*", "var", "staticfiles", "__pycache__", "tests", "bench"),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "da",
            "--no-obsolete",
            "--verbosity",
            "0",
        ],
        cwd=copy,
        env={**os.environ, "DEBUG": "1", "PYTHONPATH": str(copy)},
        check=True,
        capture_output=True,
    )
    fresh = {entry.msgid for entry in polib.pofile(str(copy / "locale/da/LC_MESSAGES/django.po"))}
    committed = {entry.msgid for entry in polib.pofile(str(CATALOGUES[0]))}
    assert sorted(fresh - committed) == [], "run `make messages`, translate, and commit locale/"
