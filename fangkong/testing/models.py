"""Mass testing (全员核酸): rounds, sampling points, pooled tubes and their samples, labs, results, recalls.

A tube's barcode is unique city-wide and for ever: a code seen in one round is refused in every other. A person
is sampled at most once per round (a re-check after a positive pool is a tube of its own, outside the round).
Coverage is kept per round and coverage cell (the grid, or the deepest node above the buildings) as counters
maintained as samples arrive, so a 10-million-person round is read as some 16,000 rows, never scanned.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.accounts.scope import ScopedQuerySet, may_act
from fangkong.core.paths import PathField, path_ids, subtree_q


class PoolSize(models.IntegerChoices):
    SINGLE = 1, _("Single tube")
    FIVE = 5, _("5 in 1")
    TEN = 10, _("10 in 1")
    TWENTY = 20, _("20 in 1")


class Result(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    INVALID = "invalid", _("Invalid")


def ancestor_paths(path: str) -> list[str]:
    """"/1/5/9/" → ["/1/", "/1/5/", "/1/5/9/"]."""
    ids = path_ids(path or "")
    return ["/" + "/".join(str(i) for i in ids[: n + 1]) + "/" for n in range(len(ids))]


class RoundQuerySet(ScopedQuerySet):
    def visible_to(self, user, action: str = "view"):
        """"view": rounds owned inside the user's subtree, and rounds owned above it that reach into it (a street
        officer sees the city's round, and only the street's part of its figures). Other actions: the subtree only.
        """
        if not may_act(user, "testing", action):
            return self.none()
        condition = subtree_q("unit__path", user.scope_path)
        if action == "view":
            condition |= Q(unit__path__in=ancestor_paths(user.scope_path))
        return self.filter(condition)


class LabScopedQuerySet(ScopedQuerySet):
    """Lab staff see what was sent to their labs, wherever it was sampled (the model's `lab_lookup` names the path
    to the lab; a model without one shows lab staff nothing); everyone else sees their subtree."""

    def visible_to(self, user, action: str = "view"):
        if not may_act(user, "testing", action):
            return self.none()
        if user.role == "lab":
            lookup = getattr(self.model, "lab_lookup", None)
            return self.filter(**{f"{lookup}__staff__user": user}).distinct() if lookup else self.none()
        return self.filter(subtree_q(self.model.scope_path_lookup, user.scope_path))


class Round(models.Model):
    """区域核酸检测: a round over some nodes and a time window."""

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("testing round", "Planned")
        RUNNING = "running", pgettext_lazy("testing round", "Running")
        CLOSED = "closed", pgettext_lazy("testing round", "Closed")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # The lowest node above every covered node: who may manage the round.
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("jurisdiction node"))
    nodes = models.ManyToManyField("territory.Unit", related_name="+", verbose_name=_("covered nodes"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    pool_size = models.PositiveSmallIntegerField(_("pool size"), choices=PoolSize.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    target_total = models.PositiveIntegerField(_("target"), default=0)
    targets_counted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoundQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("testing round")
        ordering = ["-starts_at", "-pk"]

    def __str__(self):
        return self.name


class RoundExtra(models.Model):
    """Someone added to a round's target by hand (a worker who lives elsewhere)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="extras")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="testing_extra_unique")]


class Coverage(models.Model):
    """应检尽检 counters of one round in one coverage cell (a grid, or the deepest node above buildings)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="coverage")
    unit = models.ForeignKey("territory.Unit", on_delete=models.CASCADE, related_name="+")
    # The cell's path, copied so that a subtree's rows are one index range without a join.
    path = PathField(max_length=255)
    target = models.PositiveIntegerField(default=0)
    sampled = models.PositiveIntegerField(default=0)

    objects = LabScopedQuerySet.as_manager()
    scope_path_lookup = "path"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="testing_coverage_unique")]
        indexes = [models.Index(fields=["round", "path"])]


class SamplingPoint(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("jurisdiction node"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    active = models.BooleanField(_("active"), default=True)
    queue_length = models.PositiveIntegerField(_("people queueing"), null=True, blank=True)
    queue_reported_at = models.DateTimeField(_("queue reported at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("sampling point")
        indexes = [models.Index(fields=["unit", "active"])]

    def __str__(self):
        return self.name


class Lab(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("jurisdiction node"))
    active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("lab")

    def __str__(self):
        return self.name


class LabStaff(models.Model):
    """A lab user works for these labs and sees only the tubes sent to them."""

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="labs")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lab", "user"], name="testing_lab_staff_unique")]


class Handover(models.Model):
    """A batch of closed tubes handed to a lab, counted at both ends: a tube missing at receipt is flagged."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        RECEIVED = "received", _("Received, complete")
        DISCREPANCY = "discrepancy", _("Received, tubes missing")

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="handovers")
    point = models.ForeignKey(SamplingPoint, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="handovers")
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+")
    declared_count = models.PositiveIntegerField(_("tubes declared"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SENT)
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    missing_count = models.PositiveIntegerField(default=0)
    # Codes scanned at receipt that were not in the batch.
    unexpected_codes = models.JSONField(default=list, blank=True)

    objects = LabScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"
    lab_lookup = "lab"

    class Meta:
        verbose_name = _("handover to a lab")




class Tube(models.Model):
    class Purpose(models.TextChoices):
        ROUND = "round", _("Round")
        RECHECK = "recheck", _("Single-tube re-check")
        # A test day of a person under a measure (the protocol's schedule), sampled singly.
        MEASURE = "measure", _("Test day under a measure")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("tube", "Open")
        CLOSED = "closed", _("Sealed")
        SENT = "sent", _("Sent to the lab")
        RECEIVED = "received", _("Received by the lab")
        RESULTED = "resulted", _("Result in")

    code = models.CharField(_("tube code"), max_length=40, unique=True)
    # Indexed by the (round, …) indexes below; every FK index a bulk import maintains costs it time.
    round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.PROTECT, related_name="tubes",
                              db_index=False)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.ROUND)
    point = models.ForeignKey(SamplingPoint, null=True, blank=True, on_delete=models.PROTECT, related_name="tubes",
                              db_index=False)
    # The point's node, or the person's for a re-check at the door: scope.
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+")
    capacity = models.PositiveSmallIntegerField(_("pool size"), choices=PoolSize.choices)
    size = models.PositiveSmallIntegerField(_("samples"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", db_index=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    handover = models.ForeignKey(Handover, null=True, blank=True, on_delete=models.SET_NULL, related_name="tubes")
    lab = models.ForeignKey(Lab, null=True, blank=True, on_delete=models.PROTECT, related_name="tubes", db_index=False)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True)
    ct_orf1ab = models.DecimalField("Ct ORF1ab", max_digits=4, decimal_places=1, null=True, blank=True)
    ct_n = models.DecimalField("Ct N", max_digits=4, decimal_places=1, null=True, blank=True)
    tested_at = models.DateTimeField(_("tested at"), null=True, blank=True)
    result_recorded_at = models.DateTimeField(null=True, blank=True)
    # Columns of the lab's file beyond the minimal format, kept as they came.
    lab_extra = models.JSONField(default=dict, blank=True)

    objects = LabScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"
    lab_lookup = "lab"

    class Meta:
        verbose_name = _("tube")
        indexes = [
            models.Index(fields=["round", "result"]),
            models.Index(fields=["round", "status"]),
            models.Index(fields=["lab", "status"]),
            models.Index(fields=["point", "status"]),
        ]

    def __str__(self):
        return self.code

    @property
    def is_full(self) -> bool:
        return self.size >= self.capacity


class Sample(models.Model):
    """One person's swab in a tube, as scanned: the document is kept even for someone not on file.

    The biggest table (ten million rows a city round): only the tube and the person are checked by the database at
    every insert; round (the tube's), unit, cell and recorder are set by the services from rows they just read, and
    their deletes are still refused or cascaded by the ORM (on_delete). Each check the database skips is a lookup
    per row at commit — 30× a bare COPY with them all, see benchmarks/README.md."""

    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="samples")
    # None for a re-check: outside any round, so it never collides with the person's round sample.
    round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.CASCADE, related_name="samples",
                              db_index=False, db_constraint=False)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    id_type = models.CharField(max_length=10)
    id_number = models.CharField(_("ID number"), max_length=32)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Where the person lives (their household's building), or the point's node when not on file: scope.
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    # The coverage cell this sample counted for; None when the person is not in the round's target.
    cell = models.ForeignKey("territory.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             db_index=False, db_constraint=False)
    sampled_at = models.DateTimeField(_("sampled at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_index=False, db_constraint=False)

    objects = LabScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"
    lab_lookup = "tube__lab"

    class Meta:
        verbose_name = _("sample")
        constraints = [
            models.UniqueConstraint(fields=["round", "id_type", "id_number"], condition=Q(round__isnull=False),
                                    name="testing_one_sample_per_round"),
        ]
        indexes = [models.Index(fields=["round", "person"])]

    def __str__(self):
        return f"{self.tube_id}: {self.name}"


class Recall(models.Model):
    """A positive or invalid pool: its members are called back for a single-tube re-check at the door."""

    tube = models.OneToOneField(Tube, on_delete=models.CASCADE, related_name="recall")
    round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.CASCADE, related_name="recalls")
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=10, choices=Result.choices)
    created_at = models.DateTimeField(_("raised at"), db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = LabScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"
    lab_lookup = "tube__lab"

    class Meta:
        verbose_name = _("recall of a pool")


class RecallMember(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "", _("Awaiting re-check")
        SAMPLED = "sampled", _("Re-sampled, awaiting result")
        NEGATIVE = "negative", _("Re-check negative, released")
        POSITIVE = "positive", _("Re-check positive")

    recall = models.ForeignKey(Recall, on_delete=models.CASCADE, related_name="members")
    sample = models.OneToOneField(Sample, on_delete=models.CASCADE, related_name="recall_member")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+")
    # The status before the recall confined the person, and when it did ("" / None: the status was not changed).
    previous_status = models.CharField(max_length=20, blank=True)
    confined_at = models.DateTimeField(null=True, blank=True)
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recheck_tube = models.OneToOneField(Tube, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = LabScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"
    lab_lookup = "sample__tube__lab"

    class Meta:
        indexes = [models.Index(fields=["outcome"])]


class PositiveCase(models.Model):
    """A single-tube positive: the case record the tracing module takes over (with person, sampling time, Ct)."""

    sample = models.OneToOneField(Sample, on_delete=models.PROTECT, related_name="positive_case")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+")
    tube = models.ForeignKey(Tube, on_delete=models.PROTECT, related_name="+")
    sampled_at = models.DateTimeField(_("sampled at"))
    ct_orf1ab = models.DecimalField("Ct ORF1ab", max_digits=4, decimal_places=1, null=True, blank=True)
    ct_n = models.DecimalField("Ct N", max_digits=4, decimal_places=1, null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), db_index=True)

    objects = LabScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"
    lab_lookup = "tube__lab"

    class Meta:
        verbose_name = _("positive case")
