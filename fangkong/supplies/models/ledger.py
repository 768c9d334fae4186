"""The stock ledger (物资保障): items, places (warehouses and points of use), an append-only ledger of movements with a
balance row per place and item kept in the same transaction, requests from points of use, and donations (捐款捐物).

Quantities are Decimal with two places (most items count in whole units, some in kilograms or litres). A balance is
never negative: the database refuses it, and the services refuse any movement that would take it there.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.scope import ScopedQuerySet

__all__ = ["ItemCategory", "ItemUnit", "Item", "Place", "Movement", "Balance", "SupplyRequest", "SupplyRequestLine",
           "Donation", "DonationAllocation", "DonationSequence", "LedgerAppendOnly", "ledger_rewrite"]

QUANTITY = {"max_digits": 14, "decimal_places": 2}


class ItemCategory(models.TextChoices):
    PROTECTIVE = "protective", _("Protective equipment")
    DISINFECTION = "disinfection", _("Disinfection")
    TESTING = "testing", _("Testing")
    LIVING = "living", _("Daily necessities")
    MEDICINE = "medicine", _("Medicine")


class ItemUnit(models.TextChoices):
    PIECE = "piece", _("piece (件)")
    BOX = "box", _("box (箱)")
    EACH = "each", _("each (只)")
    BOTTLE = "bottle", _("bottle (瓶)")
    TEST = "test", _("test (人份)")
    PACK = "pack", _("pack (包)")
    BAG = "bag", _("bag (袋)")
    SET = "set", _("set (套)")
    KILOGRAM = "kg", _("kilogram")
    LITRE = "litre", _("litre")


class Item(models.Model):
    """A city-wide catalogue entry (the HQ keeps it): every place counts the same N95 in the same unit."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=16, choices=ItemCategory.choices)
    unit = models.CharField(_("unit"), max_length=10, choices=ItemUnit.choices)
    spec = models.CharField(_("specification"), max_length=100, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("item")
        ordering = ["category", "name"]

    def __str__(self):
        return self.name


class Place(models.Model):
    """Where stock is kept: a warehouse, or a point of use (a checkpoint, an isolation site, a sampling point)."""

    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("Warehouse")
        CHECKPOINT = "checkpoint", _("Checkpoint")
        ISOLATION_SITE = "isolation_site", _("Isolation site")
        SAMPLING_POINT = "sampling_point", _("Sampling point")
        OTHER = "other", _("Other point of use")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    unit = models.ForeignKey("territory.Unit", verbose_name=_("jurisdiction node"), on_delete=models.PROTECT,
                             related_name="+")
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The checkpoint id, isolation site code or sampling point code this place stands for ("" for a warehouse).
    source_code = models.CharField(_("stands for (code)"), max_length=40, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("place")
        indexes = [models.Index(fields=["kind", "active"])]

    def __str__(self):
        return self.name

    @property
    def is_warehouse(self) -> bool:
        return self.kind == self.Kind.WAREHOUSE


class LedgerAppendOnly(RuntimeError):
    """A ledger line was about to be changed or deleted."""


_rewriting = ContextVar("supplies_ledger_rewrite", default=False)


@contextmanager
def ledger_rewrite():
    """The one way to change or delete ledger lines: wiping a demo city, or dating its generated week back. Nothing
    that serves a real city uses it; a real mistake is corrected by a further entry."""
    token = _rewriting.set(True)
    try:
        yield
    finally:
        _rewriting.reset(token)


def _refuse(what: str) -> None:
    if not _rewriting.get():
        raise LedgerAppendOnly(f"The stock ledger is append-only: a movement is never {what}; record a further "
                               "entry (a loss or a stocktake adjustment) instead.")


class MovementQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        _refuse("changed")
        return super().update(**kwargs)

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None):
        _refuse("changed")  # before its atomic block, which a refusal inside would leave broken
        return super().bulk_update(objs, fields, batch_size=batch_size)

    bulk_update.alters_data = True

    def delete(self):
        _refuse("deleted")
        return super().delete()

    delete.alters_data = True

    def link_transfer(self, out: "Movement", into: "Movement") -> None:
        """A transfer's two lines name each other: set once, just after both were appended, in their transaction."""
        for line, other in ((out, into), (into, out)):
            linked = super(MovementQuerySet, self.filter(pk=line.pk, pair__isnull=True)).update(pair=other)
            if linked != 1:
                raise LedgerAppendOnly("This movement is already part of a transfer.")
            line.pair = other


class Movement(models.Model):
    """One line of the ledger, never changed or deleted: a mistake is corrected by a further entry. save() appends
    and refuses an existing line; delete() and the queryset's update() and delete() refuse (LedgerAppendOnly)."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        ISSUE = "issue", _("Issue")
        CONSUMPTION = "consumption", _("Consumption")
        LOSS = "loss", _("Loss")
        ADJUSTMENT = "adjustment", _("Stocktake adjustment")

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="movements")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # Signed: receipts and transfers in add, the rest take away; an adjustment goes either way.
    delta = models.DecimalField(_("quantity"), **QUANTITY)
    balance_after = models.DecimalField(_("balance after"), **QUANTITY)
    # The other place of a transfer or an issue; the supplier or the donor of a receipt is in `source`.
    counterpart = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("to / from"))
    pair = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("from (supplier, donor)"), max_length=100, blank=True)
    request = models.ForeignKey("supplies.SupplyRequest", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="movements")
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = MovementQuerySet.as_manager()
    scope_path_lookup = "place__unit__path"

    class Meta:
        verbose_name = _("stock movement")
        # (place, id): a place's ledger pages by id; (place, item, at): the week's use per item.
        indexes = [models.Index(fields=["place", "id"]), models.Index(fields=["place", "item", "at"]),
                   models.Index(fields=["kind", "at"])]
        constraints = [models.CheckConstraint(condition=Q(balance_after__gte=0),
                                              name="supplies_movement_balance_not_negative")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.item_id} {self.delta}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            _refuse("changed")
        else:
            # A new line given the pk of an existing one fails on insert instead of overwriting that line.
            kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse("deleted")
        return super().delete(*args, **kwargs)


class Balance(models.Model):
    """What a place holds of an item now: the sum of its ledger, kept in the movement's transaction and locked
    (select_for_update) by every movement that takes stock away."""

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="balances")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("in stock"), default=0, **QUANTITY)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "place__unit__path"

    class Meta:
        verbose_name = _("stock balance")
        constraints = [
            models.UniqueConstraint(fields=["place", "item"], name="supplies_balance_once"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="supplies_balance_not_negative"),
        ]


class SupplyRequest(models.Model):
    """A point of use asks for items (申领); approved, maybe in part, then issued from a warehouse and received."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for approval")
        APPROVED = "approved", _("Approved, to be issued")
        REJECTED = "rejected", _("Rejected")
        ISSUED = "issued", _("Issued, on the way")
        RECEIVED = "received", _("Received")

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="requests",
                              verbose_name=_("point of use"))
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decision_note = models.CharField(_("note on the decision"), max_length=300, blank=True)
    warehouse = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("issued from"))
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    receipt_note = models.CharField(_("note on receipt"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "place__unit__path"

    class Meta:
        verbose_name = _("supply request")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.place.name} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.APPROVED, self.Status.ISSUED)


class SupplyRequestLine(models.Model):
    request = models.ForeignKey(SupplyRequest, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    requested = models.DecimalField(_("asked for"), **QUANTITY)
    approved = models.DecimalField(_("approved"), null=True, blank=True, **QUANTITY)
    issued = models.DecimalField(_("issued"), null=True, blank=True, **QUANTITY)
    received = models.DecimalField(_("received"), null=True, blank=True, **QUANTITY)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "item"], name="supplies_request_item_once")]


class DonationSequence(models.Model):
    """The last receipt number of a year (捐〔2026〕0001…), taken under a row lock."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Donation(models.Model):
    """A donation of money or goods (捐款捐物), with its receipt number; goods enter a warehouse's ledger."""

    class DonorKind(models.TextChoices):
        COMPANY = "company", _("Company or organisation")
        INDIVIDUAL = "individual", _("Individual")
        ANONYMOUS = "anonymous", _("Anonymous")

    class Kind(models.TextChoices):
        MONEY = "money", _("Money")
        GOODS = "goods", _("Goods")

    number = models.CharField(_("receipt number"), max_length=20, unique=True)
    year = models.PositiveSmallIntegerField()
    donor_kind = models.CharField(_("donor"), max_length=12, choices=DonorKind.choices)
    donor_name = models.CharField(_("donor's name"), max_length=100, blank=True)
    donor_contact = models.CharField(_("donor's contact"), max_length=100, blank=True)
    # An individual's name is published only with their consent; a company's always is.
    named_publicly = models.BooleanField(_("agreed to be named in the disclosure"), default=False)
    kind = models.CharField(_("money or goods"), max_length=6, choices=Kind.choices)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True)
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), null=True, blank=True, **QUANTITY)
    warehouse = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("received into"))
    movement = models.OneToOneField(Movement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The node that received the donation (the warehouse's node for goods).
    unit = models.ForeignKey("territory.Unit", verbose_name=_("received by (node)"), on_delete=models.PROTECT,
                             related_name="+")
    purpose = models.CharField(_("donor's wish"), max_length=200, blank=True)
    received_on = models.DateField(_("received on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("donation")
        indexes = [models.Index(fields=["received_on"])]
        constraints = [
            models.CheckConstraint(name="supplies_donation_money_or_goods", condition=(
                Q(kind="money", amount__gt=0, item__isnull=True)
                | Q(kind="goods", amount__isnull=True, item__isnull=False, quantity__gt=0))),
        ]

    def __str__(self):
        return self.number


class DonationAllocation(models.Model):
    """Where donated money went: an amount for a purpose, to a recipient."""

    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    purpose = models.CharField(_("purpose"), max_length=200)
    recipient = models.CharField(_("paid to"), max_length=100)
    allocated_on = models.DateField(_("on"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "donation__unit__path"

    class Meta:
        verbose_name = _("donation allocation")
        indexes = [models.Index(fields=["allocated_on"])]
