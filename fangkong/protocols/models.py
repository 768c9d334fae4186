from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.scope import ScopedQuerySet


class Category(models.TextChoices):
    CLOSE_CONTACT = "close_contact", _("Close contact")
    SECONDARY_CONTACT = "secondary_contact", _("Secondary contact")
    ARRIVAL_HIGH = "arrival_high", _("Arrival from a high-risk area")
    ARRIVAL_MEDIUM = "arrival_medium", _("Arrival from a medium-risk area")
    ARRIVAL_LOW = "arrival_low", _("Arrival from a low-risk area of an affected county")
    INBOUND = "inbound", _("Inbound traveller")
    CO_PRESENT = "co_present", _("Co-present person")
    # Someone who left a unit's closed loop (闭环管理), or came into it from outside.
    LOOP_BREAK = "loop_break", _("Left or entered a closed loop")


class RuleSet(models.Model):
    """A protocol: a named series of immutable versions; exactly one rule set is the active one."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    # Presets ship with the platform ("covid-ed9"); they are copied, never edited.
    preset_key = models.CharField(max_length=40, blank=True)
    is_preset = models.BooleanField(_("preset"), default=False)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies",
                                    verbose_name=_("copied from"))
    is_active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("rule set")
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="ruleset_one_active"),
        ]

    def __str__(self):
        return self.name


class RuleSetVersion(models.Model):
    """The rules of one rule set at one time. Never changed once written: an edit is a new version."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    rules = models.JSONField(_("rules"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("rule set version")
        constraints = [models.UniqueConstraint(fields=["rule_set", "number"], name="ruleset_version_unique")]

    def __str__(self):
        return f"{self.rule_set.name} v{self.number}"

    def save(self, *args, **kwargs):
        # Running measures point at a version: changing one would change their dates behind their backs.
        if not self._state.adding:
            raise ValueError("a rule set version is immutable; create a new version instead")
        super().save(*args, **kwargs)


class Measure(models.Model):
    """A person under a protocol: the category, day one and the version that governs them until the end."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        ENDED = "ended", _("Ended early")
        # The rule set imposes nothing for this category (or every stage was already over at registration).
        NOT_REQUIRED = "not_required", _("Nothing required")

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="measures",
                               verbose_name=_("person"))
    version = models.ForeignKey(RuleSetVersion, on_delete=models.PROTECT, related_name="measures",
                                verbose_name=_("rule set version"))
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    day_one = models.DateField(_("day one"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    # The stage the person is in now (0-based); moves on when a stage-end task closes as released.
    stage_index = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(_("source"), max_length=60)
    source_ref = models.CharField(_("source reference"), max_length=60, blank=True)
    # The registration time the engine planned from: the same input always gives the same tasks.
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "person__unit__path"

    class Meta:
        verbose_name = _("measure")
        indexes = [models.Index(fields=["person", "status"]), models.Index(fields=["status", "ends_on"])]
        constraints = [
            models.UniqueConstraint(fields=["person", "category", "day_one"], condition=Q(status="active"),
                                    name="measure_one_active_per_event"),
        ]

    def __str__(self):
        return f"{self.get_category_display()}: {self.person}"

    @property
    def next_test_due(self):
        from fangkong.protocols.selectors import measure_next_test

        return measure_next_test(measure=self)

    @property
    def next_test_day(self):
        """The local day of the next test (due by the midnight that ends it)."""
        from fangkong.protocols.selectors import work_day

        due = self.next_test_due
        return work_day(due) if due is not None else None


class Reminder(models.Model):
    """Tomorrow's protocol work, flagged once per task by jobs.send_protocol_reminders."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="reminders")
    task = models.ForeignKey("tasks.Task", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    due_at = models.DateTimeField(_("due"))
    # The local day the work is for: a test's day, a stage's last day.
    work_day = models.DateField(_("day"))
    reminded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "measure__person__unit__path"

    class Meta:
        verbose_name = _("reminder")
        constraints = [models.UniqueConstraint(fields=["task"], name="reminder_one_per_task")]
        indexes = [models.Index(fields=["work_day"])]
