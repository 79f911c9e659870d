"""Governance (styring): instruments, their justification against core tasks, intensity
decisions, and employees' anonymous value signals (DESIGN.md, "Governance").

An instrument is one requirement the municipality puts on employees: a goal or result to reach,
a work process to follow, documentation to produce, or a report. It applies to subtrees of the
organisation, costs employees time, and must be justified by the core tasks it serves. Writes
that touch several rows live in `styring/services/`; who may do what in `organisation/access.py`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kerneopgaver.models import CoreTask
from organisation.models import OrgUnit

# Minutes per employee per month: a full working month is about 9,000; more is a typing error.
MAX_MINUTES_PER_MONTH = 9000


class InstrumentQuerySet(models.QuerySet):
    def in_force(self) -> InstrumentQuerySet:
        """Instruments employees are asked to follow now: active or under review."""
        return self.filter(status__in=(Instrument.Status.ACTIVE, Instrument.Status.UNDER_REVIEW))

    def applying_to(self, unit: OrgUnit) -> InstrumentQuerySet:
        """Instruments whose applies-to subtrees hold `unit` (the unit or an ancestor is listed).
        Areas where a decision removed the instrument are not taken out here; see
        `styring.queries.effective_governance`."""
        paths = [*unit.ancestor_paths(), unit.path]
        return self.filter(applies_to__path__in=paths).distinct()


class Instrument(models.Model):
    """One governance requirement (styringsredskab)."""

    class Kind(models.TextChoices):
        GOAL = "goal", _("Goal or result to reach")
        PROCESS = "process", _("Work process to follow")
        DOCUMENTATION = "documentation", _("Documentation to produce")
        REPORT = "report", _("Report")

    class Origin(models.TextChoices):
        LAW = "law", _("Law")
        EXECUTIVE_ORDER = "executive_order", _("Executive order")
        KL_AGREEMENT = "kl_agreement", _("KL agreement")
        COUNCIL = "council", _("City council")
        ADMINISTRATION = "administration", _("Administration")
        LOCAL = "local", _("Local unit")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACTIVE = "active", _("Active")
        UNDER_REVIEW = "under_review", _("Under review")
        RETIRED = "retired", _("Retired")

    # Origins whose instruments are legal duties: with a reference to the legal basis they may be
    # active without a justification (DESIGN.md, "Governance").
    LEGAL_ORIGINS = (Origin.LAW, Origin.EXECUTIVE_ORDER)

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"), blank=True, help_text=_("What employees are asked to do.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices)
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=300,
        blank=True,
        help_text=_("The law, executive order or agreement, e.g. “Serviceloven § 83”."),
    )
    mandatory = models.BooleanField(
        _("mandatory"), default=False, help_text=_("Required by law or by a binding agreement.")
    )
    owner_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("owning unit"),
        on_delete=models.PROTECT,
        related_name="owned_instruments",
        help_text=_("The unit that owns the instrument; its leaders may change it."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_instruments",
        help_text=_("The person answerable for the instrument."),
    )
    applies_to = models.ManyToManyField(
        OrgUnit,
        verbose_name=_("applies to"),
        related_name="instruments",
        help_text=_("The units (with everything below them) whose employees must follow it."),
    )
    minutes_per_month = models.PositiveIntegerField(
        _("time cost (minutes per employee per month)"),
        default=0,
        validators=[MaxValueValidator(MAX_MINUTES_PER_MONTH)],
    )
    review_on = models.DateField(_("review date"), null=True, blank=True)
    # The review date the owner was last reminded of by e-mail, so each date is reminded once.
    review_reminded_for = models.DateField(_("review reminder sent for"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("governance instrument")
        verbose_name_plural = _("governance instruments")
        ordering = ["title", "pk"]
        indexes = [models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes_per_month__lte=MAX_MINUTES_PER_MONTH),
                name="instrument_minutes_within_a_month",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_legal_duty_with_reference(self) -> bool:
        """A legal duty (law or executive order, mandatory) that names its legal basis: it may be
        active without a justification."""
        return (
            self.mandatory and self.origin in self.LEGAL_ORIGINS and bool(self.legal_basis.strip())
        )


class Justification(models.Model):
    """How an instrument serves a core task's desired effect (begrundelse)."""

    instrument = models.ForeignKey(
        Instrument,
        verbose_name=_("instrument"),
        on_delete=models.CASCADE,
        related_name="justifications",
    )
    core_task = models.ForeignKey(
        CoreTask,
        verbose_name=_("core task"),
        on_delete=models.PROTECT,
        related_name="justifications",
    )
    how = models.TextField(
        _("how it serves the desired effect"),
        help_text=_("How the instrument helps bring about the core task's desired effect."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("justification")
        verbose_name_plural = _("justifications")
        ordering = ["core_task__title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "core_task"], name="one_justification_per_core_task"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} → {self.core_task}"


class Decision(models.Model):
    """A deliberate decision on an instrument's intensity in an area (a subtree), or on a review
    candidate. Kept as history: decisions are never edited; a later one supersedes an earlier.

    `minutes_before`/`minutes_after` are the time cost per employee per month in the area before
    and after, and `employees` the number of employees it concerned when decided, so the hours
    per year a decision freed stay what they were when it was taken."""

    class Kind(models.TextChoices):
        TIGHTEN = "tighten", _("Tighten")
        KEEP = "keep", _("Keep")
        SIMPLIFY = "simplify", _("Simplify")
        LOOSEN = "loosen", _("Loosen")
        REMOVE = "remove", _("Remove")

    class Source(models.TextChoices):
        INTENSITY = "intensity", _("Intensity decision")
        REVIEW = "review", _("Governance review")

    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.CASCADE, related_name="decisions"
    )
    area = models.ForeignKey(
        OrgUnit,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The subtree the decision applies to; empty means wherever it applies."),
    )
    kind = models.CharField(_("decision"), max_length=20, choices=Kind.choices)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.INTENSITY
    )
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_maker = models.CharField(
        _("decision-maker"),
        max_length=200,
        help_text=_("Who decided, e.g. “Direktionen” or “Område-MED Dagtilbud”."),
    )
    decided_on = models.DateField(_("decided on"))
    review_on = models.DateField(_("next review"), null=True, blank=True)
    minutes_before = models.PositiveIntegerField(_("minutes per month before"))
    minutes_after = models.PositiveIntegerField(_("minutes per month after"))
    employees = models.PositiveIntegerField(_("employees concerned"), default=0)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("governance decision")
        verbose_name_plural = _("governance decisions")
        ordering = ["-decided_on", "-pk"]
        indexes = [models.Index(fields=["instrument", "decided_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="remove") | Q(minutes_after=0), name="removal_costs_nothing"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.instrument}"

    @property
    def hours_per_year_freed(self) -> float:
        """Hours a year freed (negative when tightened): minutes saved per employee per month,
        times the employees concerned, times twelve, in hours."""
        return (self.minutes_before - self.minutes_after) * self.employees * 12 / 60


# --- Employees' value signals ---------------------------------------------------------------


class Answer(models.TextChoices):
    YES = "yes", _("Yes")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")
    DONT_KNOW = "dont_know", _("Don't know")


class DuplicateAnswer(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    DONT_KNOW = "dont_know", _("Don't know")


class ValueSignal(models.Model):
    """One employee's anonymous answer on one instrument in one period (a quarter, "2026-Q4").

    Like a survey response it holds no person, no precise time and a random id (so neither the
    id nor the insertion order links it to the marker written in the same transaction)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.CASCADE, related_name="signals"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("period"), max_length=7)
    helps = models.CharField(
        _("Does it help you in your work on the core task?"),
        max_length=10,
        choices=Answer.choices,
    )
    uses = models.CharField(
        _("Do you use it actively in your daily work?"), max_length=10, choices=Answer.choices
    )
    duplicate = models.CharField(
        _("Do you register the same thing somewhere else?"),
        max_length=10,
        choices=DuplicateAnswer.choices,
    )

    class Meta:
        verbose_name = _("value signal")
        verbose_name_plural = _("value signals")
        indexes = [models.Index(fields=["period", "instrument"])]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.period}"


class ValueSignalMarker(models.Model):
    """That someone has answered: a keyed hash of user, instrument and period, so the same
    person cannot answer twice, and nothing here says who it was or what they answered."""

    digest = models.CharField(max_length=64, unique=True)
    period = models.CharField(max_length=7, db_index=True)

    class Meta:
        verbose_name = _("value signal marker")
        verbose_name_plural = _("value signal markers")

    def __str__(self) -> str:
        return self.period


class SignalAggregation(models.Model):
    """One aggregation of a period's value signals: the k it used and a fingerprint of the
    signals it read, so the reconciler sees when it is missing or stale. `version` changes only
    when the rows change; caches key on it."""

    period = models.CharField(_("period"), max_length=7, unique=True)
    k = models.PositiveSmallIntegerField(_("minimum group size"))
    signals = models.PositiveIntegerField(_("signals"))
    fingerprint = models.CharField(max_length=100)
    version = models.PositiveIntegerField(default=1)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("value signal aggregation")
        verbose_name_plural = _("value signal aggregations")
        ordering = ["-period"]

    def __str__(self) -> str:
        return self.period


class SignalResult(models.Model):
    """The aggregated value signals of one instrument, period and unit: its own employees'
    signals ("own") or its whole subtree's ("subtree"). A hidden row carries no figures at all.
    Counts are per answer, in the order of `Answer` (yes, partly, no, don't know) for `helps`
    and `uses`, and `DuplicateAnswer` (yes, no, don't know) for `duplicate`."""

    class Cell(models.TextChoices):
        OWN = "own", _("The unit's own employees")
        SUBTREE = "subtree", _("The unit with everything below it")

    period = models.CharField(_("period"), max_length=7)
    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    cell = models.CharField(_("cell"), max_length=10, choices=Cell.choices)
    hidden = models.BooleanField(_("hidden"))
    n = models.PositiveIntegerField(null=True)
    helps = models.JSONField(null=True)
    uses = models.JSONField(null=True)
    duplicate = models.JSONField(null=True)

    class Meta:
        verbose_name = _("value signal result")
        verbose_name_plural = _("value signal results")
        indexes = [models.Index(fields=["period", "instrument", "unit"])]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "instrument", "unit", "cell"], name="one_signal_result_per_cell"
            ),
            models.CheckConstraint(
                condition=Q(hidden=False)
                | Q(n__isnull=True, helps__isnull=True, uses__isnull=True, duplicate__isnull=True),
                name="hidden_signal_result_has_no_figures",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.period} {self.unit_id} {self.cell}"
