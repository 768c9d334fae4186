"""Scoped reads of mass testing. Every read starts from visible_to; coverage reads the counters, never samples."""

import datetime
import math
import re
import statistics
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from fangkong.accounts.scope import get_visible_or_404
from fangkong.core.paths import is_within, path_ids, subtree_q
from fangkong.territory.models import Level, Responsibility, Unit
from fangkong.testing.models import (
    Coverage,
    Handover,
    Lab,
    PositiveCase,
    Recall,
    RecallMember,
    Result,
    Round,
    Sample,
    SamplingPoint,
    Tube,
    ancestor_paths,
)

# --- rounds ----------------------------------------------------------------------------------------------------


def round_list(*, user) -> QuerySet:
    return Round.objects.visible_to(user).select_related("unit").order_by("-starts_at", "-pk")


def round_get(*, user, round_id: int, action: str = "view") -> Round:
    return get_visible_or_404(Round.objects.select_related("unit"), user=user, action=action, pk=round_id)


def round_by_code(*, user, code: str, action: str = "view") -> Round:
    return get_visible_or_404(Round.objects.select_related("unit"), user=user, action=action, code=code)


def rounds_running(*, user) -> QuerySet:
    return round_list(user=user).filter(status=Round.Status.RUNNING)


# --- coverage --------------------------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    unit: Unit
    target: int
    sampled: int

    @property
    def missing(self) -> int:
        return max(0, self.target - self.sampled)

    @property
    def percent(self) -> float | None:
        return round(self.sampled * 100 / self.target, 1) if self.target else None


@dataclass
class CoverageView:
    node: Unit
    total: CoverageRow
    rows: list[CoverageRow] = field(default_factory=list)
    is_cells: bool = False  # the rows are cells: the next step is the list of people not yet sampled


def coverage_root(*, user, round_: Round) -> Unit:
    """Where the user's view of a round starts: the round's node, or the user's own when it lies below."""
    if is_within(user.scope_path, round_.unit.path):
        return Unit.objects.get(path=user.scope_path)
    return round_.unit


def coverage(*, user, round_: Round, node: Unit) -> CoverageView:
    """Sampled / target for `node` and each of its children, summed from the cells' counters (a 10-million round
    has one row per grid). The node must be inside the user's scope."""
    if not is_within(node.path, user.scope_path):
        raise Http404
    cells = Coverage.objects.visible_to(user, "view").filter(round=round_).filter(subtree_q("path", node.path))
    depth = len(path_ids(node.path))
    by_child: dict[int, list[int]] = {}
    total_target = total_sampled = 0
    for path, target, sampled in cells.values_list("path", "target", "sampled").iterator(chunk_size=5000):
        total_target += target
        total_sampled += sampled
        ids = path_ids(path)
        if len(ids) > depth:
            counts = by_child.setdefault(ids[depth], [0, 0])
            counts[0] += target
            counts[1] += sampled
    children = Unit.objects.in_bulk(list(by_child))
    rows = sorted((CoverageRow(children[pk], t, s) for pk, (t, s) in by_child.items() if pk in children),
                  key=lambda r: (-(r.missing), r.unit.code))
    is_cells = bool(rows) and all(r.unit.level >= Level.GRID for r in rows)
    return CoverageView(node=node, total=CoverageRow(node, total_target, total_sampled), rows=rows, is_cells=is_cells)


def _target_persons(round_: Round, node: Unit) -> QuerySet:
    from fangkong.people.models import Person

    base = Person.objects.filter(merged_into__isnull=True, anonymised_at__isnull=True)
    condition = None
    for path in round_.nodes.values_list("path", flat=True):
        if is_within(node.path, path):
            condition = subtree_q("unit__path", node.path)
            break
        if is_within(path, node.path):
            q = subtree_q("unit__path", path)
            condition = q if condition is None else condition | q
    extras = round_.extras.filter(subtree_q("person__unit__path", node.path)).values("person_id")
    people = base.filter(condition) if condition is not None else base.none()
    return people | base.filter(pk__in=extras)


def unsampled_people(*, user, round_: Round, node: Unit) -> QuerySet:
    """Target people under `node` the round has not sampled, ordered by building and door (keyset on pk)."""
    from fangkong.people.models import Person

    if not is_within(node.path, user.scope_path):
        raise Http404
    sampled = Sample.objects.filter(round=round_, person=OuterRef("pk"))
    visible = Person.objects.visible_to(user).filter(subtree_q("unit__path", node.path))
    return (visible.filter(pk__in=_target_persons(round_, node).values("pk"))
            .exclude(Exists(sampled)).select_related("unit", "household").order_by("pk"))


def unsampled_by_building(*, round_: Round, node: Unit) -> list[tuple[int, int]]:
    """[(building id, people not sampled)] under `node`, for the sweep that gives each building one task."""
    from django.db.models import Count

    from fangkong.people.models import Person

    sampled = Sample.objects.filter(round=round_, person=OuterRef("pk"))
    people = Person.objects.filter(pk__in=_target_persons(round_, node).values("pk")).exclude(Exists(sampled))
    return list(people.values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n").order_by("unit_id"))


def grid_workers(units) -> dict[int, Responsibility | None]:
    """{unit id: the grid worker answerable for it} for a page of rows."""
    from fangkong.territory.selectors import responsible_for

    found = {}
    for unit in units:
        if unit.pk not in found:
            found[unit.pk] = responsible_for(unit=unit, role=Responsibility.Role.GRID_WORKER)
    return found


# --- sampling points -------------------------------------------------------------------------------------------


def point_list(*, user) -> QuerySet:
    return SamplingPoint.objects.visible_to(user).select_related("unit").order_by("unit__path", "name")


def point_get(*, user, point_id: int, action: str = "view") -> SamplingPoint:
    return get_visible_or_404(SamplingPoint.objects.select_related("unit"), user=user, action=action, pk=point_id)


def is_open(point: SamplingPoint, now: datetime.datetime | None = None) -> bool:
    local = timezone.localtime(now or timezone.now()).time()
    if point.opens_at < point.closes_at:
        return point.opens_at <= local < point.closes_at
    return local >= point.opens_at or local < point.closes_at  # open past midnight


def _distance_km(lat1, lon1, lat2, lon2) -> float:
    lat1, lon1, lat2, lon2 = (math.radians(float(v)) for v in (lat1, lon1, lat2, lon2))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))


@dataclass
class PublicPoint:
    point: SamplingPoint
    open_now: bool
    distance_km: float | None


def public_points(*, latitude=None, longitude=None, node: Unit | None = None, now=None,
                  limit: int = 20) -> list[PublicPoint]:
    """For residents, no sign-in: active points (nearest first when a location is given), open ones first. Only
    what a notice board would show: name, address, hours, queue."""
    points = SamplingPoint.objects.filter(active=True).select_related("unit")
    if node is not None:
        points = points.filter(subtree_q("unit__path", node.path))
    rows = []
    for point in points[:5000]:
        distance = None
        if latitude is not None and point.latitude is not None:
            distance = _distance_km(latitude, longitude, point.latitude, point.longitude)
        rows.append(PublicPoint(point, is_open(point, now), distance))
    rows.sort(key=lambda r: (not r.open_now, r.distance_km if r.distance_km is not None else 1e9, r.point.name))
    return rows[:limit]


# --- tubes, labs, handovers ------------------------------------------------------------------------------------


def tube_get(*, user, code: str, action: str = "view") -> Tube:
    return get_visible_or_404(Tube.objects.select_related("round", "point", "lab", "unit"), user=user, action=action,
                              code=code)


def tube_samples(*, tube: Tube) -> QuerySet:
    return tube.samples.order_by("sampled_at", "pk")


def open_tubes(*, user, point: SamplingPoint) -> QuerySet:
    return (Tube.objects.visible_to(user, "sample").filter(point=point, status=Tube.Status.OPEN)
            .select_related("round").order_by("-opened_at"))


def closed_tubes_at(*, user, point: SamplingPoint) -> QuerySet:
    """Closed tubes waiting to be handed to a lab."""
    return (Tube.objects.visible_to(user, "sample").filter(point=point, status=Tube.Status.CLOSED,
                                                           handover__isnull=True).order_by("closed_at"))


def labs_of(*, user) -> QuerySet:
    return Lab.objects.filter(staff__user=user, active=True).order_by("name")


def lab_choices(*, user) -> QuerySet:
    """Labs a sampler may send tubes to: every active lab (labs serve the whole city)."""
    return Lab.objects.filter(active=True).order_by("name")


def handover_list(*, user) -> QuerySet:
    if user.role == "lab":
        return Handover.objects.filter(lab__staff__user=user).select_related("lab", "point").order_by("-sent_at")
    return Handover.objects.visible_to(user).select_related("lab", "point").order_by("-sent_at")


def handover_get(*, user, handover_id: int) -> Handover:
    try:
        return handover_list(user=user).get(pk=handover_id)
    except Handover.DoesNotExist:
        raise Http404 from None


def lab_tubes(*, user, status: str | None = None) -> QuerySet:
    tubes = Tube.objects.visible_to(user).select_related("round", "point", "lab")
    if status:
        tubes = tubes.filter(status=status)
    return tubes.order_by("-pk")


# --- positives, recalls ----------------------------------------------------------------------------------------


def recall_list(*, user, round_: Round | None = None, open_only: bool = False) -> QuerySet:
    recalls = Recall.objects.visible_to(user).select_related("tube__point", "round").order_by("-created_at")
    if round_ is not None:
        recalls = recalls.filter(round=round_)
    if open_only:
        recalls = recalls.filter(closed_at__isnull=True)
    return recalls


def recall_members(*, user, recall: Recall) -> QuerySet:
    return (RecallMember.objects.visible_to(user).filter(recall=recall)
            .select_related("person__household", "person__unit", "sample", "task__owner", "recheck_tube"))


def positive_cases(*, user) -> QuerySet:
    return PositiveCase.objects.visible_to(user).select_related("person", "tube", "unit").order_by("-reported_at")


RECALL_COLUMNS = ["id_number", "name", "phone", "household_address", "grid", "tube_code", "reason"]


def recall_rows(*, user, round_: Round):
    """The people to recall in a round, one per person: the list a district prints at 2 a.m. Full values: callers
    log the export (accounts.services.access_log_record). Two queries and a join over the positive tubes' members.
    """
    yield from _recall_rows(Sample.objects.visible_to(user), round_)


def _recall_rows(samples: QuerySet, round_: Round):
    """One query for the members with their household's address (a LEFT JOIN: someone not on file has none), one
    for the grids' names; no list of 10,000 ids sent back to the database."""
    members = (samples.filter(round=round_, tube__result__in=[Result.POSITIVE, Result.INVALID])
               .values_list("id_number", "name", "phone", "unit__path", "unit__name", "tube__code", "tube__result",
                            "person__household__address", "person__address").order_by("tube__code", "pk"))
    rows = list(members)
    grid_names = _grid_names({r[3] for r in rows})
    reasons = {value: label for value, label in Result.choices}
    for id_number, name, phone, unit_path, unit_name, code, result, household_address, address in rows:
        yield {"id_number": id_number, "name": name, "phone": phone,
               "household_address": household_address or address or unit_name,
               "grid": grid_names.get(unit_path, ""), "tube_code": code, "reason": reasons[result]}


def _grid_names(paths: set[str]) -> dict[str, str]:
    """{unit path: the name of its coverage cell (the grid)}."""
    from fangkong.testing.services import cells_for_paths

    cells = cells_for_paths(paths)
    names = dict(Unit.objects.filter(pk__in=set(cells.values())).values_list("pk", "name"))
    return {path: names.get(cell, "") for path, cell in cells.items()}


# --- turnaround ------------------------------------------------------------------------------------------------


@dataclass
class Turnaround:
    label: str
    tubes: int
    to_receipt_median: float | None
    to_receipt_p90: float | None
    to_result_median: float | None
    to_result_p90: float | None
    late: int = 0


def _quantiles(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    if len(values) == 1:
        return round(values[0], 1), round(values[0], 1)
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    return round(statistics.median(values), 1), round(deciles[8], 1)


def turnaround(*, user, round_: Round, by: str = "lab", now=None) -> list[Turnaround]:
    """Hours from closing a tube to the lab's receipt and to the result, median and 90th percentile, per lab or
    per sampling point; `late` counts tubes past the protocol's result deadline without a result."""
    from fangkong.testing.services import active_rules

    now = now or timezone.now()
    deadline = datetime.timedelta(hours=active_rules().round_result_hours)
    key = "lab__name" if by == "lab" else "point__name"
    groups: dict[str, dict] = {}
    tubes = (Tube.objects.visible_to(user).filter(round=round_, closed_at__isnull=False)
             .values_list(key, "closed_at", "received_at", "tested_at"))
    for label, closed, received, tested in tubes.iterator(chunk_size=5000):
        group = groups.setdefault(label or "—", {"n": 0, "receipt": [], "result": [], "late": 0})
        group["n"] += 1
        if received:
            group["receipt"].append((received - closed).total_seconds() / 3600)
        if tested:
            group["result"].append((tested - closed).total_seconds() / 3600)
        elif now - closed > deadline:
            group["late"] += 1
    out = []
    for label, group in sorted(groups.items()):
        out.append(Turnaround(label, group["n"], *_quantiles(group["receipt"]), *_quantiles(group["result"]),
                              late=group["late"]))
    return out


def late_tubes(*, user, round_: Round, now=None) -> QuerySet:
    """Tubes closed longer ago than the protocol's result deadline and still without a result."""
    from fangkong.testing.services import active_rules

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=active_rules().round_result_hours)
    return (Tube.objects.visible_to(user).filter(round=round_, result="", closed_at__lt=cutoff)
            .select_related("point", "lab").order_by("closed_at"))


def round_figures(*, user, round_: Round) -> dict:
    """Tubes by status, samples in them, and positive / invalid tubes, within the user's scope."""
    tubes = Tube.objects.visible_to(user).filter(round=round_)
    figures = {status: 0 for status in Tube.Status.values}
    samples = 0
    for status, n, size in (tubes.values("status").annotate(n=Count("pk"), size=Sum("size"))
                            .values_list("status", "n", "size").order_by()):
        figures[status] = n
        samples += size or 0
    figures["samples"] = samples
    figures["positive"] = tubes.filter(result=Result.POSITIVE).count()
    figures["invalid"] = tubes.filter(result=Result.INVALID).count()
    return figures


# --- risk ----------------------------------------------------------------------------------------------------


def risk_criteria(area, now):
    """For risk's downgrade proposals: the last positive in the area's node, and the last day a closed round that
    covered it came back all negative with every tube resulted. None outside our own nodes."""
    unit = getattr(area, "unit", None)
    if unit is None:
        return None
    last_case = (PositiveCase.objects.filter(subtree_q("unit__path", unit.path)).order_by("-sampled_at")
                 .values_list("sampled_at", flat=True).first())
    negative_round = None
    covering = (Round.objects.filter(status=Round.Status.CLOSED, nodes__path__in=ancestor_paths(unit.path))
                .order_by("-ends_at").distinct())
    for round_ in covering[:10]:
        samples = Sample.objects.filter(round=round_).filter(subtree_q("unit__path", unit.path))
        if not samples.exists():
            continue
        if samples.exclude(tube__result=Result.NEGATIVE).exists():
            continue
        negative_round = timezone.localtime(round_.ends_at).date()
        break
    return {"last_infection_at": last_case, "negative_round_completed_on": negative_round}


# --- HQ and officer pages --------------------------------------------------------------------------------------


def round_node_choices(*, user, limit: int = 500) -> list[Unit]:
    """Nodes a round may cover (district to grid) inside the user's scope, in tree order."""
    return unit_choices(user=user, min_level=Level.DISTRICT, limit=limit)


def node_in_scope(*, user, node_id) -> Unit:
    """A territory node inside the user's scope (a drill-down's ?node=), else 404."""
    try:
        pk = int(node_id)
    except (TypeError, ValueError):
        raise Http404 from None
    unit = Unit.objects.visible_to(user).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def node_breadcrumb(*, user, node: Unit, root: Unit) -> list[Unit]:
    """The nodes from the user's coverage root down to `node`, both included."""
    ids = path_ids(node.path)
    start = len(path_ids(root.path)) - 1
    units = Unit.objects.in_bulk(ids[start:])
    return [units[i] for i in ids[start:] if i in units]


def round_overview(*, user, rounds) -> dict[int, dict]:
    """{round id: {target, sampled, positive}} within the user's scope, for the rounds of one list page: two
    queries over the counters and the tubes, whatever the number of rounds."""
    ids = [r.pk for r in rounds]
    out = {pk: {"target": 0, "sampled": 0, "positive": 0} for pk in ids}
    for round_id, target, sampled in (Coverage.objects.visible_to(user).filter(round_id__in=ids).values("round_id")
                                      .annotate(t=Sum("target"), s=Sum("sampled"))
                                      .values_list("round_id", "t", "s").order_by()):
        out[round_id]["target"], out[round_id]["sampled"] = target or 0, sampled or 0
    for round_id, n in (Tube.objects.visible_to(user).filter(round_id__in=ids, result=Result.POSITIVE)
                        .values("round_id").annotate(n=Count("pk")).values_list("round_id", "n").order_by()):
        out[round_id]["positive"] = n
    for row in out.values():
        row["percent"] = round(row["sampled"] * 100 / row["target"], 1) if row["target"] else None
    return out


def recall_get(*, user, recall_id: int) -> Recall:
    return get_visible_or_404(Recall.objects.select_related("tube__point", "tube__lab", "round", "unit"),
                              user=user, pk=recall_id)


def lab_list(*, user) -> QuerySet:
    return (Lab.objects.visible_to(user).select_related("unit").annotate(staff_count=Count("staff"))
            .order_by("unit__path", "name"))


def lab_get(*, user, lab_id: int, action: str = "view") -> Lab:
    return get_visible_or_404(Lab.objects.select_related("unit"), user=user, action=action, pk=lab_id)


def lab_staff_names(*, labs) -> dict[int, list[str]]:
    from fangkong.testing.models import LabStaff

    names: dict[int, list[str]] = {}
    for lab_id, username in (LabStaff.objects.filter(lab__in=list(labs)).order_by("user__username")
                             .values_list("lab_id", "user__username")):
        names.setdefault(lab_id, []).append(username)
    return names


def lab_user_choices() -> QuerySet:
    """Lab accounts a lab may take on as staff: labs serve the whole city, so any active lab account."""
    from fangkong.accounts.models import User

    return User.objects.filter(role="lab", is_active=True).order_by("username")


def unit_choices(*, user, min_level: int = Level.CITY, max_level: int = Level.GRID, limit: int = 500) -> list[Unit]:
    """Nodes inside the user's scope a round, a point or a lab may be attached to, in tree order: whole levels from
    the top while they fit in `limit` (a city's HQ gets its districts and streets, not the first district's grids),
    so that no district is cut off the list. Deeper nodes are chosen by code (`units_by_codes`)."""
    nodes = Unit.objects.visible_to(user).filter(level__gte=min_level, level__lte=max_level)
    counts = dict(nodes.values("level").annotate(n=Count("pk")).values_list("level", "n").order_by())
    deepest, total = None, 0
    for level in sorted(counts):
        if total + counts[level] > limit:
            break
        deepest, total = level, total + counts[level]
    if deepest is None:
        return list(nodes.order_by("level", "path")[:limit])
    return list(nodes.filter(level__lte=deepest).order_by("path"))


def units_by_codes(*, user, codes: str, min_level: int = Level.DISTRICT) -> tuple[list[Unit], list[str]]:
    """(nodes inside the user's scope with these codes, the codes not found there) from "141002001, 141002002"."""
    wanted = [c for c in re.split(r"[\s,，;；]+", codes or "") if c]
    found = {u.code: u for u in Unit.objects.visible_to(user).filter(code__in=wanted, level__gte=min_level)}
    return [found[c] for c in wanted if c in found], [c for c in wanted if c not in found]


# --- the person's page -----------------------------------------------------------------------------------------


def person_samples(*, user, person) -> list[Sample] | None:
    """The person's samples (rounds and re-checks) with their tubes' results, newest first; None without
    testing.view (the panel is left out)."""
    from fangkong.accounts.roles import has_capability

    if not has_capability(user, "testing.view"):
        return None
    return list(Sample.objects.visible_to(user).filter(person=person)
                .select_related("tube__point", "round").order_by("-sampled_at")[:50])


def person_panel(*, user, person) -> dict | None:
    samples = person_samples(user=user, person=person)
    return None if samples is None else {"samples": samples}


# --- API, recall command, sweep -------------------------------------------------------------------------------


def recall_rows_all(round_: Round):
    """recall_rows for the system itself (`fangkong testing recall`): every member of the round's positive and
    invalid pools, as the HQ would see them. The caller logs the export."""
    yield from _recall_rows(Sample.objects.all(), round_)


def tube_is_open_at(*, code: str, round_: Round, point: SamplingPoint) -> bool:
    """Whether scanning `code` continues a tube already open at this point (the round and point already scoped)."""
    code = "".join((code or "").split())
    return Tube.objects.filter(code=code, round=round_, point=point, status=Tube.Status.OPEN).exists()


def recall_list_counted(*, user, round_: Round | None = None, open_only: bool = False) -> QuerySet:
    """recall_list with each recall's members and those still awaiting a re-check result."""
    from django.db.models import Q

    done = [RecallMember.Outcome.NEGATIVE, RecallMember.Outcome.POSITIVE]
    return (recall_list(user=user, round_=round_, open_only=open_only)
            .annotate(members_count=Count("members", distinct=True),
                      pending_count=Count("members", filter=~Q(members__outcome__in=done), distinct=True)))


def running_rounds_due_for_sweep(*, started_before) -> QuerySet:
    """The system's sweep (testing.jobs): running rounds that started before `started_before`."""
    return (Round.objects.filter(status=Round.Status.RUNNING, starts_at__lte=started_before)
            .select_related("unit").order_by("pk"))


def round_may_manage(*, user, round_: Round) -> bool:
    """Whether the user may change this round (a street officer sees the city's round but may not manage it)."""
    return Round.objects.visible_to(user, "manage").filter(pk=round_.pk).exists()


# --- the command overview --------------------------------------------------------------------------------------


def overview_alerts(*, user, root):
    """A positive or invalid pool whose members are not all re-checked yet, under the overview's node."""
    from django.urls import reverse
    from django.utils.translation import ngettext

    from fangkong.core.alerts import Alert

    open_recalls = recall_list(user=user, open_only=True).filter(subtree_q("unit__path", root.path))
    positive = open_recalls.filter(reason=Result.POSITIVE).count()
    if not positive:
        return []
    text = ngettext("%(count)d positive pool: its members are being re-checked at home.",
                    "%(count)d positive pools: their members are being re-checked at home.", positive)
    return [Alert("testing.open_recalls", text % {"count": positive}, reverse("testing:index"), positive)]


# --- field pages: samplers, labs, the public page ----------------------------------------------------------


def sampling_points_for(*, user, limit: int = 300) -> list[SamplingPoint]:
    """Active points where the user may sample, in tree order."""
    return list(SamplingPoint.objects.visible_to(user, "sample").filter(active=True).select_related("unit")
                .order_by("unit__path", "name")[:limit])


def rounds_at_point(*, user, point: SamplingPoint) -> list[Round]:
    """Running rounds visible to the user, those covering the point's node first (the page's default choice)."""
    rounds = list(rounds_running(user=user).prefetch_related("nodes"))

    def covers(round_: Round) -> bool:
        return any(is_within(point.unit.path, n.path) or is_within(n.path, point.unit.path) for n in round_.nodes.all())

    return sorted(rounds, key=lambda r: not covers(r))


def tube_sample_get(*, tube: Tube, sample_id: int) -> Sample:
    """A sample of this tube (the tube was read through the user's scope), else 404."""
    try:
        return tube.samples.get(pk=sample_id)
    except Sample.DoesNotExist:
        raise Http404 from None


def handover_tubes(*, handover: Handover) -> QuerySet:
    return handover.tubes.select_related("point").order_by("code")


def handover_missing(*, handover: Handover) -> QuerySet:
    """Tubes of a received batch that never arrived at the lab (none while the batch is on its way)."""
    if handover.status == Handover.Status.SENT:
        return Tube.objects.none()
    return handover.tubes.filter(received_at__isnull=True).select_related("point").order_by("code")


def lab_alerts(*, user, limit: int = 50) -> list[Tube]:
    """The latest positive and invalid tubes the user may see (for a lab user: its labs' own)."""
    return list(Tube.objects.visible_to(user).filter(result__in=[Result.POSITIVE, Result.INVALID])
                .select_related("round", "point", "lab").order_by("-result_recorded_at", "-pk")[:limit])


def public_point_areas() -> list[Unit]:
    """Streets and communities that have at least one active sampling point, in tree order: the public filter."""
    paths = set(SamplingPoint.objects.filter(active=True).values_list("unit__path", flat=True)[:5000])
    ids = {i for path in paths for i in path_ids(path)}
    return list(Unit.objects.filter(pk__in=ids, level__in=[Level.STREET, Level.COMMUNITY]).order_by("path"))


def public_area_get(*, area_id: int | None) -> Unit | None:
    """The street or community the public page filters on, or None (an unknown id filters nothing)."""
    if area_id is None:
        return None
    return Unit.objects.filter(pk=area_id, level__in=[Level.STREET, Level.COMMUNITY]).first()


def single_tube_results(*, person_ids) -> dict[int, list[tuple]]:
    """{person id: [(sampled at, result, Ct ORF1ab), …]} of their single-tube tests (test days, re-checks), newest
    first: what an isolation site's release list shows. The caller has scoped the people."""
    found: dict[int, list[tuple]] = {}
    for person_id, sampled_at, result, ct in (
            Sample.objects.filter(person_id__in=list(person_ids), tube__size=1)
            .order_by("person_id", "-sampled_at").values_list("person_id", "sampled_at", "tube__result",
                                                              "tube__ct_orf1ab")):
        found.setdefault(person_id, []).append((sampled_at, result, ct))
    return found
