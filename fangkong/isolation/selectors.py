"""Scoped reads of centralised isolation: the placement queue, allocation proposals, occupancy, trips, and the
headline figure — hours from entering the queue to arriving in a room."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fangkong.accounts.scope import get_visible_or_404
from fangkong.core.paths import subtree_q
from fangkong.core.stats import nearest_rank
from fangkong.isolation.engine.allocation import Candidate, FreeRoom, SiteInfo, allocate
from fangkong.isolation.models import Category, Room, Site, Stay, Trip
from fangkong.isolation.services import LIVE, category_for
from fangkong.protocols.selectors import active_rules_or_defaults

QUEUE_LIMIT = 5000


@dataclass(frozen=True)
class QueueEntry:
    task_id: int
    person_id: int
    name: str
    unit_id: int
    path: str
    household_id: int | None
    address: str
    measure_id: int | None
    category: str
    queued_at: datetime.datetime
    due_at: datetime.datetime | None

    @property
    def group(self) -> str:
        return f"h{self.household_id}" if self.household_id else ""

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label)


def placement_queue(*, user, limit: int = QUEUE_LIMIT) -> list[QueueEntry]:
    """People the protocol sends to centralised isolation who have no room yet, oldest first: the open
    transfer-to-isolation tasks of the user's jurisdiction (a person not found at pickup comes back)."""
    from fangkong.protocols.models import Measure

    tasks = list(_queue_tasks(user).select_related("person__unit", "person__household")
                 .order_by("created_at", "pk")[:limit])
    measures = dict(Measure.objects.filter(pk__in=[t.subject_id for t in tasks if t.subject_type ==
                                                   "protocols.measure"]).values_list("pk", "category"))
    entries = []
    for task in tasks:
        person = task.person
        household = person.household if person.household_id else None
        entries.append(QueueEntry(
            task_id=task.pk, person_id=person.pk, name=person.name, unit_id=person.unit_id, path=person.unit.path,
            household_id=person.household_id, address=(household.address if household else person.address) or "",
            measure_id=task.subject_id if task.subject_type == "protocols.measure" else None,
            category=category_for(measures.get(task.subject_id, "")), queued_at=task.created_at,
            due_at=task.due_at))
    return entries


def _queue_tasks(user) -> QuerySet:
    from fangkong.tasks.models import OPEN_STATUSES, Task

    return (Task.objects.visible_to(user).filter(kind="transfer_to_isolation", status__in=OPEN_STATUSES,
                                                 person__isnull=False)
            .exclude(person_id__in=Stay.objects.filter(status__in=LIVE).values("person_id")))


def queue_count(*, user) -> int:
    return _queue_tasks(user).count()


def sites_for(*, user, action: str = "view") -> QuerySet:
    return Site.objects.visible_to(user, action).select_related("unit").order_by("unit__path", "name")


def site_get(*, user, site_id: int, action: str = "view") -> Site:
    return get_visible_or_404(Site.objects.select_related("unit", "doctor"), user=user, action=action, pk=site_id)


@dataclass
class Proposal:
    groups: list[tuple[list[QueueEntry], Room]]
    unplaced: list[tuple[QueueEntry, str]]


def propose(*, user, entries: list[QueueEntry]) -> Proposal:
    """Rooms for the whole queue at once (engine.allocation): categories apart, households together, nearest
    site first, each site's reserve kept. Only sites the user may place people in."""
    sites = list(sites_for(user=user, action="place").filter(active=True))
    rooms = list(Room.objects.filter(site__in=sites, status=Room.Status.AVAILABLE)
                 .values("pk", "site_id", "floor", "beds", "kind", "category"))
    living = defaultdict(set)
    for site_id, floor, category in (Stay.objects.filter(site__in=sites, status__in=LIVE)
                                     .values_list("site_id", "room__floor", "category").distinct()):
        living[site_id, floor].add(category)
    site_infos = [SiteInfo(id=s.pk, path=s.unit.path, reserve=s.reserve, category=s.category,
                           occupied_categories={floor: frozenset(c) for (sid, floor), c in living.items()
                                                if sid == s.pk})
                  for s in sites]
    candidates = [Candidate(id=e.task_id, category=e.category, group=e.group, path=e.path,
                            queued_at=e.queued_at.timestamp()) for e in entries]
    free = [FreeRoom(id=r["pk"], site=r["site_id"], floor=r["floor"], beds=r["beds"], kind=r["kind"],
                     category=r["category"]) for r in rooms]
    result = allocate(candidates, free, site_infos)
    by_task = {e.task_id: e for e in entries}
    by_room = defaultdict(list)
    for task_id, room_id in result.assignments.items():
        by_room[room_id].append(by_task[task_id])
    room_objects = Room.objects.in_bulk(list(by_room))
    groups = sorted(((members, room_objects[room_id]) for room_id, members in by_room.items()),
                    key=lambda g: min(e.queued_at for e in g[0]))
    unplaced = [(by_task[task_id], reason) for task_id, reason in result.unplaced.items()]
    return Proposal(groups=groups, unplaced=unplaced)


# --- occupancy and figures ---------------------------------------------------------------------------------------


@dataclass
class SiteOccupancy:
    site: Site
    rooms: int
    by_status: dict[str, int]
    people: int
    by_category: dict[str, int]

    @property
    def free(self) -> int:
        return self.by_status.get(Room.Status.AVAILABLE, 0)

    @property
    def category_rows(self) -> list[tuple[str, int]]:
        return [(label, self.by_category[code]) for code, label in Category.choices if self.by_category.get(code)]


def occupancy(*, user) -> list[SiteOccupancy]:
    """Per site: rooms by status and people in the site by category (two grouped queries)."""
    sites = list(sites_for(user=user))
    rooms = defaultdict(dict)
    for site_id, status, n in (Room.objects.filter(site__in=sites).values_list("site_id", "status")
                               .annotate(n=Count("pk")).order_by()):
        rooms[site_id][status] = n
    people = defaultdict(dict)
    for site_id, category, n in (Stay.objects.filter(site__in=sites, status=Stay.Status.ARRIVED)
                                 .values_list("site_id", "category").annotate(n=Count("pk")).order_by()):
        people[site_id][category] = n
    return [SiteOccupancy(site=s, rooms=sum(rooms[s.pk].values()), by_status=rooms[s.pk],
                          people=sum(people[s.pk].values()), by_category=people[s.pk]) for s in sites]


@dataclass
class DayFigure:
    day: datetime.date
    arrived: int
    median_hours: float | None
    p90_hours: float | None
    still_waiting: int


def queue_to_room(*, user, days: int = 14, now: datetime.datetime | None = None) -> list[DayFigure]:
    """The headline figure: hours from entering the queue to arriving in a room, per day of arrival (median and
    90th percentile, nearest rank), with how many who entered the queue that day are still waiting."""
    now = now or timezone.now()
    since = timezone.localtime(now).date() - datetime.timedelta(days=days - 1)
    hours = defaultdict(list)
    for day, seconds in (Stay.objects.visible_to(user).filter(arrived_on__gte=since)
                         .values_list("arrived_on", "wait_seconds")):
        hours[day].append(seconds / 3600)
    from django.db.models.functions import TruncDate

    tz = timezone.get_current_timezone()
    waiting = defaultdict(int)
    for day, n in (_queue_tasks(user).annotate(day=TruncDate("created_at", tzinfo=tz)).values_list("day")
                   .annotate(n=Count("pk")).order_by()):
        waiting[day] += n
    for day, n in (Stay.objects.visible_to(user).filter(status__in=(Stay.Status.PLACED, Stay.Status.IN_TRANSFER))
                   .annotate(day=TruncDate("queued_at", tzinfo=tz)).values_list("day").annotate(n=Count("pk"))
                   .order_by()):
        waiting[day] += n
    rows = []
    for offset in range(days):
        day = since + datetime.timedelta(days=offset)
        values = hours.get(day, [])
        rows.append(DayFigure(day, len(values), nearest_rank(values, 0.5), nearest_rank(values, 0.9),
                              waiting.get(day, 0)))
    return list(reversed(rows))


def site_rooms(*, site: Site) -> dict[int, list[Room]]:
    """The site's rooms by floor, with their live stays (for the floor plan)."""
    rooms = list(site.rooms.order_by("floor", "number"))
    live = defaultdict(list)
    for stay in (Stay.objects.filter(site=site, status__in=LIVE).select_related("person")
                 .order_by("room_id", "pk")):
        live[stay.room_id].append(stay)
    floors = defaultdict(list)
    for room in rooms:
        room.live_stays = live.get(room.pk, [])
        floors[room.floor].append(room)
    return dict(sorted(floors.items()))


def stays_waiting_for_trip(*, user, site: Site) -> list[Stay]:
    return list(Stay.objects.visible_to(user).filter(site=site, status=Stay.Status.PLACED, trip__isnull=True)
                .select_related("person__household", "room").order_by("placed_at", "pk"))


def trip_get(*, user, trip_id: int) -> Trip:
    """A trip: its driver sees it wherever they are scoped; otherwise the site's jurisdiction."""
    trip = Trip.objects.select_related("site__unit").filter(pk=trip_id).first()
    if trip is not None and (trip.driver_id == user.pk or Trip.objects.visible_to(user).filter(pk=trip_id).exists()):
        return trip
    from django.http import Http404

    raise Http404


def trip_stops(*, trip: Trip) -> list[Stay]:
    return list(trip.stays.select_related("person__household", "room").order_by("pickup_order", "pk"))


def trips_for(*, user, open_only: bool = True) -> QuerySet:
    trips = Trip.objects.filter(Q(pk__in=Trip.objects.visible_to(user).values("pk")) | Q(driver=user))
    if open_only:
        trips = trips.exclude(status=Trip.Status.DONE)
    return trips.select_related("site").annotate(people=Count("stays")).order_by("-created_at")


def arrived_on_floor(*, site: Site, floor: int) -> list[Stay]:
    return list(Stay.objects.filter(site=site, room__floor=floor, status=Stay.Status.ARRIVED)
                .select_related("person", "room").order_by("room__number", "pk"))


def due_for_release(*, user, day: datetime.date) -> list[Stay]:
    """People in the sites whose centralised stage ends by the end of `day` (the stage-end task due then)."""
    from fangkong.protocols.services import MEASURE_SUBJECT
    from fangkong.tasks.models import OPEN_STATUSES, Task

    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0)))
    stays = list(Stay.objects.visible_to(user).filter(status=Stay.Status.ARRIVED, measure__isnull=False)
                 .select_related("person", "room", "site", "measure"))
    due = {}
    for subject_id, due_at in (Task.objects.filter(subject_type=MEASURE_SUBJECT, kind="measure_stage_end",
                                                   subject_id__in=[s.measure_id for s in stays],
                                                   status__in=OPEN_STATUSES)
                               .order_by("due_at").values_list("subject_id", "due_at")):
        due.setdefault(subject_id, due_at)
    tests = defaultdict(lambda: [0, 0])
    for subject_id, status in Task.objects.filter(subject_type=MEASURE_SUBJECT,
                                                  subject_id__in=[s.measure_id for s in stays],
                                                  kind="measure_test").values_list("subject_id", "status"):
        tests[subject_id][0] += 1
        tests[subject_id][1] += status == "done"
    from fangkong.testing.selectors import single_tube_results

    results = single_tube_results(person_ids=[s.person_id for s in stays])
    chosen = []
    for stay in stays:
        due_at = due.get(stay.measure_id)
        if due_at is not None and due_at <= end:
            stay.release_due_at = due_at
            stay.tests_planned, stay.tests_done = tests[stay.measure_id]
            stay.results = [r for r in results.get(stay.person_id, []) if r[0] >= stay.queued_at][:5]
            chosen.append(stay)
    return sorted(chosen, key=lambda s: (s.release_due_at, s.site.name, s.room.number))


def reserve_by_district(*, user) -> list[dict]:
    """The reserve standard per district: rooms (not out of service) against rooms per 10,000 residents. Residents
    come from the node tallies the worker keeps (a live count under a district is a million rows at city scale);
    a district not tallied yet is counted live."""
    from fangkong.people.models import Person
    from fangkong.territory.models import Level, Unit, UnitTally

    standard = _rooms_per_10000()
    districts = list(Unit.objects.visible_to(user).filter(level=Level.DISTRICT).order_by("path"))
    tallies = dict(UnitTally.objects.filter(unit__in=districts).values_list("unit_id", "persons"))
    rooms = defaultdict(int)
    for path, n in (Room.objects.exclude(status=Room.Status.OUT_OF_SERVICE).values_list("site__unit__path")
                    .annotate(n=Count("pk")).order_by()):
        rooms[path] += n
    rows = []
    for district in districts:
        residents = tallies.get(district.pk)
        if residents is None:
            residents = Person.objects.filter(subtree_q("unit__path", district.path), merged_into__isnull=True).count()
        held = sum(n for path, n in rooms.items() if path.startswith(district.path))
        needed = -(-residents * standard // 10_000)
        rows.append({"district": district, "residents": residents, "rooms": held, "needed": needed,
                     "meets": held >= needed})
    return rows


def _rooms_per_10000() -> int:
    """The reserve standard (NHC, Sept 2021: 20 rooms per 10,000 residents) unless the active rule set says."""
    return int(active_rules_or_defaults().extra.get("isolation_rooms_per_10000", 20))


def categories() -> list[tuple[str, str]]:
    return list(Category.choices)


def capacity_forecast(*, user, days: int = 14, now: datetime.datetime | None = None):
    """engine.forecast from what is known now: free rooms and the queue in the user's sites, the stage ends of the
    people in them, new cases and contacts per case of the last days (tracing), and the protocol's close-contact
    plan (its centralised days, and whether it is centralised at all)."""
    return capacity_forecast_for(sites=sites_for(user=user), queue=queue_count(user=user),
                                 path=user.scope_path or "/", days=days, now=now)


def capacity_forecast_of_node(*, unit, days: int = 14, now: datetime.datetime | None = None):
    """The same forecast for a node's sites and queue, for the command centre's snapshot (no user)."""
    from fangkong.tasks.models import OPEN_STATUSES, Task

    queue = (Task.objects.filter(subtree_q("unit__path", unit.path), kind="transfer_to_isolation",
                                 status__in=OPEN_STATUSES, person__isnull=False)
             .exclude(person_id__in=Stay.objects.filter(status__in=LIVE).values("person_id")).count())
    return capacity_forecast_for(sites=Site.objects.filter(subtree_q("unit__path", unit.path)), queue=queue,
                                 path=unit.path, days=days, now=now)


def capacity_forecast_for(*, sites, queue: int, path: str, days: int = 14, now: datetime.datetime | None = None):
    from fangkong.isolation.engine.forecast import forecast
    from fangkong.protocols.services import MEASURE_SUBJECT
    from fangkong.tasks.models import OPEN_STATUSES, Task
    from fangkong.tracing.selectors import recent_rates

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    sites = sites.filter(active=True)
    free = Room.objects.filter(site__in=sites, status=Room.Status.AVAILABLE).count()
    measures = list(Stay.objects.filter(site__in=sites, status=Stay.Status.ARRIVED, measure__isnull=False)
                    .values_list("measure_id", flat=True))
    releases = defaultdict(int)
    seen = set()
    for subject_id, due_at in (Task.objects.filter(subject_type=MEASURE_SUBJECT, subject_id__in=measures,
                                                   kind="measure_stage_end", status__in=OPEN_STATUSES)
                               .order_by("due_at").values_list("subject_id", "due_at")):
        if subject_id not in seen:
            seen.add(subject_id)
            # A stage ending at midnight: the person leaves during the day before.
            releases[timezone.localtime(due_at - datetime.timedelta(seconds=1)).date()] += 1
    plan = active_rules_or_defaults().plans.get("close_contact")
    central = plan is not None and plan.stages[0].status == "central_isolation"
    stay_days = plan.stages[0].days if central else 7
    cases_per_day, contacts_per_case = recent_rates(path=path, now=now)
    return forecast(today=today, days=days, free_rooms=free, queue=queue,
                    releases=dict(releases), new_cases_per_day=cases_per_day, contacts_per_case=contacts_per_case,
                    central_share=1.0 if central else 0.0, stay_days=stay_days)


def overview_alerts(*, user, root):
    """The HQ's warning before rooms run out: the first day someone would wait without a room, and how many."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from fangkong.accounts.roles import has_capability
    from fangkong.core.alerts import Alert

    if not has_capability(user, "isolation.report"):
        return []
    result = capacity_forecast(user=user)
    if result.first_shortfall is None:
        return []
    text = _("Isolation rooms run out on %(day)s: %(n)d people without a room at the worst.") % {
        "day": result.first_shortfall.isoformat(), "n": result.peak_shortfall}
    return [Alert("isolation.shortfall", text, reverse("isolation:index") + "#forecast", result.peak_shortfall)]
