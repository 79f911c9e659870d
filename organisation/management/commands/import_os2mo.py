"""`manage.py import_os2mo`: import the organisation and MED structure from OS2mo.

Reads OS2mo (the OS2MO_* settings), or with `--recorded DIR` a recorded export on disk (as in
`samples/os2mo/`), and applies every valid change at once like the scheduled sync; with
`--dry-run` it only prints what would change. What OS2mo got wrong is printed and left out.
When nothing can be imported (OS2mo cannot be read, no root unit, ...) the command prints why,
changes nothing and exits non-zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from organisation import importer, services
from organisation.models import ImportBatch
from organisation.os2mo import sync
from organisation.os2mo.client import OS2moClient, OS2moError


class Command(BaseCommand):
    help = "Import units, people and MED committees from OS2mo (see README.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--recorded",
            type=Path,
            metavar="DIR",
            help="Read a recorded OS2mo export from this directory instead of OS2mo.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would change; change nothing."
        )
        parser.add_argument("--line-root", help="UUID of the line organisation's root unit.")
        parser.add_argument("--med-root", help="UUID of the MED organisation's root unit.")

    def handle(self, *args: Any, **options: Any) -> None:
        roots = {"line_root": options["line_root"], "med_root": options["med_root"]}
        try:
            client = (
                OS2moClient.recorded(options["recorded"])
                if options["recorded"]
                else OS2moClient.from_settings()
            )
        except OS2moError as exc:
            raise CommandError(str(exc)) from None
        if options["dry_run"]:
            self._dry_run(client, roots)
            return
        batch = sync.sync(client=client, **roots)
        self._print_problems(batch.summary)
        if batch.status != ImportBatch.Status.APPLIED:
            self._fail(batch.summary.get("errors", []))
        plan = batch.summary["plan"]
        self._print_counts(plan)
        if importer.plan_is_empty(plan):
            self.stdout.write(_("Nothing to change: OS2mo matches the organisation."))
        else:
            self.stdout.write(self.style.SUCCESS(_("The import was applied.")))

    def _dry_run(self, client: OS2moClient, roots: dict[str, Any]) -> None:
        try:
            mapped = sync.read(client, **roots)
        except OS2moError as exc:
            raise CommandError(str(exc)) from None
        prepared = sync.prepare(mapped)
        self._print_problems(prepared.reported())
        if prepared.errors:
            self._fail([error.as_dict() for error in prepared.errors])
        check = services.import_files_check(files=prepared.files)
        if not check.valid:
            self._fail([error.as_dict() for error in check.errors])
        assert check.plan is not None
        self._print_counts(check.plan)
        self.stdout.write(_("Dry run: nothing was changed."))

    def _print_counts(self, plan: dict[str, Any]) -> None:
        for section, counts in importer.plan_counts(plan).items():
            totals = ", ".join(
                f"{importer.ACTION_LABELS[action]} {count}" for action, count in counts.items()
            )
            self.stdout.write(f"{importer.SECTION_LABELS[section]}: {totals}")

    def _print_problems(self, reported: dict[str, Any]) -> None:
        problems = reported.get("problems", [])
        for problem in problems:
            name = f" {problem['name']}" if problem["name"] else ""
            outcome = f" ({problem['outcome']})" if problem["outcome"] else ""
            self.stderr.write(
                f"{problem['what']} {problem['uuid']}{name}: {problem['message']}{outcome}"
            )
        hidden = reported.get("problem_count", len(problems)) - len(problems)
        if hidden > 0:
            self.stderr.write(_("… and %(count)s more problems.") % {"count": hidden})

    def _fail(self, errors: list[dict[str, Any]]) -> None:
        for error in errors:
            where = error["file"] if error["line"] is None else f"{error['file']}:{error['line']}"
            self.stderr.write(f"{where}: {error['message']}")
        raise CommandError(_("%(count)s errors; nothing was imported.") % {"count": len(errors)})
