"""Writes in the organisation app that touch several rows: one function per use case.

Organisation import: `import_files_check` (read-only), `import_files_apply` (the management
command), and for HR's upload → preview → confirm pages `import_batch_create`,
`import_batch_apply` and `import_batch_discard`. The business rules are in `importer.py`.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from organisation import audit, importer
from organisation.models import ImportBatch, User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportCheck:
    """The outcome of validating and planning: either errors, or a plan and its digest."""

    errors: list[importer.RowError] = field(default_factory=list)
    plan: dict[str, Any] | None = None
    digest: str = ""

    @property
    def valid(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        """What an ImportBatch keeps for its preview page."""
        if self.errors:
            return {"errors": [error.as_dict() for error in self.errors]}
        assert self.plan is not None
        return {"errors": [], "plan": self.plan, "counts": importer.plan_counts(self.plan)}


def import_files_check(*, files: dict[str, str]) -> ImportCheck:
    """Validate the CSV texts (file kind → text) and plan them against the database."""
    parsed = importer.parse_files(files)
    if parsed.errors:
        return ImportCheck(errors=parsed.errors)
    plan = importer.build_plan(parsed)
    return ImportCheck(plan=plan, digest=importer.plan_digest(plan))


def import_files_apply(*, files: dict[str, str]) -> ImportCheck:
    """Validate, plan and apply in one transaction; nothing is applied when a row is bad."""
    with transaction.atomic():
        check = import_files_check(files=files)
        if check.valid:
            assert check.plan is not None
            importer.apply_plan(check.plan)
            audit.record(
                actor=None,
                action="organisation.imported",
                details={"source": "command", **importer.plan_counts(check.plan)},
            )
            logger.info("Organisation import applied: %s", importer.plan_counts(check.plan))
    return check


def import_batch_create(
    *,
    uploaded_by: User | None,
    files: dict[str, str],
    source: str = ImportBatch.Source.CSV,
    reported: dict[str, Any] | None = None,
) -> ImportBatch:
    """Keep HR's uploaded files with their preview (or their errors) until HR confirms.

    `reported` is kept in the summary beside the plan: what an OS2mo import left out
    (`organisation.os2mo.sync`), so that the preview can show it.
    """
    check = import_files_check(files=files)
    return ImportBatch.objects.create(
        uploaded_by=uploaded_by,
        source=source,
        files={kind: text for kind, text in files.items() if text},
        status=ImportBatch.Status.PREVIEWED if check.valid else ImportBatch.Status.INVALID,
        plan_digest=check.digest,
        summary={**check.summary(), **(reported or {})},
    )


# Summary keys that describe the source rather than the plan; a new plan keeps them.
REPORTED_KEYS = ("problems", "problem_count")


def _reported(summary: dict[str, Any]) -> dict[str, Any]:
    return {key: summary[key] for key in REPORTED_KEYS if key in summary}


class ApplyOutcome(enum.Enum):
    APPLIED = "applied"
    PLAN_CHANGED = "plan_changed"
    INVALID = "invalid"
    NOT_PENDING = "not_pending"


def import_batch_apply(*, batch: ImportBatch, applied_by: User) -> ApplyOutcome:
    """Apply a previewed batch, unless the organisation changed since the preview.

    The files are validated and planned again against the current database. When the plan
    differs from the one HR saw, the batch gets the new plan as its preview and nothing is
    applied: HR confirms what they saw, or nothing.
    """
    with transaction.atomic():
        # The row lock makes a double click (or two HR people) apply the batch once.
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ImportBatch.Status.PREVIEWED:
            return ApplyOutcome.NOT_PENDING
        check = import_files_check(files=batch.files)
        if not check.valid:
            batch.status = ImportBatch.Status.INVALID
            batch.summary = {**check.summary(), **_reported(batch.summary)}
            batch.plan_digest = ""
            batch.save(update_fields=["status", "summary", "plan_digest"])
            return ApplyOutcome.INVALID
        if check.digest != batch.plan_digest:
            batch.summary = {**check.summary(), **_reported(batch.summary)}
            batch.plan_digest = check.digest
            batch.save(update_fields=["summary", "plan_digest"])
            return ApplyOutcome.PLAN_CHANGED
        assert check.plan is not None
        importer.apply_plan(check.plan)
        batch.status = ImportBatch.Status.APPLIED
        batch.applied_at = timezone.now()
        batch.save(update_fields=["status", "applied_at"])
        audit.record(
            actor=applied_by,
            action="organisation.imported",
            target=batch,
            details={"source": batch.source, **importer.plan_counts(check.plan)},
        )
    logger.info(
        "Organisation import %s applied by %s: %s",
        batch.pk,
        applied_by.pk,
        importer.plan_counts(check.plan),
    )
    return ApplyOutcome.APPLIED


def import_batch_discard(*, batch: ImportBatch) -> bool:
    """Discard a batch that was not applied; False when it was already applied or discarded."""
    discarded = (
        ImportBatch.objects.filter(
            pk=batch.pk,
            status__in=[ImportBatch.Status.PREVIEWED, ImportBatch.Status.INVALID],
        ).update(status=ImportBatch.Status.DISCARDED)
        == 1
    )
    return discarded
