"""Scoped reads of units. Every read starts from `visible_to`, which for a unit contact is their own units only."""

from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from fangkong.accounts.scope import get_visible_or_404
from fangkong.core.paths import subtree_q
from fangkong.units.kinds import SUBJECT_TYPE
from fangkong.units.models import (
    Application,
    ClosedLoop,
    LoopEvent,
    LoopMember,
    Organisation,
    PreventionPlan,
    StaffMember,
    StaggeredShift,
    UnitChecklistItem,
    UnitKind,
)

# Management statuses that are not "under measures".
FREE_STATUSES = ("normal", "released")
ARRIVAL_CATEGORIES = ("arrival_high", "arrival_medium", "arrival_low", "inbound")


def _active_measure(person_ref: str, categories=None) -> Exists:
    from fangkong.protocols.models import Measure

    rows = Measure.objects.filter(person_id=OuterRef(person_ref), status=Measure.Status.ACTIVE)
    if categories:
        rows = rows.filter(category__in=categories)
    return Exists(rows)


# --- staff figures -----------------------------------------------------------------------------------------------

FIGURE_KEYS = ("total", "on_site", "away", "at_home", "in_dormitory", "from_risk", "under_measures")


def staff_figures(*, organisation: Organisation) -> dict[str, int]:
    """The unit's staff now (those who left excluded): where they are, how many come from risk areas (marked on
    the roster, or under an arrival measure) and how many are under measures (an active protocol measure, or a
    management status other than normal)."""
    staff = (StaffMember.objects.filter(organisation=organisation).exclude(presence=StaffMember.Presence.LEFT)
             .annotate(measured=_active_measure("person_id"), arrived=_active_measure("person_id", ARRIVAL_CATEGORIES)))
    under = Q(measured=True) | ~Q(person__status__in=FREE_STATUSES)
    figures = staff.aggregate(
        total=Count("pk"),
        on_site=Count("pk", filter=Q(presence=StaffMember.Presence.ON_SITE)),
        away=Count("pk", filter=Q(presence=StaffMember.Presence.AWAY)),
        at_home=Count("pk", filter=Q(presence=StaffMember.Presence.AT_HOME)),
        in_dormitory=Count("pk", filter=Q(in_dormitory=True)),
        from_risk=Count("pk", filter=Q(from_risk_area=True) | Q(arrived=True)),
        under_measures=Count("pk", filter=under),
    )
    return {k: figures.get(k) or 0 for k in FIGURE_KEYS}


def _overdue_checks(now) -> Subquery:
    from fangkong.tasks.models import OPEN_STATUSES, Task

    # The unit's node first: Task is indexed by (unit, status), not by subject.
    rows = (Task.objects.filter(unit_id=OuterRef("unit_id"), status__in=OPEN_STATUSES, subject_type=SUBJECT_TYPE,
                                subject_id=OuterRef("pk"), due_at__lt=now)
            .order_by().values("subject_id").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _staff_count(**filters) -> Coalesce:
    rows = (StaffMember.objects.filter(organisation_id=OuterRef("pk"), **filters)
            .order_by().values("organisation_id").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _under_measures_count() -> Coalesce:
    rows = (StaffMember.objects.filter(organisation_id=OuterRef("pk"))
            .exclude(presence=StaffMember.Presence.LEFT)
            .filter(_active_measure("person_id") | ~Q(person__status__in=FREE_STATUSES))
            .order_by().values("organisation_id").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def with_counts(rows: QuerySet, *, now=None) -> QuerySet:
    """Per unit: staff on site, away (away or at home), under measures, overdue checks, in closed loop."""
    now = now or timezone.now()
    return rows.annotate(
        staff_on_site=_staff_count(presence=StaffMember.Presence.ON_SITE),
        staff_away=_staff_count(presence__in=(StaffMember.Presence.AWAY, StaffMember.Presence.AT_HOME)),
        staff_under_measures=_under_measures_count(),
        overdue_checks=_overdue_checks(now),
        in_loop=Exists(ClosedLoop.objects.filter(organisation_id=OuterRef("pk"), status=ClosedLoop.Status.ACTIVE)),
    )


# --- organisations -----------------------------------------------------------------------------------------------

@dataclass
class UnitFilters:
    kind: str = ""
    status: str = ""
    loop: str = ""  # "yes" / "no"
    q: str = ""

    @classmethod
    def from_params(cls, params) -> "UnitFilters":
        kind = params.get("kind", "")
        status = params.get("status", "")
        loop = params.get("loop", "")
        return cls(kind=kind if kind in UnitKind.values else "",
                   status=status if status in Organisation.Status.values else "",
                   loop=loop if loop in ("yes", "no") else "", q=(params.get("q") or "").strip()[:50])


def organisation_list(*, user, node=None, filters: UnitFilters | None = None) -> QuerySet:
    filters = filters or UnitFilters()
    rows = Organisation.objects.visible_to(user).select_related("unit")
    if node is not None:
        rows = rows.filter(subtree_q("unit__path", node.path))
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.q:
        rows = rows.filter(name__icontains=filters.q)
    rows = with_counts(rows)
    if filters.loop == "yes":
        rows = rows.filter(in_loop=True)
    elif filters.loop == "no":
        rows = rows.filter(in_loop=False)
    return rows


def organisation_get(*, user, organisation_id: int, action: str = "view") -> Organisation:
    return get_visible_or_404(with_counts(Organisation.objects.select_related("unit")), user=user, action=action,
                              pk=organisation_id)


def organisation_contacts(*, organisation: Organisation) -> list:
    return list(organisation.contacts.select_related("user").order_by("pk"))


def shifts_on_node(*, user, node=None) -> QuerySet:
    """错峰: the staggered shifts of every unit on the node, by start time."""
    rows = StaggeredShift.objects.visible_to(user).select_related("organisation")
    if node is not None:
        rows = rows.filter(subtree_q("organisation__unit__path", node.path))
    return rows.order_by("starts_at", "organisation__name", "pk")


def organisation_shifts(*, organisation: Organisation) -> list[StaggeredShift]:
    return list(organisation.shifts.order_by("starts_at", "pk"))


def staff_list(*, organisation: Organisation) -> QuerySet:
    return (organisation.staff.select_related("person")
            .annotate(measured=_active_measure("person_id")).order_by("pk"))


def staff_get(*, user, organisation: Organisation, staff_id: int, action: str = "view") -> StaffMember:
    return get_visible_or_404(StaffMember.objects.filter(organisation=organisation).select_related("person"),
                              user=user, action=action, pk=staff_id)


def plans(*, organisation: Organisation) -> list[PreventionPlan]:
    return list(organisation.plans.select_related("uploaded_by"))


def plan_get(*, user, plan_id: int) -> PreventionPlan:
    return get_visible_or_404(PreventionPlan.objects.select_related("organisation__unit"), user=user, pk=plan_id)


# --- checklists and applications --------------------------------------------------------------------------------

def checklist_items(*, kind: str, active_only: bool = True) -> list[UnitChecklistItem]:
    items = UnitChecklistItem.objects.filter(kind=kind)
    if active_only:
        items = items.filter(active=True)
    return list(items.order_by("position", "pk"))


def checklist_kinds() -> list[tuple[str, str, int]]:
    counts = dict(UnitChecklistItem.objects.filter(active=True).values("kind").annotate(n=Count("pk"))
                  .values_list("kind", "n"))
    return [(value, label, counts.get(value, 0)) for value, label in UnitKind.choices]


def application_list(*, user, status: str = "", node=None) -> QuerySet:
    rows = Application.objects.visible_to(user).select_related("organisation__unit", "submitted_by")
    if status in Application.Status.values:
        rows = rows.filter(status=status)
    if node is not None:
        rows = rows.filter(subtree_q("organisation__unit__path", node.path))
    return rows


def application_get(*, user, application_id: int, action: str = "view") -> Application:
    return get_visible_or_404(
        Application.objects.select_related("organisation__unit", "submitted_by", "reviewed_by"),
        user=user, action=action, pk=application_id)


def application_answers(*, application: Application) -> list:
    return list(application.answers.all())


def application_events(*, application: Application) -> list:
    return list(application.events.select_related("actor"))


def organisation_applications(*, organisation: Organisation) -> list[Application]:
    return list(organisation.applications.select_related("submitted_by").order_by("-submitted_at", "-pk")[:20])


def answer_get(*, user, answer_id: int):
    from fangkong.units.models import ApplicationAnswer

    return get_visible_or_404(ApplicationAnswer.objects.select_related("application__organisation__unit"),
                              user=user, pk=answer_id)


# --- closed loops ------------------------------------------------------------------------------------------------

def active_loop(*, organisation: Organisation) -> ClosedLoop | None:
    return organisation.loops.filter(status=ClosedLoop.Status.ACTIVE).first()


def loop_get(*, user, loop_id: int, action: str = "view") -> ClosedLoop:
    return get_visible_or_404(ClosedLoop.objects.select_related("organisation__unit"), user=user, action=action,
                              pk=loop_id)


def loop_members(*, loop: ClosedLoop) -> list[LoopMember]:
    return list(loop.members.select_related("person", "staff").order_by("left_at", "pk"))


def loop_events(*, loop: ClosedLoop) -> list[LoopEvent]:
    return list(loop.events.select_related("person", "measure", "recorded_by"))


def overdue_checks(*, organisation: Organisation) -> list:
    from fangkong.tasks.models import OPEN_STATUSES, Task

    return list(Task.objects.filter(unit_id=organisation.unit_id, status__in=OPEN_STATUSES, subject_type=SUBJECT_TYPE,
                                    subject_id=organisation.pk, due_at__lt=timezone.now())
                .select_related("owner").order_by("due_at")[:50])


def open_checks(*, organisation: Organisation) -> list:
    from fangkong.tasks.models import OPEN_STATUSES, Task

    return list(Task.objects.filter(unit_id=organisation.unit_id, status__in=OPEN_STATUSES, subject_type=SUBJECT_TYPE,
                                    subject_id=organisation.pk)
                .select_related("owner").order_by("due_at")[:50])
