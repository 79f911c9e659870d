"""Vision, core tasks and what follows them: contributions, effect indicators, dialogue.

A core task is the value the municipality creates for and with citizens: a purpose and a desired
effect, not a list of staff duties (DESIGN.md, "Core tasks"). Rules that touch several rows live
in `services.py`; who may do what lives in `organisation/access.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organisation.models import LeadershipCommunity, OrgUnit

TEXT_LIMIT = 2000  # characters in one dialogue input: enough for an argument, not for an essay


class VisionQuerySet(models.QuerySet):
    def adopted(self) -> VisionQuerySet:
        return self.filter(adopted_on__isnull=False).order_by("-adopted_on", "-version")

    def current(self) -> Vision | None:
        """The vision in force: the most recently adopted version."""
        return self.adopted().first()


class Vision(models.Model):
    """One version of the vision and core narrative. Versions are never edited once adopted;
    a new version is written instead, and the earlier ones stay readable."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    narrative = models.TextField(
        _("core narrative"), help_text=_("The story that explains the vision to everyone.")
    )
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    council_decision = models.CharField(
        _("council decision"),
        max_length=200,
        blank=True,
        help_text=_("Reference to the city council's decision, e.g. a case number."),
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

    objects = VisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("vision")
        verbose_name_plural = _("visions")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def is_adopted(self) -> bool:
        return self.adopted_on is not None


class CoreTaskQuerySet(models.QuerySet):
    def adopted(self) -> CoreTaskQuerySet:
        return self.filter(status=CoreTask.Status.ADOPTED)

    def in_dialogue(self) -> CoreTaskQuerySet:
        return self.filter(status=CoreTask.Status.IN_DIALOGUE)

    def open_for_consultation(self) -> CoreTaskQuerySet:
        return self.in_dialogue().filter(citizen_consultation=True)


class CoreTask(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_DIALOGUE = "in_dialogue", _("In dialogue")
        ADOPTED = "adopted", _("Adopted")
        RETIRED = "retired", _("Retired")

    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("purpose"), help_text=_("Why the task exists."))
    desired_effect = models.TextField(
        _("desired effect"),
        help_text=_("The change for citizens and the local community that the task should bring."),
    )
    citizen_contribution = models.TextField(
        _("citizens' own contribution"),
        blank=True,
        help_text=_("What citizens themselves contribute; a precondition for the effect."),
    )
    partners = models.TextField(
        _("partners"), blank=True, help_text=_("Associations, businesses and others who take part.")
    )
    political_owner = models.CharField(
        _("political owner"),
        max_length=200,
        blank=True,
        help_text=_("The political committee that owns the task."),
    )
    administrative_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("administrative owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_core_tasks",
    )
    depends_on = models.ManyToManyField(
        "self",
        verbose_name=_("depends on"),
        symmetrical=False,
        related_name="dependents",
        blank=True,
        help_text=_("Other core tasks whose effect this task needs."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    council_decision = models.CharField(_("council decision"), max_length=200, blank=True)
    citizen_consultation = models.BooleanField(
        _("open for citizens' consultation"),
        default=False,
        help_text=_("While in dialogue, citizens can send inputs on /hoering/ without signing in."),
    )
    leadership_communities = models.ManyToManyField(
        LeadershipCommunity,
        verbose_name=_("leadership communities"),
        related_name="core_tasks",
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CoreTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("core task")
        verbose_name_plural = _("core tasks")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="adopted") | Q(adopted_on__isnull=False),
                name="adopted_core_task_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.title


class CoreTaskChange(models.Model):
    """One entry in a core task's history: who changed what, when, and which dialogue inputs
    the change took in."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Definition changed")
        STATUS = "status", _("Status changed")
        CONTRIBUTION = "contribution", _("Contribution changed")
        INDICATOR = "indicator", _("Indicator changed")
        OUTCOME = "outcome", _("Input answered")

    core_task = models.ForeignKey(
        CoreTask, verbose_name=_("core task"), on_delete=models.CASCADE, related_name="changes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    changes = models.JSONField(
        _("changes"), default=dict, blank=True, help_text=_("Field → {from, to}.")
    )
    inputs = models.ManyToManyField(
        "DialogueInput",
        verbose_name=_("dialogue inputs taken in"),
        related_name="changes",
        blank=True,
    )

    class Meta:
        verbose_name = _("core task change")
        verbose_name_plural = _("core task history")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.core_task}: {self.get_kind_display()} ({self.created_at:%Y-%m-%d})"


class Contribution(models.Model):
    """A unit's contribution to a core task, in the words of the unit's leader."""

    core_task = models.ForeignKey(
        CoreTask,
        verbose_name=_("core task"),
        on_delete=models.CASCADE,
        related_name="contributions",
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="core_task_contributions",
    )
    how = models.TextField(_("how the unit contributes"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["core_task", "unit"], name="one_contribution_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.core_task}"


class EffectIndicator(models.Model):
    """A measurable sign of a core task's desired effect (Results-Based Accountability)."""

    class Kind(models.TextChoices):
        POPULATION = "population", _("Population indicator")
        UNIT_MEASURE = "unit_measure", _("Unit measure")

    class MeasureType(models.TextChoices):
        HOW_MUCH = "how_much", _("How much did we do?")
        HOW_WELL = "how_well", _("How well did we do it?")
        BETTER_OFF = "better_off", _("Is anyone better off?")

    class Direction(models.TextChoices):
        UP = "up", _("Higher is better")
        DOWN = "down", _("Lower is better")

    class Status(models.TextChoices):
        ON_TRACK = "on_track", _("On track")
        OFF_TRACK = "off_track", _("Off track")
        NO_TARGET = "no_target", _("No target")
        NO_VALUES = "no_values", _("No values yet")

    core_task = models.ForeignKey(
        CoreTask, verbose_name=_("core task"), on_delete=models.CASCADE, related_name="indicators"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    measure_type = models.CharField(
        _("type of measure"),
        max_length=20,
        choices=MeasureType.choices,
        blank=True,
        help_text=_("For unit measures: how much, how well, or is anyone better off."),
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("measured unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("For unit measures: the unit whose work is measured."),
    )
    data_source = models.CharField(_("data source"), max_length=300)
    unit_label = models.CharField(
        _("unit of measurement"), max_length=40, blank=True, help_text=_("For example % or days.")
    )
    baseline_value = models.DecimalField(_("baseline"), max_digits=14, decimal_places=3)
    baseline_period = models.DateField(_("baseline period"))
    direction = models.CharField(_("desired direction"), max_length=10, choices=Direction.choices)
    target_value = models.DecimalField(
        _("target"), max_digits=14, decimal_places=3, null=True, blank=True
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("effect indicator")
        verbose_name_plural = _("effect indicators")
        ordering = ["core_task", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="population", measure_type="")
                | Q(kind="unit_measure") & ~Q(measure_type=""),
                name="measure_type_only_for_unit_measures",
            )
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorValue(models.Model):
    """The indicator's value for one period, with the story behind the curve."""

    indicator = models.ForeignKey(
        EffectIndicator,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="values",
    )
    period = models.DateField(
        _("period"), help_text=_("The last day of the period the value describes.")
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=3)
    story = models.TextField(
        _("story behind the curve"),
        blank=True,
        help_text=_("What explains the development, and what works."),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered"), auto_now=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["indicator", "period"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"], name="one_value_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value} ({self.period})"


class DialogueInputQuerySet(models.QuerySet):
    def shown(self) -> DialogueInputQuerySet:
        """Inputs everyone may read: all signed-in inputs, and citizens' once approved."""
        return self.filter(moderation=DialogueInput.Moderation.APPROVED)

    def awaiting_moderation(self) -> DialogueInputQuerySet:
        return self.filter(moderation=DialogueInput.Moderation.PENDING)


class DialogueInput(models.Model):
    """A comment or suggestion on a core task in dialogue, from inside or outside the town hall."""

    class Channel(models.TextChoices):
        EMPLOYEE = "employee", _("Employee")
        LEADER = "leader", _("Leader")
        POLITICIAN = "politician", _("Politician")
        CITIZEN = "citizen", _("Citizen")

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        SUGGESTION = "suggestion", _("Suggestion")

    class Moderation(models.TextChoices):
        PENDING = "pending", _("Awaiting moderation")
        APPROVED = "approved", _("Shown")
        REJECTED = "rejected", _("Not shown")

    class Outcome(models.TextChoices):
        OPEN = "open", _("Awaiting answer")
        TAKEN_IN = "taken_in", _("Taken in")
        NOT_TAKEN_IN = "not_taken_in", _("Not taken in")

    core_task = models.ForeignKey(
        CoreTask, verbose_name=_("core task"), on_delete=models.CASCADE, related_name="inputs"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dialogue_inputs",
    )
    author_name = models.CharField(
        _("name"), max_length=120, blank=True, help_text=_("A citizen's name, if they gave one.")
    )
    channel = models.CharField(_("from"), max_length=20, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMMENT)
    text = models.TextField(_("text"), max_length=TEXT_LIMIT)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    moderation = models.CharField(
        _("moderation"), max_length=20, choices=Moderation.choices, default=Moderation.APPROVED
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.OPEN
    )
    outcome_reason = models.TextField(_("reason"), blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome_at = models.DateTimeField(_("answered"), null=True, blank=True)

    objects = DialogueInputQuerySet.as_manager()

    class Meta:
        verbose_name = _("dialogue input")
        verbose_name_plural = _("dialogue inputs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["moderation", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.text[:60]}"

    @property
    def display_author(self) -> str:
        if self.author_id:
            return self.author.get_full_name()
        return self.author_name or str(_("A citizen"))


class CommunityNote(models.Model):
    """A note or link shared among the members of a leadership community."""

    community = models.ForeignKey(
        LeadershipCommunity,
        verbose_name=_("leadership community"),
        on_delete=models.CASCADE,
        related_name="notes",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("note"), max_length=TEXT_LIMIT)
    link = models.URLField(_("link"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("community note")
        verbose_name_plural = _("community notes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.text[:60]
