"""The OS2mo import's use cases: HR's fetch → preview → confirm, and the scheduled sync.

Both read OS2mo, map it (`mapping`), and `prepare` the result against the database: every
object with a problem keeps the state the database already has (a unit, person or committee the
database does not have yet is not added), objects that depend on one left out follow it, and
the importer's own checks (`importer.parse_files`) are run until the files are valid. What is
left out is reported with its OS2mo UUID and the reason, and kept with the import
(`ImportBatch.summary["problems"]`).

- `fetch_and_preview` keeps the files as an ImportBatch that HR confirms on the same preview
  page as a CSV upload (`organisation:import_preview`).
- `sync` (the Celery beat task `organisation.sync_os2mo`, and the command `import_os2mo`)
  applies the valid rest at once, in one transaction with an audit record, and keeps an
  ImportBatch without uploader as its report.

A failed read (`OS2moError`) changes nothing and leaves an invalid ImportBatch with the reason.
Running either again with the same data in OS2mo changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisation import audit, importer, services
from organisation.csvfiles import RowError
from organisation.models import (
    ImportBatch,
    MedCommittee,
    MedMembership,
    OrgUnit,
    RoleAssignment,
    User,
)
from organisation.os2mo import mapping
from organisation.os2mo.client import OS2moClient, OS2moError
from organisation.os2mo.mapping import (
    COMMITTEES,
    MEMBERS,
    PEOPLE,
    UNITS,
    Committee,
    Mapped,
    Organisation,
    Person,
    Problem,
    Unit,
)

logger = logging.getLogger(__name__)

SYNCED = "organisation.os2mo_synced"
SOURCE = "OS2mo"  # the "file" of errors that concern OS2mo as a whole
# A report lists at most this many problems (the count is always whole), so that a badly
# broken OS2mo does not fill the database night after night.
MAX_STORED_PROBLEMS = 500
# Each round of the importer's checks reverts or drops at least one object; real data needs two
# or three rounds.
MAX_ROUNDS = 25
RESULTS = {
    "imported": gettext_lazy("imported"),
    "kept": gettext_lazy("kept as before"),
    "left_out": gettext_lazy("left out"),
}


# --- The database as the import files would say it ------------------------------------------


def current_organisation() -> Organisation:
    """What the database holds of what an import writes, as records: active units, people and
    committees with an external id, import-sourced leader roles, and memberships."""
    org = Organisation()
    rows = list(OrgUnit.objects.values("path", "external_id", "name", "kind", "active"))
    external_ids = {row["path"]: row["external_id"] for row in rows}
    for row in rows:
        if not row["external_id"] or not row["active"]:
            continue
        parent_path = row["path"][: -OrgUnit.steplen]
        parent = external_ids.get(parent_path) if parent_path else None
        if parent_path and not parent:
            continue  # below a unit added by hand, which no import file can name
        key = row["external_id"]
        org.units[key] = Unit(key, row["name"], row["kind"], parent)

    leads: dict[str, list[str]] = {}
    for user, unit in RoleAssignment.objects.filter(
        role=RoleAssignment.Role.LEADER,
        source=RoleAssignment.Source.IMPORT,
        user__external_id__isnull=False,
        unit__external_id__isnull=False,
    ).values_list("user__external_id", "unit__external_id"):
        leads.setdefault(user, []).append(unit)
    for row in User.objects.filter(external_id__isnull=False, is_active=True).values(
        "external_id",
        "username",
        "name",
        "email",
        "phone",
        "home_unit_id",
        "home_unit__external_id",
    ):
        if row["home_unit_id"] and not row["home_unit__external_id"]:
            continue
        key = row["external_id"]
        org.people[key] = Person(
            key,
            row["username"],
            row["name"],
            row["email"],
            row["home_unit__external_id"],
            row["phone"],
            sorted(leads.get(key, [])),
        )

    covers: dict[str, list[str]] = {}
    for committee, unit in MedCommittee.covers.through.objects.filter(
        medcommittee__external_id__isnull=False, orgunit__external_id__isnull=False
    ).values_list("medcommittee__external_id", "orgunit__external_id"):
        covers.setdefault(committee, []).append(unit)
    for row in MedCommittee.objects.filter(external_id__isnull=False, active=True).values(
        "external_id", "name", "level", "parent_id", "parent__external_id"
    ):
        if row["parent_id"] and not row["parent__external_id"]:
            continue
        key = row["external_id"]
        org.committees[key] = Committee(
            key, row["name"], row["level"], row["parent__external_id"], sorted(covers.get(key, []))
        )
    org.members = set(
        MedMembership.objects.filter(
            committee__external_id__isnull=False, user__external_id__isnull=False
        ).values_list("committee__external_id", "user__external_id", "role")
    )
    return org


# --- Preparing the files --------------------------------------------------------------------


@dataclass
class Prepared:
    """Import files made from OS2mo, what was left out, and errors that stop the import."""

    files: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def reported(self) -> dict[str, Any]:
        return {
            "problems": [problem.as_dict() for problem in self.problems[:MAX_STORED_PROBLEMS]],
            "problem_count": len(self.problems),
        }


def _stores(org: Organisation) -> dict[str, dict[str, Any]]:
    return {UNITS: org.units, PEOPLE: org.people, COMMITTEES: org.committees}


class _Settler:
    """Turns a mapped export into valid import files against the current database."""

    def __init__(self, mapped: Mapped, current: Organisation) -> None:
        self.mapped = mapped
        self.org = mapped.organisation.copy()
        self.current = current
        self.problems = list(mapped.problems)
        self.reported = {(problem.kind, problem.key) for problem in mapped.problems}
        self.kept: dict[str, set[str]] = {UNITS: set(), PEOPLE: set(), COMMITTEES: set()}
        self.dropped: dict[str, set[str]] = {UNITS: set(), PEOPLE: set(), COMMITTEES: set()}

    def name_of(self, kind: str, key: Any) -> str:
        if kind == MEMBERS:
            committee, person, _role = key
            return f"{self.name_of(PEOPLE, person)} – {self.name_of(COMMITTEES, committee)}"
        record = _stores(self.org)[kind].get(key) or _stores(self.current)[kind].get(key)
        return record.name if record is not None else ""

    def report(self, kind: str, key: Any, message: str, *, again: bool = False) -> None:
        """Report a problem with a record, once per record unless `again`."""
        text_key = "|".join(key) if kind == MEMBERS else key
        if (kind, text_key) in self.reported and not again:
            return
        uuid = key[1] if kind == MEMBERS else key
        self.problems.append(
            Problem(
                kind, text_key, mapping.what_label(kind), uuid, self.name_of(kind, key), message
            )
        )
        self.reported.add((kind, text_key))

    def keep_current(self, kind: str, key: Any) -> None:
        """Leave the object as the database has it: revert it to its stored state once, or
        leave it out where the database has none (or reverting did not help)."""
        if kind == MEMBERS:
            self.org.members.discard(key)
            return
        store, stored = _stores(self.org)[kind], _stores(self.current)[kind]
        side = {PEOPLE: 1, COMMITTEES: 0}.get(kind)
        if key in stored and key not in self.kept[kind] and key not in self.dropped[kind]:
            self.kept[kind].add(key)
            record = stored[key]
            store[key] = replace(record)
            if side is not None:
                self.org.members = {m for m in self.org.members if m[side] != key} | {
                    m for m in self.current.members if m[side] == key
                }
            return
        self.kept[kind].discard(key)
        self.dropped[kind].add(key)
        store.pop(key, None)
        if side is not None:
            self.org.members = {m for m in self.org.members if m[side] != key}

    def close(self) -> None:
        """Make every reference point at an object that is part of the import."""
        changed = True
        while changed:
            changed = False
            for key, unit in list(self.org.units.items()):
                if unit.parent is not None and unit.parent not in self.org.units:
                    self.report(
                        UNITS,
                        key,
                        _("Its parent unit %(uuid)s is left out.") % {"uuid": unit.parent},
                    )
                    self.keep_current(UNITS, key)
                    changed = True
            for key, person in list(self.org.people.items()):
                if person.unit is not None and person.unit not in self.org.units:
                    self.report(
                        PEOPLE,
                        key,
                        _("Their workplace %(uuid)s is left out.") % {"uuid": person.unit},
                    )
                    self.keep_current(PEOPLE, key)
                    changed = True
                else:
                    person.leads = [unit for unit in person.leads if unit in self.org.units]
            for key, committee in list(self.org.committees.items()):
                if committee.parent is not None and committee.parent not in self.org.committees:
                    self.report(
                        COMMITTEES,
                        key,
                        _("Its parent MED unit %(uuid)s is left out.") % {"uuid": committee.parent},
                    )
                    self.keep_current(COMMITTEES, key)
                    changed = True
                else:
                    committee.covers = [unit for unit in committee.covers if unit in self.org.units]
        self.org.members = {
            (committee, person, role)
            for committee, person, role in self.org.members
            if committee in self.org.committees and person in self.org.people
        }

    def run(self) -> Prepared:
        for kind in (UNITS, PEOPLE, COMMITTEES):
            for key in sorted(self.mapped.left_out[kind]):
                self.keep_current(kind, key)
        for key, name in sorted(self.mapped.not_employed.items()):
            if key in self.current.people:
                self.problems.append(
                    Problem(
                        PEOPLE,
                        key,
                        mapping.what_label(PEOPLE),
                        key,
                        name,
                        _(
                            "The person has no current engagement in the line organisation, so "
                            "their account is deactivated."
                        ),
                    )
                )
        # OS2mo's phone numbers are not read: the import keeps the ones people have.
        phones = dict(
            User.objects.filter(external_id__isnull=False)
            .exclude(phone="")
            .values_list("external_id", "phone")
        )
        for key, person in self.org.people.items():
            person.phone = phones.get(key, person.phone)

        for _round in range(MAX_ROUNDS):
            self.close()
            files, lines = mapping.to_files(self.org)
            parsed = importer.parse_files(files)
            if not parsed.errors:
                return self.finish(files, [])
            placed: dict[tuple[str, Any], list[str]] = {}
            unplaced = []
            for error in parsed.errors:
                where = lines.get((error.file, error.line)) if error.line else None
                if where is None:
                    unplaced.append(error)
                else:
                    placed.setdefault(where, []).append(error.message)
            if unplaced:
                return self.finish(files, unplaced)
            for (kind, key), messages in placed.items():
                for message in dict.fromkeys(messages):
                    self.report(kind, key, message, again=True)
                self.keep_current(kind, key)
        return self.finish(files, parsed.errors)

    def finish(self, files: dict[str, str], errors: list[RowError]) -> Prepared:
        stores = _stores(self.org)
        for problem in self.problems:
            if problem.kind in stores and problem.key in stores[problem.kind]:
                problem.result = "kept" if problem.key in self.kept[problem.kind] else "imported"
            else:
                problem.result = "left_out"
            problem.outcome = str(RESULTS[problem.result])
            if not problem.name and problem.kind in stores:
                problem.name = self.name_of(problem.kind, problem.key)
        return Prepared(files=files, problems=self.problems, errors=errors)


def prepare(mapped: Mapped) -> Prepared:
    """Valid import files from a mapped export, against the database as it is now."""
    if mapped.errors:
        return Prepared(
            files={},
            problems=mapped.problems,
            errors=[RowError(SOURCE, None, error) for error in mapped.errors],
        )
    return _Settler(mapped, current_organisation()).run()


# --- Use cases ------------------------------------------------------------------------------


def read(
    client: OS2moClient | None = None,
    *,
    line_root: str | None = None,
    med_root: str | None = None,
) -> Mapped:
    """Read OS2mo (through `client`, by default the one the settings describe) and map it.
    Raises `OS2moError` when OS2mo cannot be read completely."""
    os2mo = client or OS2moClient.from_settings()
    with os2mo:
        export = os2mo.fetch_export()
    return mapping.map_export(
        export,
        line_root=line_root or settings.OS2MO_LINE_ROOT or None,
        med_root=med_root or settings.OS2MO_MED_ROOT or None,
    )


def _invalid_batch(
    *, uploaded_by: User | None, errors: list[RowError], reported: dict[str, Any] | None = None
) -> ImportBatch:
    return ImportBatch.objects.create(
        uploaded_by=uploaded_by,
        source=ImportBatch.Source.OS2MO,
        status=ImportBatch.Status.INVALID,
        files={},
        summary={"errors": [error.as_dict() for error in errors], **(reported or {})},
    )


# HR waits on the page while OS2mo is read: the reading stops well before the web server's own
# limit (config/gunicorn.py: 60 s) would cut the request off.
INTERACTIVE_SECONDS = 40.0


def fetch_and_preview(*, uploaded_by: User, client: OS2moClient | None = None) -> ImportBatch:
    """Read OS2mo and keep what an import would change as a batch for HR to confirm."""
    try:
        if client is None and settings.OS2MO_ENABLED:
            client = OS2moClient.from_settings(within_seconds=INTERACTIVE_SECONDS)
        mapped = read(client)
    except OS2moError as exc:
        logger.warning("Reading OS2mo for a preview failed: %s", exc)
        return _invalid_batch(uploaded_by=uploaded_by, errors=[RowError(SOURCE, None, str(exc))])
    prepared = prepare(mapped)
    if prepared.errors:
        return _invalid_batch(
            uploaded_by=uploaded_by, errors=prepared.errors, reported=prepared.reported()
        )
    return services.import_batch_create(
        uploaded_by=uploaded_by,
        files=prepared.files,
        source=ImportBatch.Source.OS2MO,
        reported=prepared.reported(),
    )


def sync(
    *,
    client: OS2moClient | None = None,
    line_root: str | None = None,
    med_root: str | None = None,
) -> ImportBatch:
    """Read OS2mo and apply every valid change at once; report what was left out.

    Returns the batch that reports the run: applied, or invalid with the reason (and then
    nothing was changed).
    """
    try:
        mapped = read(client, line_root=line_root, med_root=med_root)
    except OS2moError as exc:
        logger.error("OS2mo sync: reading OS2mo failed: %s", exc)
        return _invalid_batch(uploaded_by=None, errors=[RowError(SOURCE, None, str(exc))])
    prepared: Prepared | None = None
    try:
        with transaction.atomic():
            prepared = prepare(mapped)
            check = (
                services.import_files_check(files=prepared.files) if not prepared.errors else None
            )
            if check is None or not check.valid:
                errors = prepared.errors or (check.errors if check else [])
                logger.error("OS2mo sync: nothing can be imported: %s", errors)
                return _invalid_batch(uploaded_by=None, errors=errors, reported=prepared.reported())
            assert check.plan is not None
            importer.apply_plan(check.plan)
            batch = ImportBatch.objects.create(
                uploaded_by=None,
                source=ImportBatch.Source.OS2MO,
                status=ImportBatch.Status.APPLIED,
                applied_at=timezone.now(),
                # The plan in the summary tells what changed; the files are not needed again.
                files={},
                plan_digest=check.digest,
                summary={**check.summary(), **prepared.reported()},
            )
            counts = importer.plan_counts(check.plan)
            if not importer.plan_is_empty(check.plan):
                audit.record(
                    actor=None,
                    action=SYNCED,
                    target=batch,
                    details={**counts, "problems": len(prepared.problems)},
                )
    except Exception as exc:
        # Nothing of the run is kept (the transaction is rolled back); the report says why.
        logger.exception("OS2mo sync: applying the changes failed")
        return _invalid_batch(
            uploaded_by=None,
            errors=[
                RowError(
                    SOURCE,
                    None,
                    _("Applying the changes failed, so nothing was changed: %(error)s")
                    % {"error": exc},
                )
            ],
            reported=prepared.reported() if prepared is not None else None,
        )
    logger.info(
        "OS2mo sync applied (batch %s): %s; %s problems", batch.pk, counts, len(prepared.problems)
    )
    return batch
