"""Scoped reads of living support. Needs carry health data (medicine, prescriptions, special care), so they are
read through a living-support capability, never through `supplies.view` (which every point of use holds to see
its stock): `supplies.need` (grid workers and the offices that record and oversee them), `supplies.purchase` (the
supplies office buying them) or `supplies.deliver` (its delivery teams). Households are found inside the user's
scope, never by id alone."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404

from fangkong.accounts.roles import Role, has_capability
from fangkong.accounts.scope import get_visible_or_404
from fangkong.core.masking import mask_address, mask_name, mask_phone
from fangkong.core.paths import is_within, subtree_q
from fangkong.people.models import Household, ManagementStatus, Person
from fangkong.risk.models import RiskArea, RiskLevel
from fangkong.supplies.models.living import (
    DeliveryRound,
    DeliveryStop,
    HouseholdLink,
    Need,
    NeedItem,
    PurchaseBatch,
)

READ_ACTIONS = ("need", "purchase", "deliver")


def read_action(user) -> str | None:
    """The living-support capability a user reads needs, batches and rounds through, or None."""
    for action in READ_ACTIONS:
        if has_capability(user, f"supplies.{action}"):
            return action
    return None


def may_read_prescription(user) -> bool:
    """Who records a need or buys the medicine reads the prescription; who only carries it to the door does not."""
    return has_capability(user, "supplies.need") or has_capability(user, "supplies.purchase")


def needs_for(*, user, status: str = "", node=None, kind: str = "", overdue_before=None) -> QuerySet:
    action = read_action(user)
    if action is None:
        return Need.objects.none()
    qs = Need.objects.visible_to(user, action).select_related("household__unit", "unit", "task")
    if status == "open":
        qs = qs.filter(status__in=(Need.Status.OPEN, Need.Status.BATCHED, Need.Status.OUT))
    elif status:
        qs = qs.filter(status=status)
    if node is not None:
        qs = qs.filter(subtree_q("unit__path", node.path))
    if kind:
        qs = qs.filter(kind=kind)
    if overdue_before is not None:
        qs = qs.filter(due_at__lt=overdue_before, status__in=(Need.Status.OPEN, Need.Status.BATCHED, Need.Status.OUT))
    return qs


def need_get(*, user, need_id: int) -> Need:
    action = read_action(user)
    if action is None:
        raise Http404
    return get_visible_or_404(Need.objects.select_related("household__unit", "unit", "task", "batch", "stop__round"),
                              user=user, action=action, pk=need_id)


def household_for_need(*, user, household_id: int) -> Household:
    """A household the user may record needs for: `supplies.need` and the household's building in scope."""
    if not has_capability(user, "supplies.need") or not getattr(user, "scope_path", None):
        raise Http404
    household = (Household.objects.select_related("unit").filter(pk=household_id)
                 .filter(subtree_q("unit__path", user.scope_path)).first())
    if household is None:
        raise Http404
    return household


def controlled_households(*, user) -> QuerySet:
    """Households in the user's scope with a member under home isolation, or inside a sealed area."""
    if not has_capability(user, "supplies.need") or not getattr(user, "scope_path", None):
        return Household.objects.none()
    scope = user.scope_path
    isolated = Person.objects.filter(household=OuterRef("pk"), merged_into__isnull=True,
                                     status=ManagementStatus.HOME_ISOLATION)
    sealed = Q()
    for path in (RiskArea.objects.active().filter(level=RiskLevel.HIGH, unit__isnull=False)
                 .values_list("unit__path", flat=True)):
        if is_within(scope, path):
            # A sealed area over the whole scope: every household in it.
            return Household.objects.filter(subtree_q("unit__path", scope)).select_related("unit")
        if is_within(path, scope):
            sealed |= subtree_q("unit__path", path)
    condition = Exists(isolated) | sealed if sealed else Exists(isolated)
    return Household.objects.filter(subtree_q("unit__path", scope)).filter(condition).select_related("unit")


def household_needs(*, household: Household) -> QuerySet:
    return (Need.objects.filter(household=household).select_related("stop__round", "task")
            .prefetch_related("items").order_by("-created_at", "-pk"))


def active_link(*, household: Household) -> HouseholdLink | None:
    return HouseholdLink.objects.filter(household=household, active=True).order_by("-pk").first()


def link_by_token(*, token: str) -> HouseholdLink:
    link = (HouseholdLink.objects.select_related("household__unit").filter(token=token, active=True).first()
            if token else None)
    if link is None:
        raise Http404
    return link


# --- batches and rounds -------------------------------------------------------------------------------------------


def batches_for(*, user) -> QuerySet:
    action = read_action(user)
    if action is None:
        return PurchaseBatch.objects.none()
    return (PurchaseBatch.objects.visible_to(user, action).select_related("unit")
            .annotate(needs_count=Count("needs", distinct=True),
                      households_count=Count("needs__household", distinct=True)))


def batch_get(*, user, batch_id: int) -> PurchaseBatch:
    action = read_action(user)
    if action is None:
        raise Http404
    return get_visible_or_404(PurchaseBatch.objects.select_related("unit"), user=user, action=action, pk=batch_id)


@dataclass
class PurchaseLine:
    name: str
    measure: str
    quantity: Decimal
    households: int


def purchase_list(*, batch: PurchaseBatch) -> list[PurchaseLine]:
    """The batch's items summed per item and unit of measure: what to buy."""
    rows = (NeedItem.objects.filter(need__batch=batch).values("name", "measure")
            .annotate(total=Sum("quantity"), households=Count("need__household", distinct=True))
            .order_by("name", "measure"))
    return [PurchaseLine(name=r["name"], measure=r["measure"], quantity=r["total"], households=r["households"])
            for r in rows]


def rounds_for(*, user) -> QuerySet:
    action = read_action(user)
    if action is None:
        return DeliveryRound.objects.none()
    return (DeliveryRound.objects.visible_to(user, action).select_related("unit", "batch")
            .annotate(stops_count=Count("stops", distinct=True),
                      pending=Count("stops", filter=Q(stops__status=DeliveryStop.Status.PENDING), distinct=True)))


def round_get(*, user, delivery_id: int) -> DeliveryRound:
    action = read_action(user)
    if action is None:
        raise Http404
    return get_visible_or_404(DeliveryRound.objects.select_related("unit", "batch"), user=user, action=action,
                              pk=delivery_id)


def round_stops(*, delivery: DeliveryRound) -> list[DeliveryStop]:
    return list(delivery.stops.select_related("household__unit", "delivered_by").prefetch_related("needs__items"))


def stop_photo_get(*, user, stop_id: int) -> DeliveryStop:
    """A delivery stop's photo, for whoever may read the household's needs (the same scope and capability)."""
    action = read_action(user)
    if action is None:
        raise Http404
    stop = get_visible_or_404(DeliveryStop.objects.select_related("household__unit"), user=user, action=action,
                              pk=stop_id)
    if not stop.photo:
        raise Http404
    return stop


# --- masking --------------------------------------------------------------------------------------------------------


def is_grid_worker_of(user, household: Household) -> bool:
    """A grid worker's scope is their grid: the households under it are theirs."""
    return bool(getattr(user, "role", None) == Role.GRID_WORKER and getattr(user, "scope_path", None)
                and is_within(household.unit.path, user.scope_path))


def sees_personal_data(user, household: Household, delivery: DeliveryRound | None = None) -> bool:
    if is_grid_worker_of(user, household):
        return True
    return delivery is not None and delivery.members.filter(pk=user.pk).exists()


@dataclass
class Shown:
    name: str
    phone: str
    address: str


def shown_contact(user, need_or_stop_household: Household, *, name: str, phone: str,
                  delivery: DeliveryRound | None = None, clear: bool | None = None) -> Shown:
    if clear is None:
        clear = sees_personal_data(user, need_or_stop_household, delivery)
    address = need_or_stop_household.address or str(need_or_stop_household)
    if clear:
        return Shown(name=name, phone=phone, address=address)
    return Shown(name=mask_name(name), phone=mask_phone(phone), address=mask_address(address))
