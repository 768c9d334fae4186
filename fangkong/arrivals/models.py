"""Checkpoints, the passages recorded there, and arrivals handed to the destination's grid."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.scope import ScopedQuerySet
from fangkong.arrivals.engine.disposition import Disposition as D
from fangkong.arrivals.engine.disposition import HealthCode as HC


class CheckpointKind(models.TextChoices):
    HIGHWAY_EXIT = "highway_exit", _("Highway exit")
    STATION = "station", _("Railway or bus station")
    AIRPORT = "airport", _("Airport")
    VILLAGE_ENTRANCE = "village_entrance", _("Village entrance")
    OTHER = "other", _("Other")


class Disposition(models.TextChoices):
    PASS = D.PASS.value, _("Pass")
    REGISTER_AND_PASS = D.REGISTER_AND_PASS.value, _("Register and pass")
    TEST_ON_ARRIVAL = D.TEST_ON_ARRIVAL.value, _("Test on arrival")
    PERSUADE_TO_RETURN = D.PERSUADE_TO_RETURN.value, _("Persuade to return")
    HAND_OVER_TRANSFER = D.HAND_OVER_TRANSFER.value, _("Hand over for transfer")
    OBSERVATION = D.OBSERVATION.value, _("Observation, re-measure in 30 minutes")
    FEVER_CLINIC = D.FEVER_CLINIC.value, _("Fever clinic")


class HealthCode(models.TextChoices):
    GREEN = HC.GREEN.value, _("Green")
    YELLOW = HC.YELLOW.value, _("Yellow")
    RED = HC.RED.value, _("Red")
    NONE = HC.NONE.value, _("No code shown")


class RiskLevel(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Channel(models.TextChoices):
    CHECKPOINT = "checkpoint", _("Checkpoint")
    COMMUNITY = "community", _("Community registration")
    SELF_REPORT = "self_report", _("Self-report")
    COORDINATION_LIST = "coordination_list", _("Coordination list")


class Checkpoint(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=CheckpointKind.choices, default=CheckpointKind.OTHER)
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("jurisdiction node"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("checkpoint")

    def __str__(self):
        return self.name


class Passage(models.Model):
    """One vehicle (or pedestrian) through a checkpoint, with its occupants."""

    class Direction(models.TextChoices):
        IN = "in", _("Entering")
        OUT = "out", _("Leaving")

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="passages")
    at = models.DateTimeField(_("time"), db_index=True)
    plate = models.CharField(_("plate"), max_length=10, null=True, blank=True)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, default=Direction.IN)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # Generated on the device before the first try: a resent record is recognised, never stored twice.
    client_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "checkpoint__unit__path"

    class Meta:
        verbose_name = _("passage")
        indexes = [models.Index(fields=["checkpoint", "at"])]

    def __str__(self):
        return self.plate or str(_("pedestrian"))


class Occupant(models.Model):
    passage = models.ForeignKey(Passage, on_delete=models.CASCADE, related_name="occupants")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=50)
    id_type = models.CharField(_("ID type"), max_length=10, blank=True)
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    temperature = models.DecimalField(_("temperature"), max_digits=4, decimal_places=1)
    recheck_temperature = models.DecimalField(_("re-measured temperature"), max_digits=4, decimal_places=1,
                                              null=True, blank=True)
    health_code = models.CharField(_("health code"), max_length=6, choices=HealthCode.choices)
    negative_test_within_48h = models.BooleanField(_("negative test within 48 h"), default=False)
    origin_text = models.CharField(_("origin"), max_length=200)
    origin_code = models.CharField(max_length=12, blank=True)
    origin_resolved = models.BooleanField(default=True)
    # The level when the traveller passed; risk areas change later, this does not.
    origin_level = models.CharField(max_length=6, choices=RiskLevel.choices, blank=True)
    itinerary = models.JSONField(default=list, blank=True)
    left_origin_on = models.DateField(_("left the origin on"), null=True, blank=True)
    destination = models.ForeignKey("territory.Unit", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("destination"))
    destination_address = models.CharField(_("destination address"), max_length=200, blank=True)
    proposed_disposition = models.CharField(max_length=20, choices=Disposition.choices)
    disposition = models.CharField(_("disposition"), max_length=20, choices=Disposition.choices)
    override_reason = models.CharField(_("reason for the override"), max_length=200, blank=True)
    reasons = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("occupant")
        indexes = [models.Index(fields=["disposition"])]

    def __str__(self):
        return self.name

    @property
    def overridden(self) -> bool:
        return self.disposition != self.proposed_disposition


class ArrivalQuerySet(ScopedQuerySet):
    def still_open(self):
        return self.filter(status=Arrival.Status.OPEN)


class Arrival(models.Model):
    """One traveller arriving at a destination, however many channels reported them (one person, one arrival)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Under management")
        CLOSED = "closed", _("Closed")

    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Who the sources said it was, kept for arrivals not yet linked to a person and for de-duplication.
    name = models.CharField(_("name"), max_length=50)
    id_type = models.CharField(max_length=10, blank=True)
    id_number = models.CharField(_("ID number"), max_length=32, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    origin_code = models.CharField(max_length=12, blank=True)
    origin_name = models.CharField(_("origin"), max_length=200)
    origin_level = models.CharField(_("risk level"), max_length=6, choices=RiskLevel.choices, blank=True)
    left_origin_on = models.DateField(_("left the origin on"))
    arrived_on = models.DateField(_("arrived on"), db_index=True)
    destination = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("destination"))
    destination_address = models.CharField(_("destination address"), max_length=200, blank=True)
    channels = models.JSONField(default=list)
    category = models.CharField(max_length=30, blank=True)
    # protocols.Measure id (no foreign key: that app's tables are its own).
    measure_id = models.BigIntegerField(null=True, blank=True)
    first_contact_task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ArrivalQuerySet.as_manager()
    scope_path_lookup = "destination__path"

    class Meta:
        verbose_name = _("arrival")
        indexes = [models.Index(fields=["person", "status"]), models.Index(fields=["destination", "arrived_on"])]

    def __str__(self):
        return self.name

    @property
    def channel_labels(self) -> list[str]:
        return [Channel(c).label if c in Channel.values else c for c in self.channels]


class SelfReport(models.Model):
    """A public submission from the QR-code page, kept as sent."""

    link = models.ForeignKey("ReportLink", on_delete=models.PROTECT, related_name="reports")
    name = models.CharField(max_length=50)
    id_number = models.CharField(max_length=32)
    phone = models.CharField(max_length=20, db_index=True)
    origin_text = models.CharField(max_length=200)
    left_origin_on = models.DateField()
    destination = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+")
    destination_address = models.CharField(max_length=200)
    # A keyed hash of the address, enough to count submissions per sender without keeping the address.
    ip_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)


class ImportBatch(models.Model):
    """One 外地协查 list imported."""

    label = models.CharField(max_length=200)
    rows = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")


class ArrivalSource(models.Model):
    """How an arrival was reported: one row per channel report, linked to what was recorded there."""

    arrival = models.ForeignKey(Arrival, on_delete=models.CASCADE, related_name="sources")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    occupant = models.ForeignKey(Occupant, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    self_report = models.ForeignKey(SelfReport, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")


class ReportLink(models.Model):
    """The token behind a QR code for the public self-report page: of a checkpoint, or of a destination node."""

    token = models.CharField(max_length=32, unique=True)
    checkpoint = models.ForeignKey(Checkpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="links")
    unit = models.ForeignKey("territory.Unit", on_delete=models.CASCADE, related_name="+")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"
