"""Duty posts, their shifts and the handovers between shifts (值班值守, 交接换班).

Every module's roster lives here: a post points at the module object it staffs by "<app_label>.<model>" and id,
so arrivals, testing and isolation never keep shifts of their own.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.accounts.scope import ScopedQuerySet


class PostKind(models.TextChoices):
    CHECKPOINT = "checkpoint", _("Checkpoint")
    SAMPLING_POINT = "sampling_point", _("Sampling point")
    ISOLATION_SITE = "isolation_site", _("Isolation site")
    GATE = "gate", _("Gate")
    DELIVERY = "delivery", _("Delivery team")
    OTHER = "other", _("Other post")


class Post(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=PostKind.choices)
    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey("territory.Unit", verbose_name=_("jurisdiction node"), on_delete=models.PROTECT,
                             related_name="+")
    # The module object this post staffs, e.g. ("arrivals.checkpoint", 12); empty for a post of its own.
    subject_type = models.CharField(max_length=60, blank=True, default="")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("post")
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id"], condition=Q(subject_id__isnull=False),
                                    name="workforce_post_subject_unique"),
        ]
        indexes = [models.Index(fields=["unit", "active"])]

    def __str__(self):
        return self.name


class Shift(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("leader"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    # For a leader without an account (a village cadre, a volunteer).
    leader_name = models.CharField(_("leader's name"), max_length=50, blank=True)
    leader_phone = models.CharField(_("leader's phone"), max_length=20, blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True,
                                     related_name="workforce_shifts")
    # Volunteers without accounts: names, one per line.
    members_text = models.TextField(_("other members"), blank=True)
    volunteers = models.ManyToManyField("workforce.Volunteer", verbose_name=_("volunteers"), blank=True,
                                        related_name="shifts")
    # The roster (a post's shifts for a period) this shift belongs to; None for a shift outside any roster.
    roster = models.ForeignKey("workforce.Roster", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="shifts")
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "post__unit__path"

    class Meta:
        verbose_name = _("shift")
        ordering = ["starts_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")),
                                              name="workforce_shift_ends_after_start")]
        indexes = [models.Index(fields=["post", "starts_at"]), models.Index(fields=["leader", "starts_at"])]

    def __str__(self):
        return f"{self.post} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def leader_display(self) -> str:
        return self.leader_name or (str(self.leader) if self.leader_id else "")

    @property
    def leader_phone_display(self) -> str:
        return self.leader_phone or (self.leader.phone if self.leader_id else "")

    @property
    def other_members(self) -> list[str]:
        return [name for name in (line.strip() for line in self.members_text.replace("，", "\n").replace(",", "\n")
                                  .splitlines()) if name]

    @property
    def member_names(self) -> list[str]:
        """Members with and without accounts, then volunteers; uses the prefetched members and volunteers."""
        return ([str(user) for user in self.members.all()] + self.other_members
                + [v.name for v in self.volunteers.all()])


class Handover(models.Model):
    """What the outgoing team hands to the incoming one (交接换班)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="handovers")
    shift_from = models.ForeignKey(Shift, verbose_name=_("outgoing shift"), on_delete=models.CASCADE,
                                   related_name="handovers_out")
    shift_to = models.ForeignKey(Shift, verbose_name=_("incoming shift"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="handovers_in")
    at = models.DateTimeField(_("at"), db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")
    by_volunteer = models.ForeignKey("workforce.Volunteer", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    note = models.TextField(_("handover note"))
    open_issues = models.TextField(_("open issues"), blank=True)
    supplies = models.TextField(_("supplies"), blank=True)
    awaiting_transfer = models.TextField(_("persons awaiting transfer"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "post__unit__path"

    class Meta:
        verbose_name = _("handover")
        indexes = [models.Index(fields=["post", "at"])]

    def __str__(self):
        return f"{self.post} {self.at:%Y-%m-%d %H:%M}"


class Volunteer(models.Model):
    """A volunteer (志愿者): registered on the public form or from a grid's list, vetted, then put on shifts. No staff
    account: an approved volunteer opens "my shifts" through a personal signed link."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for vetting")
        APPROVED = "approved", pgettext_lazy("workforce", "Approved")
        REJECTED = "rejected", pgettext_lazy("workforce", "Rejected")

    class Source(models.TextChoices):
        SELF = "self", _("Registered themselves")
        GRID_LIST = "grid_list", _("From a grid's list")

    name = models.CharField(_("name"), max_length=50)
    # One registration per ID number: a second one is refused, the first kept.
    id_number = models.CharField(pgettext_lazy("workforce", "ID number"), max_length=18, unique=True)
    phone = models.CharField(_("phone"), max_length=20)
    unit = models.ForeignKey("territory.Unit", verbose_name=_("community"), on_delete=models.PROTECT,
                             related_name="+")
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    # The volunteer's own declaration: no fever, cough, contact or travel from a risk area in 14 days.
    healthy = models.BooleanField(_("declared healthy"), default=False)
    health_note = models.CharField(_("health declaration"), max_length=200, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SELF)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    vetted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    vetted_at = models.DateTimeField(null=True, blank=True)
    # Bumped to revoke the personal link: a token carries the version it was signed with.
    link_version = models.PositiveIntegerField(default=0)
    link_revoked = models.BooleanField(default=False)
    ip_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("volunteer")
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self):
        return self.name


class Attendance(models.Model):
    """A check-in and check-out of one person (a staffer or a volunteer) on one shift."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    volunteer = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="attendances")
    checked_in_at = models.DateTimeField(_("checked in at"))
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    # What the person confirmed at check-in: the protective equipment worn, the time of their last negative test.
    equipment = models.JSONField(default=list, blank=True)
    tested_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "shift__post__unit__path"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shift", "user"], condition=Q(user__isnull=False),
                                    name="workforce_attendance_user_once"),
            models.UniqueConstraint(fields=["shift", "volunteer"], condition=Q(volunteer__isnull=False),
                                    name="workforce_attendance_volunteer_once"),
            models.CheckConstraint(condition=Q(user__isnull=False) ^ Q(volunteer__isnull=False),
                                   name="workforce_attendance_one_person"),
        ]


class ShiftRules(models.Model):
    """The command's shift rules for a node and everything under it (the nearest node with a row wins)."""

    unit = models.OneToOneField("territory.Unit", verbose_name=_("jurisdiction node"), on_delete=models.CASCADE,
                                related_name="+")
    max_shift_hours = models.PositiveSmallIntegerField(_("maximum hours per shift"), default=12)
    max_week_hours = models.PositiveSmallIntegerField(_("maximum hours in 7 days"), default=60)
    min_rest_hours = models.PositiveSmallIntegerField(_("minimum rest between shifts (hours)"), default=8)
    equipment = models.JSONField(_("required protective equipment"), default=list, blank=True)
    # None: no test required (or the protocol's number, when the active rule set has one).
    test_within_hours = models.PositiveSmallIntegerField(_("negative test within (hours)"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("shift rules")

    def __str__(self):
        return str(self.unit)


class Roster(models.Model):
    """A post's shifts for a period, drafted, checked against the shift rules, then published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="rosters")
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    # Published despite violations: who decided, why, and what was broken at that moment.
    override_reason = models.CharField(_("reason for publishing despite violations"), max_length=300, blank=True)
    violations_at_publish = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "post__unit__path"

    class Meta:
        verbose_name = _("roster")
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")),
                                              name="workforce_roster_ends_after_start")]
        indexes = [models.Index(fields=["post", "starts_on"])]

    def __str__(self):
        return f"{self.post} {self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d}"


class WorkingGroup(models.Model):
    """A temporary party branch (临时党支部) or a working group set up at a post."""

    class Kind(models.TextChoices):
        PARTY_BRANCH = "party_branch", _("Temporary party branch")
        WORKING_GROUP = "working_group", _("Working group")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="groups")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PARTY_BRANCH)
    name = models.CharField(_("name"), max_length=100)
    set_up_on = models.DateField(_("set up on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "post__unit__path"

    class Meta:
        verbose_name = _("working group")

    def __str__(self):
        return self.name


class GroupMember(models.Model):
    class Role(models.TextChoices):
        SECRETARY = "secretary", _("Secretary")
        DEPUTY = "deputy", _("Deputy secretary")
        MEMBER = "member", _("Member")

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(pgettext_lazy("workforce", "role"), max_length=10, choices=Role.choices,
                            default=Role.MEMBER)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    # A member without an account (a party member among the volunteers, a village cadre).
    name = models.CharField(_("name"), max_length=50, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "group__post__unit__path"

    class Meta:
        ordering = ["pk"]

    @property
    def display_name(self) -> str:
        return self.name or (str(self.user) if self.user_id else "")
