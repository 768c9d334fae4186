"""What the command centre keeps: snapshots of every node's figures, the daily reports, the review meeting's items.

The dashboard never counts on page view: a background job (command.jobs.refresh_dashboard_snapshot) writes one
Snapshot with a NodeFigures row per node from the city down to the grids, and the pages read those rows.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.accounts.scope import ScopedQuerySet


class Snapshot(models.Model):
    taken_at = models.DateTimeField(_("taken at"), db_index=True)
    seconds = models.FloatField(_("seconds to take"), default=0)
    # Figures read from modules that failed while the snapshot was taken: {"testing": "error text"}.
    errors = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-taken_at"]

    def __str__(self):
        return f"snapshot {self.taken_at:%Y-%m-%d %H:%M}"


class NodeFiguresQuerySet(ScopedQuerySet):
    pass


class NodeFigures(models.Model):
    """One node's figures in one snapshot: additive counts (ratios are derived when read), daily series, and for
    the city and its districts the epidemic analysis (Rt, trend, projection)."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="nodes")
    unit = models.ForeignKey("territory.Unit", on_delete=models.CASCADE, related_name="+")
    parent_id = models.BigIntegerField(null=True)  # the unit's parent, to read a node's children in one lookup
    figures = models.JSONField(default=dict)
    series = models.JSONField(default=dict)  # {"onset": {"2026-11-20": 3, ...}, "report": ..., "controlled": ...}
    analysis = models.JSONField(null=True, blank=True)
    # The other modules' alerts for the node, as each role that has the dashboard would see them there:
    # {"hq": [{"key": ..., "text": ..., "url": ..., "count": ...}], ...}; None below COMMAND_ALERT_LEVEL.
    alerts = models.JSONField(null=True, blank=True)

    objects = NodeFiguresQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["snapshot", "unit"], name="command_node_once_per_snapshot")]
        indexes = [models.Index(fields=["snapshot", "parent_id"])]


class ReportQuerySet(ScopedQuerySet):
    pass


class DailyReport(models.Model):
    """The daily situation report (日报) of a node for one day, as a PDF and a workbook."""

    day = models.DateField(_("day"), db_index=True)
    unit = models.ForeignKey("territory.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("node"))
    snapshot_taken_at = models.DateTimeField(_("figures as of"), null=True, blank=True)
    pdf = models.BinaryField(default=bytes)
    xlsx = models.BinaryField(default=bytes)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("requested by"))

    objects = ReportQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        ordering = ["-day", "-created_at"]
        indexes = [models.Index(fields=["unit", "-day"])]

    def __str__(self):
        return f"{self.unit} {self.day}"


class ReviewItemQuerySet(ScopedQuerySet):
    pass


class ReviewItem(models.Model):
    """A problem the nightly review meeting (复盘会) found, who fixes it, how, and whether it was fixed."""

    class Kind(models.TextChoices):
        OVERDUE_TASK = "overdue_task", _("Overdue tasks")
        LATE_FIRST_CONTACT = "late_first_contact", _("Late first contact with arrivals")
        LATE_TRACING = "late_tracing", _("Late case investigation")
        OUTSIDE_CONTROL = "outside_control", _("Case found outside control")
        FINDING = "finding", _("Supervision finding")
        OTHER = "other", pgettext_lazy("review item kind", "Other")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("review item", "Open")
        FIXED = "fixed", _("Fixed")
        DROPPED = "dropped", _("Dropped")

    day = models.DateField(_("meeting day"), db_index=True)
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("node"))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    # What the item is about ("task:123", "case:45"), so that regenerating a night's pack adds nothing twice.
    source_key = models.CharField(max_length=60, blank=True)
    title = models.CharField(_("problem"), max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("owner"))
    fix = models.TextField(_("proposed fix"), blank=True)
    fix_due = models.DateField(_("fix by"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(_("outcome"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ReviewItemQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        ordering = ["day", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["day", "source_key"], condition=~models.Q(source_key=""),
                                    name="command_review_item_once_per_night"),
        ]

    def __str__(self):
        return self.title


class InflectionTargetQuerySet(ScopedQuerySet):
    pass


class InflectionTarget(models.Model):
    """The day the HQ means to reach the inflection point by (拿下拐点): one per node, the city's being the
    city-wide target; a node without its own follows the nearest node above it that has one."""

    unit = models.OneToOneField("territory.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("node"))
    target_date = models.DateField(_("target date"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    set_at = models.DateTimeField(_("set at"), auto_now=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("set by"))

    objects = InflectionTargetQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    def __str__(self):
        return f"{self.unit} {self.target_date}"
