"""Social-capital surveys: questionnaires, rounds, invitations, access codes and responses.

Anonymity is the product's promise (DESIGN.md). A response holds its round, the respondent's
unit and a random UUID, and its answers: nothing that leads to a person, an invitation, an
access code or a moment in time. An invitation records only that it was answered and on which
day; an access code only that it was used. Nothing links the two sides, and
tests/test_survey_anonymity.py proves it from the schema.

The date lives on the invitation side only, on purpose: with a date on both the invitation and
the response, a plain join on the date would tell who gave which answers in a small unit.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from organisation.models import MedCommittee, OrgUnit

MIN_GROUP_SIZE_FLOOR = 3  # DESIGN.md: never below 3
DEFAULT_MIN_GROUP_SIZE = 5
DEFAULT_RETENTION_DAYS = 3 * 365
DONT_KNOW = 0  # the answer "ved ikke": stored, counted, never scored


class Dimension(models.TextChoices):
    VERTICAL_TRUST = "vertical_trust", _("Trust between management and employees")
    HORIZONTAL_TRUST = "horizontal_trust", _("Trust among colleagues")
    JUSTICE = "justice", _("Justice")
    BONDING = "bonding", _("Collaboration within the team")
    BRIDGING = "bridging", _("Collaboration across teams")
    LINKING = "linking", _("Collaboration with management")
    CORE_TASK = "core_task", _("Collaboration on the core task")


class Item(models.Model):
    """One statement in the item bank. Once answered it is never edited: a new item (and a new
    questionnaire version) is made instead, so old answers keep the meaning they were given."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    dimension = models.CharField(_("dimension"), max_length=30, choices=Dimension.choices)
    text_da = models.TextField(_("text in Danish"))
    text_en = models.TextField(_("text in English"))
    reverse_scored = models.BooleanField(
        _("reverse scored"),
        default=False,
        help_text=_("Agreeing is a sign of low social capital; the score is flipped."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("item bank")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.text_da[:60]}"

    @property
    def text(self) -> str:
        """The text in the active language (Danish unless English is chosen)."""
        return self.text_en if (get_language() or "da").startswith("en") else self.text_da


class Questionnaire(models.Model):
    """A versioned list of items. A version that a round has used is never changed."""

    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveIntegerField(_("version"), default=1)
    description = models.TextField(_("description"), blank=True)
    items = models.ManyToManyField(
        Item, through="QuestionnaireItem", related_name="questionnaires", verbose_name=_("items")
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

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="unique_questionnaire_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class QuestionnaireItem(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="entries"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="entries")
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("questionnaire item")
        verbose_name_plural = _("questionnaire items")
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "item"], name="item_once_per_version"),
            models.UniqueConstraint(
                fields=["questionnaire", "position"], name="one_item_per_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} #{self.position}: {self.item.code}"


class SurveyRoundQuerySet(models.QuerySet):
    def open(self) -> SurveyRoundQuerySet:
        return self.filter(status=SurveyRound.Status.OPEN)

    def with_results(self) -> SurveyRoundQuerySet:
        """Closed rounds that have been aggregated, newest first."""
        return self.filter(status=SurveyRound.Status.CLOSED, results_version__gt=0).order_by(
            "-closes_at", "-pk"
        )


class SurveyRound(models.Model):
    """One measurement period for a subtree of the organisation."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("questionnaire"),
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    scope = models.ForeignKey(
        OrgUnit,
        verbose_name=_("scope"),
        on_delete=models.PROTECT,
        related_name="survey_rounds",
        help_text=_("Everyone in this unit and the units below it is invited."),
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    min_group_size = models.PositiveSmallIntegerField(
        _("minimum group size (k)"),
        default=DEFAULT_MIN_GROUP_SIZE,
        validators=[MinValueValidator(MIN_GROUP_SIZE_FLOOR), MaxValueValidator(50)],
        help_text=_("No figure built from fewer responses is shown anywhere. At least 3."),
    )
    min_group_size_agreed_by = models.CharField(
        _("k agreed by"),
        max_length=200,
        help_text=_("Who agreed the minimum group size, e.g. the Hoved-MED on a date."),
    )
    retention_days = models.PositiveIntegerField(
        _("retention of raw answers (days)"),
        default=DEFAULT_RETENTION_DAYS,
        validators=[MinValueValidator(1)],
        help_text=_("Raw answers are deleted this long after the round closes; results stay."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    raw_answers_deleted_at = models.DateTimeField(_("raw answers deleted"), null=True, blank=True)
    # Results (services/aggregation.py). The version goes up by one each time the round's result
    # rows are replaced; caches of result pages are keyed on it. The fingerprint names what the
    # rows were computed from (algorithm, k, answers), so the reconciler can tell stale results.
    results_version = models.PositiveIntegerField(_("results version"), default=0)
    results_computed_at = models.DateTimeField(_("results computed"), null=True, blank=True)
    results_fingerprint = models.CharField(max_length=100, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SurveyRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_group_size__gte=MIN_GROUP_SIZE_FLOOR), name="k_at_least_three"
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="round_closes_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """One invited employee in one round, frozen when the round opens. It knows whether the
    person has answered (and on which day), never what."""

    round = models.ForeignKey(
        SurveyRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employee"),
        on_delete=models.CASCADE,
        related_name="survey_invitations",
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The employee's unit when the round opened; their answers count there."),
    )
    email = models.EmailField(
        _("e-mail address"), blank=True, help_text=_("Empty: the employee gets an access code.")
    )
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    sent_at = models.DateTimeField(_("invitation sent"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminder sent"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="one_invitation_per_person")
        ]
        indexes = [models.Index(fields=["round", "unit"])]

    def __str__(self) -> str:
        return f"{self.round}: {self.user}"

    @property
    def answered(self) -> bool:
        return self.answered_on is not None


class InvitationLink(models.Model):
    """A personal link sent by e-mail (the invitation or a reminder). Only the SHA-256 hash of
    its token (at least 128 random bits) is stored; every link of an invitation stops working
    once the invitation is answered."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation link")
        verbose_name_plural = _("invitation links")

    def __str__(self) -> str:
        return f"link for {self.invitation_id}"


class DeliveryFailure(models.Model):
    """A failed attempt to e-mail an invitation or reminder: what HR needs to follow up."""

    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="delivery_failures"
    )
    kind = models.CharField(_("kind"), max_length=20)  # "invitation" or "reminder"
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    error = models.CharField(_("error"), max_length=500)
    final = models.BooleanField(_("gave up"), default=False)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery failure")
        verbose_name_plural = _("delivery failures")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.invitation_id}: {self.error[:60]}"


class AccessCode(models.Model):
    """A single-use code for an employee without e-mail, handed out on a printed slip at the
    workplace. It is linked to a round and a unit, never to a person; only a keyed hash of the
    code is stored, so the codes exist in full only on the printed sheet."""

    round = models.ForeignKey(
        SurveyRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="access_codes"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(_("used"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("access code")
        verbose_name_plural = _("access codes")
        indexes = [models.Index(fields=["round", "unit"])]

    def __str__(self) -> str:
        return f"{self.round} – {self.unit}"


class Response(models.Model):
    """One anonymous response: its round, the respondent's unit, a random id. Nothing else."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(
        SurveyRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="responses"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        indexes = [models.Index(fields=["round", "unit"])]

    def __str__(self) -> str:
        return str(self.id)


class Answer(models.Model):
    """One answer in a response: 1–5 on the scale, or 0 for "don't know". The round and unit
    are repeated from the response so that aggregation groups answers without a join."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(DONT_KNOW), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="one_answer_per_item"),
            models.CheckConstraint(
                condition=Q(value__gte=DONT_KNOW, value__lte=5), name="answer_on_the_scale"
            ),
        ]
        indexes = [models.Index(fields=["round", "unit", "item"])]

    def __str__(self) -> str:
        return f"{self.item_id}={self.value}"


class ResponseScore(models.Model):
    """One respondent's score on one dimension, or ("" as dimension) their overall index, in
    hundredths of a point on 0–100, computed by SQL when the response is stored
    (services/scoring.py), so aggregation reads a few rows per respondent instead of grouping
    all their answers again. Like an answer it holds its round and unit, and on purpose not even
    the response: nothing more than the answers themselves tell. A dimension with too few
    answered items has no row; the index row is always there (score None when too few
    dimensions have a score), so the index rows count the scored responses."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    dimension = models.CharField(max_length=30, blank=True)
    score = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("response score")
        verbose_name_plural = _("response scores")
        indexes = [models.Index(fields=["round", "dimension"])]

    def __str__(self) -> str:
        return f"{self.dimension or 'index'}={self.score}"


# --- Results ---------------------------------------------------------------------------------


class ResultQuerySet(models.QuerySet):
    def shown(self) -> ResultQuerySet:
        return self.filter(hidden=False)

    def subtree(self) -> ResultQuerySet:
        return self.filter(cell=Result.Cell.SUBTREE)


class Result(models.Model):
    """One figure set of an aggregated round: a unit, a cell (the unit's own responses or its
    whole subtree) and a measure (an item, a dimension or the overall index).

    Written only by services/aggregation.py, read by every view, export and API. A hidden row
    (suppressed, DESIGN.md "Anonymity") holds no figures at all, not even n: whatever reads it
    cannot show what is not there. Units without responses in a cell have no row. Leaves have
    only a SUBTREE row: their OWN cell is the same responses.

    Scores are on 0–100 (1..5 mapped to 0, 25, 50, 75, 100; reversed items flipped).
    `distribution` counts the scores 0, 25, 50, 75, 100 (a dimension or index score is counted
    at the nearest of them); "don't know" is not scored, so not counted.
    """

    class Cell(models.TextChoices):
        OWN = "own", _("the unit's own responses")
        SUBTREE = "subtree", _("the unit and the units below it")

    class Measure(models.TextChoices):
        ITEM = "item", _("item")
        DIMENSION = "dimension", _("dimension")
        INDEX = "index", _("social-capital index")

    # No database constraints on the relations: tens of thousands of rows are written at once by
    # one function from ids it has just read, and per-row foreign-key triggers were the largest
    # part of the write. Deleting a round or unit still deletes its rows (Django's CASCADE).
    round = models.ForeignKey(
        SurveyRound,
        verbose_name=_("round"),
        on_delete=models.CASCADE,
        related_name="results",
        db_constraint=False,
        db_index=False,
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    cell = models.CharField(_("cell"), max_length=10, choices=Cell.choices)
    measure = models.CharField(_("measure"), max_length=10, choices=Measure.choices)
    # "index", "dimension:<dimension>" or "item:<item code>": one key per measure, so that the
    # unique constraint needs no nullable column.
    key = models.CharField(max_length=60)
    item = models.ForeignKey(
        Item,
        verbose_name=_("item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # The item's dimension for item rows, the dimension for dimension rows, blank for the index.
    dimension = models.CharField(
        _("dimension"), max_length=30, choices=Dimension.choices, blank=True
    )
    hidden = models.BooleanField(_("suppressed"), default=False)
    n = models.PositiveIntegerField(_("responses"), null=True, blank=True)
    mean = models.FloatField(_("mean (0–100)"), null=True, blank=True)
    sd = models.FloatField(_("standard deviation"), null=True, blank=True)
    # xgettext:no-python-format
    ci_low = models.FloatField(_("95% confidence interval, low"), null=True, blank=True)
    # xgettext:no-python-format
    ci_high = models.FloatField(_("95% confidence interval, high"), null=True, blank=True)
    favourable = models.FloatField(_("share favourable"), null=True, blank=True)
    distribution = models.JSONField(_("distribution"), null=True, blank=True)

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        constraints = [
            # The promise, in the schema: a hidden row carries no figure.
            models.CheckConstraint(
                condition=Q(hidden=False)
                | Q(
                    n__isnull=True,
                    mean__isnull=True,
                    sd__isnull=True,
                    ci_low__isnull=True,
                    ci_high__isnull=True,
                    favourable__isnull=True,
                    distribution__isnull=True,
                ),
                name="hidden_result_has_no_figures",
            ),
        ]
        # One index only: each index (and a unique constraint most) costs on the write of a
        # round's tens of thousands of rows. (round, unit) serves the unit pages and, filtered
        # on the units, the heatmap. There is one row per (round, unit, cell, key): the single
        # writer replaces all rows of a round in one locked transaction (tested, not enforced).
        indexes = [models.Index(fields=["round", "unit"])]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.unit_id}/{self.cell}/{self.key}"


# --- Dialogue and actions --------------------------------------------------------------------


class ResultsDialogue(models.Model):
    """A meeting where a unit (its leader and employees) or a MED committee discussed a round's
    results: when, and which themes. Exactly one of unit and committee is set."""

    round = models.ForeignKey(
        SurveyRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="dialogues"
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="results_dialogues",
    )
    committee = models.ForeignKey(
        MedCommittee,
        verbose_name=_("MED committee"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="results_dialogues",
    )
    held_on = models.DateField(_("meeting date"))
    themes = models.TextField(_("themes discussed"), max_length=5000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("results dialogue")
        verbose_name_plural = _("results dialogues")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=True, committee__isnull=False)
                | Q(unit__isnull=False, committee__isnull=True),
                name="dialogue_for_unit_or_committee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.held_on}: {self.unit or self.committee}"


class ActionQuerySet(models.QuerySet):
    def open(self) -> ActionQuerySet:
        return self.filter(status__in=Action.OPEN_STATUSES)

    def overdue(self, today: object) -> ActionQuerySet:
        return self.open().filter(due_on__lt=today)


class Action(models.Model):
    """What a unit or MED committee agreed to do after discussing a round's results (handleplan,
    indsats). Followed up on the next round's pages until done or dropped."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    OPEN_STATUSES = (Status.PLANNED, Status.IN_PROGRESS)

    round = models.ForeignKey(
        SurveyRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="actions"
    )
    dialogue = models.ForeignKey(
        ResultsDialogue,
        verbose_name=_("agreed at"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="results_actions",
    )
    committee = models.ForeignKey(
        MedCommittee,
        verbose_name=_("MED committee"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="results_actions",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    dimension = models.CharField(
        _("dimension"), max_length=30, choices=Dimension.choices, blank=True
    )
    core_task = models.ForeignKey(
        "kerneopgaver.CoreTask",
        verbose_name=_("core task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="results_actions",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="results_actions",
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    completed_on = models.DateField(_("completed"), null=True, blank=True)
    owner_notified_at = models.DateTimeField(_("owner notified"), null=True, blank=True)
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

    objects = ActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=True, committee__isnull=False)
                | Q(unit__isnull=False, committee__isnull=True),
                name="action_for_unit_or_committee",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.title
