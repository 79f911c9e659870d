"""The organisation: people, the unit tree, MED committees, leadership communities and roles.

The unit tree uses django-treebeard's materialised path: a unit's `path` is its ancestors' path
plus four characters, so "everything below these units" is one indexed `path LIKE 'prefix%'`
query, whatever the depth. Permission rules on top of these models live in `access.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet


def minimal_prefixes(paths: Iterable[str]) -> list[str]:
    """Drop every path that lies below another one in the list: its subtree is already covered."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def subtree_q(paths: Iterable[str], field: str = "path") -> Q:
    """A filter matching every row whose `field` lies in the subtree of one of `paths`.

    With no paths it matches nothing, so a user without scope sees nothing rather than all.
    """
    prefixes = minimal_prefixes(paths)
    if not prefixes:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__startswith": prefix}) for prefix in prefixes))


class OrgUnitQuerySet(MP_NodeQuerySet):
    def active(self) -> OrgUnitQuerySet:
        return self.filter(active=True)

    def in_subtrees(self, paths: Iterable[str]) -> OrgUnitQuerySet:
        return self.filter(subtree_q(paths))


class OrgUnitManager(MP_NodeManager):
    def get_queryset(self) -> OrgUnitQuerySet:
        # treebeard's manager builds its own queryset class; keep its path order, add ours.
        return OrgUnitQuerySet(self.model, using=self._db).order_by("path")

    def active(self) -> OrgUnitQuerySet:
        return self.get_queryset().active()

    def in_subtrees(self, paths: Iterable[str]) -> OrgUnitQuerySet:
        return self.get_queryset().in_subtrees(paths)


class OrgUnit(MP_Node):
    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        DIRECTORATE = "directorate", _("Directorate")
        AREA = "area", _("Area")
        WORKPLACE = "workplace", _("Workplace")
        TEAM = "team", _("Team")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    external_id = models.CharField(
        _("external id"),
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The unit's id in the source system (HR, OS2mo); used by imports."),
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Units that disappear from an import are deactivated, never deleted."),
    )

    objects = OrgUnitManager()

    class Meta:
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def subtree(self) -> OrgUnitQuerySet:
        """This unit and everything below it, in one query."""
        return OrgUnit.objects.filter(path__startswith=self.path)

    def ancestor_paths(self) -> list[str]:
        """The paths of this unit's ancestors, root first, computed without a query."""
        return [self.path[:end] for end in range(self.steplen, len(self.path), self.steplen)]

    def is_within(self, paths: Iterable[str]) -> bool:
        return any(self.path.startswith(prefix) for prefix in paths)


class User(AbstractUser):
    """A person who signs in: employee, leader, politician or HR. Roles come from assignments."""

    # One name field: Danish names do not split cleanly into first and last.
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    home_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("home unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        help_text=_("The workplace the person belongs to; it decides which survey they answer."),
    )
    external_id = models.CharField(
        _("external id"), max_length=100, unique=True, null=True, blank=True
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["name", "username"]

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name or self.username

    def get_short_name(self) -> str:
        return (self.name.split(" ")[0] if self.name else "") or self.username


class RoleAssignment(models.Model):
    """A role with a scope. Leaders lead units (and so see their subtrees); HR/admin maintain a
    subtree or, with no unit, the whole municipality; politicians have no unit."""

    class Role(models.TextChoices):
        LEADER = "leader", _("Leader")
        HR = "hr", _("HR/administrator")
        POLITICIAN = "politician", _("Politician")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Assigned by hand")
        IMPORT = "import", _("Organisation import")

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        help_text=_("The subtree the role applies to. Empty for HR means the whole municipality."),
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.MANUAL
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="leader") | Q(unit__isnull=False),
                name="leader_has_unit",
            ),
            models.CheckConstraint(
                condition=~Q(role="politician") | Q(unit__isnull=True),
                name="politician_has_no_unit",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=Q(unit__isnull=False),
                name="unique_role_per_unit",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(unit__isnull=True),
                name="unique_role_without_unit",
            ),
        ]

    def __str__(self) -> str:
        scope = self.unit.name if self.unit_id else _("whole municipality")
        return f"{self.user}: {self.get_role_display()} ({scope})"


class MedCommitteeQuerySet(models.QuerySet):
    def active(self) -> MedCommitteeQuerySet:
        return self.filter(active=True)


class MedCommittee(models.Model):
    """A co-determination committee (MED-udvalg). It covers the subtrees of the units it names."""

    class Level(models.TextChoices):
        MAIN = "main", _("Main MED committee (Hoved-MED)")
        AREA = "area", _("Area MED committee (område-MED)")
        LOCAL = "local", _("Local MED committee (lokal-MED)")
        WORK_ENVIRONMENT = "work_environment", _("Working environment group")

    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent committee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    covers = models.ManyToManyField(
        OrgUnit,
        verbose_name=_("covers units"),
        related_name="med_committees",
        blank=True,
        help_text=_("The committee covers these units and everything below them."),
    )
    external_id = models.CharField(
        _("external id"), max_length=100, unique=True, null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    objects = MedCommitteeQuerySet.as_manager()

    class Meta:
        verbose_name = _("MED committee")
        verbose_name_plural = _("MED committees")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MedMembership(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        DEPUTY_CHAIR = "deputy_chair", _("Deputy chair")
        LEADER_REPRESENTATIVE = "leader_rep", _("Leader representative")
        EMPLOYEE_REPRESENTATIVE = "employee_rep", _("Employee representative (TR)")
        WORK_ENVIRONMENT_REPRESENTATIVE = (
            "work_env_rep",
            _("Working environment representative (AMR)"),
        )

    committee = models.ForeignKey(
        MedCommittee,
        verbose_name=_("committee"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    user = models.ForeignKey(
        User, verbose_name=_("member"), on_delete=models.CASCADE, related_name="med_memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("MED membership")
        verbose_name_plural = _("MED memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "user", "role"], name="unique_med_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}, {self.committee}"


class LeadershipCommunity(models.Model):
    """Leaders who work together across units (ledelsesfællesskab); its core-task focus is
    linked from the core tasks app."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        User, verbose_name=_("members"), related_name="leadership_communities", blank=True
    )
    units = models.ManyToManyField(
        OrgUnit, verbose_name=_("units"), related_name="leadership_communities", blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("leadership community")
        verbose_name_plural = _("leadership communities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """Uploaded organisation files kept between preview and confirmation, so that what HR
    confirms is exactly what HR saw, and nothing uploaded is lost if the confirmation fails."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        INVALID = "invalid", _("Invalid")
        APPLIED = "applied", _("Applied")
        DISCARDED = "discarded", _("Discarded")

    class Source(models.TextChoices):
        CSV = "csv", _("CSV files")
        OS2MO = "os2mo", _("OS2mo")

    # Empty for the scheduled OS2mo sync, which nobody uploads.
    uploaded_by = models.ForeignKey(
        User,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.CSV
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PREVIEWED
    )
    files = models.JSONField(_("files"), default=dict, help_text=_("File kind → CSV text."))
    plan_digest = models.CharField(_("plan digest"), max_length=64, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("organisation import")
        verbose_name_plural = _("organisation imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"


class AuditEvent(models.Model):
    """One administrative change or one denied request, for HR/admin to review.

    Kept minimal on purpose (personal data): who, what, on which object, when, and for denied
    requests the client address. It never holds a survey answer, a value signal or anything that
    links a person to one; `organisation.audit.record` is the only writer and enforces that.
    """

    when = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The actor's name at the time, kept when the user is later deleted.
    actor_name = models.CharField(_("actor name"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=50, db_index=True)
    target = models.CharField(_("target"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-when", "-pk"]

    def __str__(self) -> str:
        return f"{self.when:%Y-%m-%d %H:%M} {self.action} {self.target}"


class ApiToken(models.Model):
    """A personal key for the open-data API. It sees exactly what its user may see, now: the
    scope is read from the user's roles at each request, never copied into the token.

    Only a SHA-256 digest of the secret is stored; the secret is shown once, when it is made.
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the key is used for, for your own overview.")
    )
    # The first characters of the secret, shown so that a key can be recognised in a list.
    prefix = models.CharField(_("prefix"), max_length=12)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class CalendarFeed(models.Model):
    """A user's secret calendar address (iCalendar) for due dates of actions and review dates of
    governance. Only a digest of the secret is stored; making a new address revokes the old."""

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="calendar_feed"
    )
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar address")
        verbose_name_plural = _("calendar addresses")

    def __str__(self) -> str:
        return str(self.user)
