from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.scope import ScopedQuerySet

__all__ = ["Category", "Site", "Room", "Stay", "Trip"]


class Category(models.TextChoices):
    """Who a room may hold: the protocol's categories of people in centralised isolation, never mixed in a room."""

    CLOSE_CONTACT = "close_contact", _("Close contacts")
    SECONDARY_CONTACT = "secondary_contact", _("Secondary contacts")
    ARRIVAL = "arrival", _("Arrivals from risk areas")
    INBOUND = "inbound", _("Inbound travellers")
    OTHER = "other", _("Other people under control")


class Site(models.Model):
    """An isolation site (a hotel, a requisitioned building) on a jurisdiction node."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey("territory.Unit", verbose_name=_("jurisdiction node"), on_delete=models.PROTECT,
                             related_name="+")
    address = models.CharField(_("address"), max_length=200)
    operator = models.CharField(_("operator"), max_length=100, blank=True)
    manager_name = models.CharField(_("person in charge"), max_length=50, blank=True)
    manager_phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Receives the health alerts (a fever, a symptom) of the site's people.
    doctor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("site doctor"))
    # Rooms kept free for emergencies: allocation never proposes the last `reserve` available rooms.
    reserve = models.PositiveIntegerField(_("rooms kept in reserve"), default=0)
    # "" = any category; else the whole site holds only this one.
    category = models.CharField(_("reserved for"), max_length=20, choices=Category.choices, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("isolation site")

    def __str__(self):
        return self.name


class Room(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single")
        FAMILY = "family", _("Family")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        OCCUPIED = "occupied", _("Occupied")
        CLEANING = "cleaning", _("Cleaning and disinfection")
        OUT_OF_SERVICE = "out_of_service", _("Out of service")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="rooms")
    number = models.CharField(_("room"), max_length=20)
    floor = models.SmallIntegerField(_("floor"))
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    beds = models.PositiveSmallIntegerField(_("beds"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.AVAILABLE)
    # A floor (or a room) reserved for one category; "" = as the site.
    category = models.CharField(_("reserved for"), max_length=20, choices=Category.choices, blank=True)
    status_since = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "site__unit__path"

    class Meta:
        verbose_name = _("room")
        ordering = ["site", "floor", "number"]
        constraints = [models.UniqueConstraint(fields=["site", "number"], name="isolation_room_number_once")]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self):
        return f"{self.site.name} {self.number}"


class Trip(models.Model):
    """A transfer trip (转运): one vehicle, its driver and escort, a pickup list, delivered to one site."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        UNDER_WAY = "under_way", _("Under way")
        DONE = "done", _("Done")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="trips")
    vehicle = models.CharField(_("vehicle"), max_length=20)
    driver_name = models.CharField(_("driver"), max_length=50)
    driver_phone = models.CharField(_("driver's phone"), max_length=20, blank=True)
    escort_name = models.CharField(_("escort"), max_length=50, blank=True)
    driver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("driver's account"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    departs_at = models.DateTimeField(_("departs at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "site__unit__path"

    class Meta:
        verbose_name = _("transfer trip")


class Stay(models.Model):
    """One person's way through centralised isolation: queued → placed in a room → picked up → handed over at
    the site (the status changes only then) → released or moved out."""

    class Status(models.TextChoices):
        PLACED = "placed", _("Room allocated")
        IN_TRANSFER = "in_transfer", _("In transfer")
        ARRIVED = "arrived", _("In the site")
        NOT_FOUND = "not_found", _("Not found at pickup")
        RELEASED = "released", _("Released")
        MOVED_OUT = "moved_out", _("Moved out")
        CANCELLED = "cancelled", _("Cancelled")

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    # The person's home node (their grid takes them back at release).
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+")
    # The protocol's transfer task this stay answers (the queue entry).
    task = models.OneToOneField("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    measure = models.ForeignKey("protocols.Measure", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="stays")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="stays")
    trip = models.ForeignKey(Trip, null=True, blank=True, on_delete=models.SET_NULL, related_name="stays")
    pickup_order = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLACED)
    queued_at = models.DateTimeField(_("in the queue since"))
    placed_at = models.DateTimeField(_("room allocated at"))
    picked_up_at = models.DateTimeField(_("picked up at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    # Kept at the handover for the headline figure (queue → room), so the page reads two small columns.
    arrived_on = models.DateField(null=True, blank=True)
    wait_seconds = models.PositiveIntegerField(null=True, blank=True)
    # The handover signature: who at the site received the person, and when (arrived_at).
    received_by = models.CharField(_("received by"), max_length=50, blank=True)
    ended_at = models.DateTimeField(_("left at"), null=True, blank=True)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    objects = ScopedQuerySet.as_manager()
    # Whoever answers for the site sees its people (a city site takes people from every district).
    scope_path_lookup = "site__unit__path"

    class Meta:
        verbose_name = _("stay")
        constraints = [
            # One live stay per person (a room is never double-booked: services take it by compare-and-set).
            models.UniqueConstraint(fields=["person"], condition=Q(status__in=["placed", "in_transfer", "arrived"]),
                                    name="isolation_one_live_stay"),
        ]
        indexes = [models.Index(fields=["site", "status"]), models.Index(fields=["room", "status"]),
                   models.Index(fields=["arrived_at"]), models.Index(fields=["arrived_on"])]

    @property
    def wait_hours(self) -> float | None:
        """Hours from entering the queue to the handover (the module's headline figure, per person)."""
        return None if self.wait_seconds is None else self.wait_seconds / 3600
