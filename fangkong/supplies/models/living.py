"""Living support for controlled households (生活保障): 统一登记、统一购买、统一定点发放.

A household under home isolation or in a sealed area states a need (through its grid worker or its own public
link); non-urgent needs are batched per node for one purchase; a delivery round takes them to the doors, and each
stop's confirmation marks the household's needs met. Every need carries a task, so an unmet one escalates.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.scope import ScopedQuerySet

__all__ = ["CareKind", "DeliveryRound", "DeliveryStop", "HouseholdLink", "Need", "NeedItem", "NeedKind",
           "PurchaseBatch"]


class NeedKind(models.TextChoices):
    DAILY = "daily", _("Daily necessities")
    MEDICINE = "medicine", _("Medicine")
    SPECIAL_CARE = "special_care", _("Special care")


class CareKind(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    DIALYSIS = "dialysis", _("Dialysis")
    PREGNANCY = "pregnancy", _("Pregnancy")
    INFANT = "infant", _("Infant")
    OTHER = "other", _("Other care")


class HouseholdLink(models.Model):
    """The token behind a household's own page: it states needs and confirms deliveries without logging in."""

    household = models.ForeignKey("people.Household", on_delete=models.CASCADE, related_name="living_links")
    token = models.CharField(max_length=32, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "household__unit__path"


class PurchaseBatch(models.Model):
    """One unified purchase: every open non-urgent need under a node recorded before the cut-off."""

    class Status(models.TextChoices):
        OPEN = "open", _("To purchase")
        DELIVERING = "delivering", _("Out for delivery")
        DONE = "done", _("Delivered")

    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("jurisdiction node"))
    cut_off = models.DateTimeField(_("cut-off"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("purchase batch")


class DeliveryRound(models.Model):
    """Door-to-door delivery of one batch, or of one urgent need."""

    class Status(models.TextChoices):
        OUT = "out", _("Out for delivery")
        DONE = "done", _("Done")

    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("jurisdiction node"))
    batch = models.ForeignKey(PurchaseBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="rounds")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OUT)
    # The delivery team: they see the households' names, phones and addresses; others see them masked.
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                     verbose_name=_("delivery team"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("delivery round")


class DeliveryStop(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("To deliver")
        DELIVERED = "delivered", _("Delivered")

    class Handover(models.TextChoices):
        DOOR = "door", _("Left at the door (contactless)")
        HAND = "hand", _("Handed over")

    round = models.ForeignKey(DeliveryRound, on_delete=models.CASCADE, related_name="stops")
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    handover = models.CharField(_("handover"), max_length=8, choices=Handover.choices, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    photo = models.ImageField(_("photo"), upload_to="supplies/deliveries/%Y/%m/", blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    # Set when the household confirms receipt on its own page.
    received_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "household__unit__path"

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["round", "household"], name="living_stop_one_per_household")]


class Need(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        BATCHED = "batched", _("In a purchase batch")
        OUT = "out", _("Out for delivery")
        MET = "met", _("Met")
        CANCELLED = "cancelled", _("Cancelled")

    class Channel(models.TextChoices):
        GRID_WORKER = "grid_worker", _("Grid worker")
        HOUSEHOLD = "household", _("Household's own link")

    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="living_needs",
                                  verbose_name=_("household"))
    # The household's building, copied so that scope and figures read one path.
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=14, choices=NeedKind.choices)
    care = models.CharField(_("special care"), max_length=14, choices=CareKind.choices, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # Why the household may ask: "home_isolation" or "sealed_area", as found when the need was recorded.
    control = models.CharField(max_length=16)
    prescription_note = models.CharField(_("prescription note"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.GRID_WORKER)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # A keyed hash of the sender's address (public link only), to limit submissions without keeping the address.
    ip_hash = models.CharField(max_length=64, blank=True, db_index=True)
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    due_at = models.DateTimeField(_("due"))
    batch = models.ForeignKey(PurchaseBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="needs")
    stop = models.ForeignKey(DeliveryStop, null=True, blank=True, on_delete=models.SET_NULL, related_name="needs")
    created_at = models.DateTimeField(_("recorded"), db_index=True)
    met_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("household need")
        indexes = [models.Index(fields=["status", "due_at"], name="living_need_status_due"),
                   models.Index(fields=["unit", "status"], name="living_need_unit_status")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.household}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_NEED_STATUSES


OPEN_NEED_STATUSES = (Need.Status.OPEN, Need.Status.BATCHED, Need.Status.OUT)


class NeedItem(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("item"), max_length=100)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    measure = models.CharField(_("unit"), max_length=20, blank=True)

    class Meta:
        ordering = ["pk"]


# The task kinds must be registered wherever needs are read or escalated (web, jobs), not only where recorded.
from fangkong.supplies.living import kinds as _kinds  # noqa: E402, F401
