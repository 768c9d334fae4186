"""Duty posts, their shifts and the handovers between shifts (值班值守, 交接换班).

Every module's roster lives here: a post points at the module object it staffs by "<app_label>.<model>" and id,
so arrivals, testing and isolation never keep shifts of their own.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.scope import ScopedQuerySet


class PostKind(models.TextChoices):
    CHECKPOINT = "checkpoint", _("Checkpoint")
    SAMPLING_POINT = "sampling_point", _("Sampling point")
    ISOLATION_SITE = "isolation_site", _("Isolation site")
    GATE = "gate", _("Gate")
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
        """Members with and without accounts; uses the prefetched members."""
        return [str(user) for user in self.members.all()] + self.other_members


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
