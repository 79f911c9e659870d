"""`manage.py import_organisation`: import units, people and MED committees from CSV files.

The file formats are described in README.md, "Importing the organisation". The command prints
the plan and applies it in one transaction, or with --dry-run only prints it. Bad rows are
printed with file and line, nothing is applied, and the command exits non-zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from organisation import importer, services

OPTIONS = {
    importer.UNITS: "units",
    importer.EMPLOYEES: "employees",
    importer.MED_COMMITTEES: "med_committees",
    importer.MED_MEMBERS: "med_members",
}


class Command(BaseCommand):
    help = "Import units, employees and MED committees from CSV files (see README.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--units", type=Path, required=True, help="units.csv (required)")
        parser.add_argument("--employees", type=Path, help="employees.csv")
        parser.add_argument("--med-committees", type=Path, help="med_committees.csv")
        parser.add_argument("--med-members", type=Path, help="med_members.csv")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the plan without changing anything."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        files = {
            kind: self._read(options[option])
            for kind, option in OPTIONS.items()
            if options[option] is not None
        }
        if options["dry_run"]:
            check = services.import_files_check(files=files)
        else:
            check = services.import_files_apply(files=files)
        if check.errors:
            for error in check.errors:
                where = error.file if error.line is None else f"{error.file}:{error.line}"
                self.stderr.write(f"{where}: {error.message}")
            raise CommandError(
                _("%(count)s errors in the files; nothing was imported.")
                % {"count": len(check.errors)}
            )
        assert check.plan is not None
        self._print_plan(check.plan)
        if importer.plan_is_empty(check.plan):
            self.stdout.write(_("Nothing to change: the files match the organisation."))
        elif options["dry_run"]:
            self.stdout.write(_("Dry run: nothing was changed."))
        else:
            self.stdout.write(self.style.SUCCESS(_("The import was applied.")))

    def _read(self, path: Path) -> str:
        try:
            return importer.decode_upload(path.read_bytes())
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
            ) from None
        except UnicodeDecodeError:
            raise CommandError(
                _("%(path)s is not UTF-8 text; save it as “CSV UTF-8”.") % {"path": path}
            ) from None

    def _print_plan(self, plan: dict[str, Any]) -> None:
        shown = importer.present_plan(plan)
        for section, counts in importer.plan_counts(plan).items():
            totals = ", ".join(
                f"{importer.ACTION_LABELS[action]} {count}" for action, count in counts.items()
            )
            self.stdout.write(f"{importer.SECTION_LABELS[section]}: {totals}")
            for action, items in shown[section].items():
                for item in items:
                    label = importer.ACTION_LABELS[action]
                    self.stdout.write(f"  {label}: {self._describe(item)}")

    @staticmethod
    def _describe(item: dict[str, Any]) -> str:
        if "committee_label" in item:
            return f"{item['committee_label']}: {item['employee_label']}, {item['role_label']}"
        if "employee_label" in item:
            return f"{item['employee_label']} → {item['unit_label']}"
        text = f"{item['name']} ({item['external_id']})"
        if "old_parent_label" in item:
            text += f": {item['old_parent_label'] or '-'} → {item['parent_label'] or '-'}"
        changes = [
            f"{change['label']}: {change['old_label']} → {change['new_label']}"
            for change in item.get("changes", [])
        ]
        if changes:
            text += ": " + "; ".join(changes)
        return text
