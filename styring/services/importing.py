"""CSV import of an existing list of instruments (HR).

The file is read with the shared CSV helpers (`organisation/csvfiles.py`: UTF-8 with or without
a byte-order mark, comma or semicolon), after Danish headers have been mapped to the column
names below. Every row is checked against the organisation, the core tasks and the
instruments already registered; each problem names its line and column. A file with any problem
imports nothing. A clean file becomes a plan (create, update or unchanged per row) that the
person confirms; `instruments_import` checks the file again inside its transaction and writes
the whole plan or nothing.

A row is matched to an existing instrument by its title (case-insensitive) and owning unit, so
importing the same file twice changes nothing. The activation rule and the status workflow of
`styring.services.instruments` hold for every row.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kerneopgaver.indicators import InputError, parse_decimal
from kerneopgaver.models import CoreTask
from organisation import access, csvfiles
from organisation.models import OrgUnit, User
from styring.models import MAX_MINUTES_PER_MONTH, Instrument, Justification
from styring.services.instruments import (
    JUSTIFYING_CORE_TASK_STATUSES,
    check_activation,
    check_move,
)

# Limits: a municipality's list of governance is hundreds of rows, not tens of thousands; a
# larger file is a mistake (or an export of something else) and would only make the page slow.
MAX_FILE_BYTES = 512 * 1024
MAX_ROWS = 1000
LIST_SEPARATOR = "|"

REQUIRED_COLUMNS = ("title", "kind", "origin", "owner_unit")
OPTIONAL_COLUMNS = (
    "description",
    "legal_basis",
    "mandatory",
    "applies_to",
    "minutes_per_month",
    "review_on",
    "status",
    "core_tasks",
    "justification",
)
COLUMNS = (
    "title",
    "description",
    "kind",
    "origin",
    "legal_basis",
    "mandatory",
    "owner_unit",
    "applies_to",
    "minutes_per_month",
    "review_on",
    "status",
    "core_tasks",
    "justification",
)
# The Danish header of each column, as the template file writes it.
DANISH_HEADERS: dict[str, str] = {
    "title": "titel",
    "description": "beskrivelse",
    "kind": "type",
    "origin": "oprindelse",
    "legal_basis": "lovgrundlag",
    "mandatory": "obligatorisk",
    "owner_unit": "ejerenhed",
    "applies_to": "gælder_for",
    "minutes_per_month": "minutter_pr_måned",
    "review_on": "revurderes",
    "status": "status",
    "core_tasks": "kerneopgaver",
    "justification": "begrundelse",
}
# Other headers people write (normalised: lower case, spaces and hyphens as underscores).
HEADER_ALIASES: dict[str, str] = {
    **{danish: column for column, danish in DANISH_HEADERS.items()},
    **{column: column for column in COLUMNS},
    "art": "kind",
    "hjemmel": "legal_basis",
    "lovhjemmel": "legal_basis",
    "ejer": "owner_unit",
    "ejende_enhed": "owner_unit",
    "gaelder_for": "applies_to",
    "gælder": "applies_to",
    "enheder": "applies_to",
    "minutter": "minutes_per_month",
    "minutter_pr_maaned": "minutes_per_month",
    "minutter_per_måned": "minutes_per_month",
    "tidsforbrug": "minutes_per_month",
    "revurdering": "review_on",
    "revurderingsdato": "review_on",
    "kerneopgave": "core_tasks",
    "core_task": "core_tasks",
    "hvordan": "justification",
}

# Values people write, besides the codes and the English labels. Danish labels are listed here
# rather than read from the catalogue, so the import understands them in either language.
KIND_WORDS: dict[str, str] = {
    "mål": "goal",
    "mål eller resultat": "goal",
    "resultat": "goal",
    "resultatmål": "goal",
    "arbejdsgang": "process",
    "proces": "process",
    "arbejdsgang der skal følges": "process",
    "dokumentation": "documentation",
    "dokumentationskrav": "documentation",
    "dokumentation der skal udarbejdes": "documentation",
    "rapport": "report",
    "afrapportering": "report",
    "indberetning": "report",
}
ORIGIN_WORDS: dict[str, str] = {
    "lov": "law",
    "bekendtgørelse": "executive_order",
    "bekendtgoerelse": "executive_order",
    "kl-aftale": "kl_agreement",
    "kl aftale": "kl_agreement",
    "aftale med kl": "kl_agreement",
    "byråd": "council",
    "byrådet": "council",
    "byrådsbeslutning": "council",
    "kommunalbestyrelsen": "council",
    "forvaltning": "administration",
    "forvaltningen": "administration",
    "administrationen": "administration",
    "administrativ": "administration",
    "lokal": "local",
    "lokal enhed": "local",
    "lokalt": "local",
}
STATUS_WORDS: dict[str, str] = {
    "foreslået": "proposed",
    "forslag": "proposed",
    "aktiv": "active",
    "i kraft": "active",
    "under revurdering": "under_review",
    "til revurdering": "under_review",
    "revurderes": "under_review",
    "udfaset": "retired",
    "afskaffet": "retired",
    "nedlagt": "retired",
    "ophørt": "retired",
}
YES_WORDS = frozenset({"ja", "j", "yes", "y", "x", "1", "true", "sand"})
NO_WORDS = frozenset({"nej", "n", "no", "0", "false", "falsk", ""})

IN_FORCE = (Instrument.Status.ACTIVE, Instrument.Status.UNDER_REVIEW)

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass(frozen=True)
class Problem:
    """One reason the file cannot be imported: the line (1 is the header, None for the whole
    file), the column as the file names it ("" for the whole row) and what is wrong."""

    line: int | None
    column: str
    message: str


@dataclass
class PlannedRow:
    """One valid row and what importing it will do."""

    line: int
    action: str
    values: dict[str, Any]
    owner_unit: OrgUnit
    applies_to: list[OrgUnit]
    justifications: list[tuple[CoreTask, str]]
    existing: Instrument | None = None
    changes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.values["title"]

    @property
    def status_label(self) -> str:
        return Instrument.Status(self.values["status"]).label

    @property
    def kind_label(self) -> str:
        return Instrument.Kind(self.values["kind"]).label

    @property
    def core_task_titles(self) -> list[str]:
        return [core_task.title for core_task, _how in self.justifications]


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    problems: list[Problem]
    applied: bool = False

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self.count(CREATE)

    @property
    def updated(self) -> int:
        return self.count(UPDATE)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def changes_anything(self) -> bool:
        return any(row.action != UNCHANGED for row in self.rows)


# --- Reading the file ------------------------------------------------------------------------


def decode_file(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (with or without BOM, the shared rule), or else
    Windows-1252, which is what Danish Excel writes when a file is saved as plain "CSV"."""
    try:
        return csvfiles.decode_upload(data)
    except UnicodeDecodeError:
        return data.decode("cp1252")  # may raise UnicodeDecodeError too: the form says so


def _normalise_header(name: str) -> str:
    cleaned = name.strip().lower().removeprefix("\ufeff")
    return re.sub(r"[\s\-./]+", "_", cleaned).strip("_")


def _canonical_header(text: str) -> tuple[str, dict[str, str]]:
    """The text with its header rewritten to the column names, and column → the header as the
    file wrote it (for error messages). Unknown headers are left for `read_rows` to report."""
    text = text.removeprefix("\ufeff")
    header_line, newline, rest = text.partition("\n")
    header_line = header_line.removesuffix("\r")
    delimiter = csvfiles.detect_delimiter(header_line)
    try:
        names = next(csv.reader([header_line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return text, {}
    written: dict[str, str] = {}
    canonical: list[str] = []
    for name in names:
        column = HEADER_ALIASES.get(_normalise_header(name))
        if column is None:
            canonical.append(name)
        else:
            canonical.append(column)
            written.setdefault(column, name.strip())
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(canonical)
    return out.getvalue() + newline + rest, written


# --- Values ------------------------------------------------------------------------------------


def _normalise(value: str) -> str:
    return " ".join(value.strip().lower().split())


def _choice_lookup(choices: type[Any], words: dict[str, str]) -> dict[str, str]:
    """Codes, English and Danish labels and the extra words, normalised, → code."""
    lookup = {_normalise(value): value for value in choices.values}
    for language in ("en", "da"):
        with translation.override(language):
            lookup.update({_normalise(str(label)): value for value, label in choices.choices})
    lookup.update({_normalise(word): value for word, value in words.items()})
    lookup.update({_normalise(value.replace("_", " ")): value for value in choices.values})
    return lookup


def parse_date(text: str) -> datetime.date:
    """2026-03-31 or 31-03-2026 (also with dots or slashes, as Danish Excel writes dates)."""
    value = text.strip()
    try:
        if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value):
            year, month, day = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
        if match := re.fullmatch(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})", value):
            day, month, year = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
    except ValueError:
        raise InputError(_("“%(value)s” is not a valid date.") % {"value": text}) from None
    raise InputError(
        _("“%(value)s” is not a date; write it as 2026-03-31 or 31-03-2026.") % {"value": text}
    )


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


class _Lookups:
    """What the rows are checked against, read once per file (not once per row)."""

    def __init__(self, user: User) -> None:
        units = list(OrgUnit.objects.filter(active=True).order_by("path"))
        self.by_external_id = {unit.external_id: unit for unit in units if unit.external_id}
        self.by_name: dict[str, list[OrgUnit]] = {}
        for unit in units:
            self.by_name.setdefault(_normalise(unit.name), []).append(unit)
        self.owner_ids = set(access.instrument_owner_units_for(user).values_list("pk", flat=True))
        self.core_tasks: dict[str, list[CoreTask]] = {}
        for core_task in CoreTask.objects.filter(status__in=JUSTIFYING_CORE_TASK_STATUSES):
            self.core_tasks.setdefault(_normalise(core_task.title), []).append(core_task)
        self.instruments: dict[tuple[int, str], list[Instrument]] = {}
        for instrument in Instrument.objects.prefetch_related("applies_to", "justifications"):
            key = (instrument.owner_unit_id, _normalise(instrument.title))
            self.instruments.setdefault(key, []).append(instrument)
        self.kinds = _choice_lookup(Instrument.Kind, KIND_WORDS)
        self.origins = _choice_lookup(Instrument.Origin, ORIGIN_WORDS)
        self.statuses = _choice_lookup(Instrument.Status, STATUS_WORDS)

    def unit(self, reference: str) -> OrgUnit:
        """A unit by external id, or else by its name when only one unit has it."""
        if unit := self.by_external_id.get(reference.strip()):
            return unit
        named = self.by_name.get(_normalise(reference), [])
        if len(named) == 1:
            return named[0]
        if named:
            raise InputError(
                _(
                    "Several units are called “%(name)s”; write the unit's external id instead "
                    "(%(ids)s)."
                )
                % {
                    "name": reference,
                    "ids": ", ".join(unit.external_id or "–" for unit in named),
                }
            )
        raise InputError(
            _("No active unit has the external id or name “%(unit)s”.") % {"unit": reference}
        )


class _RowChecker:
    """Checks one row; collects the problems with the column as the file names it."""

    def __init__(self, line: int, record: dict[str, str], headers: dict[str, str]) -> None:
        self.line = line
        self.record = record
        self.headers = headers
        self.problems: list[Problem] = []

    def get(self, column: str) -> str:
        return self.record.get(column, "").strip()

    def fail(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.line, self.headers.get(column, column), message))

    def choice(self, column: str, lookup: dict[str, str], labels: Iterable[Any]) -> str | None:
        value = self.get(column)
        if not value:
            return None
        code = lookup.get(_normalise(value))
        if code is None:
            self.fail(
                column,
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": value, "choices": ", ".join(str(label) for label in labels)},
            )
        return code


def _check_row(
    checker: _RowChecker, lookups: _Lookups, first_lines: dict[tuple[int, str], int]
) -> PlannedRow | None:
    line, get, fail = checker.line, checker.get, checker.fail
    for column in REQUIRED_COLUMNS:
        if not get(column):
            fail(column, _("This field is required."))
    values: dict[str, Any] = {}

    title = get("title")
    if len(title) > 200:
        fail("title", _("The title is longer than %(limit)s characters.") % {"limit": 200})
    values["title"] = title
    values["description"] = get("description")
    legal_basis = get("legal_basis")
    if len(legal_basis) > 300:
        fail(
            "legal_basis",
            _("The legal basis is longer than %(limit)s characters.") % {"limit": 300},
        )
    values["legal_basis"] = legal_basis
    values["kind"] = checker.choice("kind", lookups.kinds, Instrument.Kind.labels)
    values["origin"] = checker.choice("origin", lookups.origins, Instrument.Origin.labels)
    status = checker.choice("status", lookups.statuses, Instrument.Status.labels)
    values["status"] = status or Instrument.Status.PROPOSED

    mandatory = _normalise(get("mandatory"))
    if mandatory in YES_WORDS:
        values["mandatory"] = True
    elif mandatory in NO_WORDS:
        values["mandatory"] = False
    else:
        fail("mandatory", _("Write “ja” or “nej”, not “%(value)s”.") % {"value": get("mandatory")})

    values["minutes_per_month"] = 0
    if minutes_text := get("minutes_per_month"):
        try:
            minutes = parse_decimal(minutes_text)
        except InputError as error:
            fail("minutes_per_month", str(error))
        else:
            if minutes != minutes.to_integral_value() or minutes < 0:
                fail(
                    "minutes_per_month",
                    _("Write the time cost as whole minutes (0 or more), not “%(value)s”.")
                    % {"value": minutes_text},
                )
            elif minutes > Decimal(MAX_MINUTES_PER_MONTH):
                fail(
                    "minutes_per_month",
                    _("%(value)s minutes a month is more than a working month (%(limit)s).")
                    % {"value": minutes_text, "limit": MAX_MINUTES_PER_MONTH},
                )
            else:
                values["minutes_per_month"] = int(minutes)

    values["review_on"] = None
    if review_text := get("review_on"):
        try:
            values["review_on"] = parse_date(review_text)
        except InputError as error:
            fail("review_on", str(error))

    owner: OrgUnit | None = None
    if get("owner_unit"):
        try:
            owner = lookups.unit(get("owner_unit"))
        except InputError as error:
            fail("owner_unit", str(error))
        else:
            if owner.pk not in lookups.owner_ids:
                fail(
                    "owner_unit",
                    _("You may not register instruments owned by %(unit)s.") % {"unit": owner},
                )
                owner = None

    applies_to: list[OrgUnit] = []
    for reference in _split(get("applies_to")):
        try:
            unit = lookups.unit(reference)
        except InputError as error:
            fail("applies_to", str(error))
        else:
            if unit not in applies_to:
                applies_to.append(unit)
    if not get("applies_to") and owner is not None:
        applies_to = [owner]  # documented: without applies-to, it applies to the owning unit

    justifications: list[tuple[CoreTask, str]] = []
    how = get("justification")
    for reference in _split(get("core_tasks")):
        matches = lookups.core_tasks.get(_normalise(reference), [])
        if len(matches) != 1:
            fail(
                "core_tasks",
                _("No adopted core task or core task in dialogue has the title “%(title)s”.")
                % {"title": reference}
                if not matches
                else _("Several core tasks have the title “%(title)s”.") % {"title": reference},
            )
        elif matches[0] not in [task for task, _how in justifications]:
            justifications.append((matches[0], how))
    if get("core_tasks") and not how:
        fail(
            "justification",
            _("Say how the instrument serves the core tasks' desired effect."),
        )
    if how and not get("core_tasks"):
        fail("core_tasks", _("Name the core tasks the justification is about."))

    existing: Instrument | None = None
    if owner is not None and title:
        key = (owner.pk, _normalise(title))
        if key in first_lines:
            fail(
                "title",
                _(
                    "The instrument “%(title)s” owned by %(unit)s appears more than once (first "
                    "on line %(line)s)."
                )
                % {"title": title, "unit": owner, "line": first_lines[key]},
            )
        first_lines.setdefault(key, line)
        matching = lookups.instruments.get(key, [])
        if len(matching) > 1:
            fail(
                "title",
                _(
                    "Several registered instruments owned by %(unit)s are called “%(title)s”; "
                    "give them different titles first."
                )
                % {"title": title, "unit": owner},
            )
        elif matching:
            existing = matching[0]

    if checker.problems or owner is None:
        return None

    if existing is not None and existing.status != values["status"]:
        try:
            check_move(existing, values["status"])
        except ValidationError as error:
            fail("status", " ".join(error.messages))
    if values["status"] in IN_FORCE:
        candidate = Instrument(owner_unit=owner, **values)
        already = bool(existing and existing.justifications.all())
        try:
            check_activation(candidate, justified=bool(justifications) or already)
        except ValidationError as error:
            fail("status", " ".join(error.messages))
    if checker.problems:
        return None

    row = PlannedRow(
        line=line,
        action=CREATE,
        values=values,
        owner_unit=owner,
        applies_to=applies_to,
        justifications=justifications,
        existing=existing,
    )
    if existing is not None:
        row.changes = _changes(existing, row)
        row.action = UPDATE if row.changes else UNCHANGED
    return row


def _changes(instrument: Instrument, row: PlannedRow) -> list[str]:
    """The labels of what importing the row changes on the instrument."""
    changes = [
        str(Instrument._meta.get_field(name).verbose_name)
        for name, value in row.values.items()
        if getattr(instrument, name) != value
    ]
    if {unit.pk for unit in instrument.applies_to.all()} != {unit.pk for unit in row.applies_to}:
        changes.append(str(Instrument._meta.get_field("applies_to").verbose_name))
    current = {j.core_task_id: j.how for j in instrument.justifications.all()}
    if any(current.get(task.pk) != how for task, how in row.justifications):
        changes.append(str(Justification._meta.verbose_name_plural))
    return changes


def plan_import(text: str, *, user: User, file_name: str = "") -> ImportPlan:
    """Check every row of a file; the plan holds either problems or what importing does."""
    text, headers = _canonical_header(text)
    records, errors = csvfiles.read_rows(
        text, file_name=file_name, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS
    )
    problems = [Problem(error.line, "", error.message) for error in errors]
    if problems:
        return ImportPlan(rows=[], problems=problems)
    if not records:
        return ImportPlan(rows=[], problems=[Problem(None, "", _("The file has no instruments."))])
    if len(records) > MAX_ROWS:
        return ImportPlan(
            rows=[],
            problems=[
                Problem(
                    None,
                    "",
                    _(
                        "The file has %(rows)s rows; at most %(limit)s can be imported at once. "
                        "Split it into smaller files."
                    )
                    % {"rows": len(records), "limit": MAX_ROWS},
                )
            ],
        )
    lookups = _Lookups(user)
    first_lines: dict[tuple[int, str], int] = {}
    rows: list[PlannedRow] = []
    for line, record in records:
        checker = _RowChecker(line, record, headers)
        row = _check_row(checker, lookups, first_lines)
        problems.extend(checker.problems)
        if row is not None:
            rows.append(row)
    if problems:
        return ImportPlan(rows=[], problems=problems)
    return ImportPlan(rows=rows, problems=[])


# --- Writing -----------------------------------------------------------------------------------


@transaction.atomic
def instruments_import(*, author: User, text: str, file_name: str = "") -> ImportPlan:
    """Check the file again (the register may have changed since the preview) and, if every
    row is valid, write all of it; otherwise write nothing and return the problems."""
    if not access.can_import_instruments(author):
        raise ValidationError(_("You may not import instruments."))
    plan = plan_import(text, user=author, file_name=file_name)
    if plan.problems:
        return plan
    for row in plan.rows:
        if row.action == CREATE:
            instrument = Instrument.objects.create(
                owner_unit=row.owner_unit, created_by=author, **row.values
            )
            instrument.applies_to.set(row.applies_to)
            Justification.objects.bulk_create(
                [
                    Justification(instrument=instrument, core_task=task, how=how, created_by=author)
                    for task, how in row.justifications
                ]
            )
        elif row.action == UPDATE:
            _update(row, author)
    plan.applied = True
    return plan


def _update(row: PlannedRow, author: User) -> None:
    instrument = row.existing
    assert instrument is not None  # an update row always has its instrument
    changed = [name for name, value in row.values.items() if getattr(instrument, name) != value]
    for name in changed:
        setattr(instrument, name, row.values[name])
    if changed:
        instrument.save(update_fields=[*changed, "updated_at"])
    if {unit.pk for unit in instrument.applies_to.all()} != {unit.pk for unit in row.applies_to}:
        instrument.applies_to.set(row.applies_to)
    current = {j.core_task_id: j for j in instrument.justifications.all()}
    for task, how in row.justifications:
        justification = current.get(task.pk)
        if justification is None:
            Justification.objects.create(
                instrument=instrument, core_task=task, how=how, created_by=author
            )
        elif justification.how != how:
            justification.how = how
            justification.save(update_fields=["how"])


# --- The template file -------------------------------------------------------------------------


def template_csv() -> str:
    """A file to fill in: the Danish headers, semicolon separated (Danish Excel opens it as
    columns), and one example row that names a real unit and core task where there are any."""
    root = OrgUnit.objects.filter(depth=1, active=True).order_by("path").first()
    unit_reference = (root.external_id or root.name) if root else "kommune"
    core_task = (
        CoreTask.objects.filter(status=CoreTask.Status.ADOPTED).order_by("title").first()
        or CoreTask.objects.filter(status__in=JUSTIFYING_CORE_TASK_STATUSES)
        .order_by("title")
        .first()
    )
    example = {
        "title": "Sprogvurdering af 3-årige",
        "description": "Alle 3-årige tilbydes en sprogvurdering, og resultatet drøftes med "
        "forældrene.",
        "kind": "dokumentation",
        "origin": "lov",
        "legal_basis": "Dagtilbudsloven § 11",
        "mandatory": "ja",
        "owner_unit": unit_reference,
        "applies_to": unit_reference,
        "minutes_per_month": "20",
        "review_on": (timezone.localdate() + datetime.timedelta(days=365)).strftime("%d-%m-%Y"),
        "status": "aktiv",
        "core_tasks": core_task.title if core_task else "",
        "justification": "Sproget er grundlaget for at lære og høre til; vurderingen viser, "
        "hvilke børn der har brug for en særlig indsats."
        if core_task
        else "",
    }
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([DANISH_HEADERS[column] for column in COLUMNS])
    writer.writerow([example[column] for column in COLUMNS])
    return "\ufeff" + out.getvalue()
