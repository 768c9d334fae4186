"""What went wrong today in a node: one `Problem` per thing the review meeting should look at.

Each source is a collector `collector(node=Unit, day=date, now=datetime) -> list[Problem]`, registered by name.
The built-in ones read tasks, arrivals and tracing; a module that lands later (supervision's new findings)
registers its own from its AppConfig.ready():

    from fangkong.command.review.collect import Problem, register_review_collector
    register_review_collector("supervision", supervision.review.new_findings)

Collectors read every row under the node (no user scope): the service that calls them has checked that the actor
may review the node. Each reads an aggregate or a capped list, so a city of millions stays one short query per
source; past the cap the rest is summed up in one "and N more" problem.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangkong.command.models import ReviewItem
from fangkong.core.days import day_bounds
from fangkong.core.paths import path_ids, subtree_q

logger = logging.getLogger(__name__)

# Items of one kind per run; the rest is one summary item.
MAX_PER_KIND = 100
# Task kinds another collector reports in more detail (the tracing steps, per case).
COVERED_TASK_KINDS = ("trace_core", "trace_report", "living_urgent_need", "living_need")


@dataclass
class Problem:
    kind: str  # a ReviewItem.Kind value
    source_key: str  # unique within a night: the same problem found twice is one item
    unit_id: int  # the deepest node the problem lies in (who sees it)
    title: str
    owner_id: int | None = None
    fix: str = ""


_COLLECTORS: dict[str, Callable] = {}


def register_review_collector(name: str, collector: Callable) -> None:
    """collector(node=..., day=..., now=...) -> list[Problem]; registering a name again replaces it."""
    _COLLECTORS[name] = collector


def collect_problems(*, node, day: datetime.date, now: datetime.datetime) -> list[Problem]:
    """Every registered collector's problems under `node`; one failing source is logged and skipped, so that the
    meeting still gets the rest of its pack."""
    problems: list[Problem] = []
    for name, collector in sorted(_COLLECTORS.items()):
        try:
            problems.extend(collector(node=node, day=day, now=now))
        except Exception:
            logger.exception("review collector %s failed", name)
    return problems


# --- helpers -------------------------------------------------------------------------------------------------


def common_node_id(low: str, high: str, fallback: int) -> int:
    """The deepest node whose subtree holds both paths: all paths of a group sort between its MIN and MAX, so
    their common ancestor is that of these two."""
    prefix = []
    for a, b in zip(path_ids(low or ""), path_ids(high or ""), strict=False):
        if a != b:
            break
        prefix.append(a)
    return prefix[-1] if prefix else fallback


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _user_label(user) -> str:
    return str(user) if user is not None else _("no owner")


def _users(ids) -> dict:
    from fangkong.accounts.models import User

    ids = {i for i in ids if i}
    return {u.pk: u for u in User.objects.filter(pk__in=ids)} if ids else {}


def _rest(kind: str, node, groups: int, things: int, noun: str) -> Problem:
    return Problem(kind=kind, source_key=f"{kind}:more:{node.pk}", unit_id=node.pk,
                   title=_("…and %(groups)d more, %(count)d %(noun)s in all, not listed one by one.")
                   % {"groups": groups, "count": things, "noun": noun},
                   fix=_("Go through the rest in the module's own list."))


# --- overdue tasks -------------------------------------------------------------------------------------------


def overdue_tasks(*, node, day, now) -> list[Problem]:
    """One problem per (owner, task kind): how many of their tasks are open past due, and the oldest due time."""
    from fangkong.arrivals.models import Arrival
    from fangkong.tasks.kinds import kind_label
    from fangkong.tasks.models import Task

    arrival_contact = Arrival.objects.filter(first_contact_task=OuterRef("pk"))
    rows = list(Task.objects.overdue(now).filter(subtree_q("unit__path", node.path))
                .exclude(kind__in=COVERED_TASK_KINDS).filter(~Exists(arrival_contact))
                .values("owner_id", "kind")
                .annotate(n=Count("pk"), oldest=Min("due_at"), low=Min("unit__path"), high=Max("unit__path"))
                .order_by("oldest", "owner_id", "kind"))
    listed, rest = rows[:MAX_PER_KIND], rows[MAX_PER_KIND:]
    owners = _users(row["owner_id"] for row in listed)
    problems = []
    for row in listed:
        owner = owners.get(row["owner_id"])
        title = ngettext(
            "%(owner)s: %(count)d %(kind)s task open past its due time (oldest due %(oldest)s)",
            "%(owner)s: %(count)d %(kind)s tasks open past their due time (oldest due %(oldest)s)", row["n"],
        ) % {"owner": _user_label(owner), "count": row["n"], "kind": kind_label(row["kind"]),
             "oldest": _local(row["oldest"])}
        fix = (_("Close the overdue tasks tomorrow morning; the owner reports the reason for the delay.")
               if owner else _("Name an owner for these tasks and close them tomorrow morning."))
        problems.append(Problem(
            kind=ReviewItem.Kind.OVERDUE_TASK, source_key=f"overdue_task:{row['owner_id'] or 0}:{row['kind']}"[:60],
            unit_id=common_node_id(row["low"], row["high"], node.pk), title=title, owner_id=row["owner_id"], fix=fix))
    if rest:
        problems.append(_rest(ReviewItem.Kind.OVERDUE_TASK, node, len(rest), sum(r["n"] for r in rest),
                              _("overdue tasks")))
    return problems


# --- late first contacts with arrivals -------------------------------------------------------------------------


def late_first_contacts(*, node, day, now) -> list[Problem]:
    """Per grid worker (the first-contact task's owner): arrivals still not contacted past the deadline, and
    arrivals contacted late today."""
    from fangkong.arrivals.models import Arrival
    from fangkong.tasks.models import OPEN_STATUSES, Task

    start, end = day_bounds(day)
    in_node = Arrival.objects.filter(subtree_q("destination__path", node.path), first_contact_task__isnull=False)
    open_late = Q(status=Arrival.Status.OPEN, first_contact_task__status__in=OPEN_STATUSES,
                  first_contact_task__due_at__lt=now)
    done_late = Q(first_contact_task__status=Task.Status.DONE, first_contact_task__closed_at__gte=start,
                  first_contact_task__closed_at__lt=end,
                  first_contact_task__closed_at__gt=F("first_contact_task__due_at"))
    rows = list(in_node.filter(open_late | done_late).values("first_contact_task__owner_id")
                .annotate(waiting=Count("pk", filter=open_late), late=Count("pk", filter=done_late),
                          oldest=Min("first_contact_task__due_at", filter=open_late),
                          low=Min("destination__path"), high=Max("destination__path"))
                .order_by(F("oldest").asc(nulls_last=True), "first_contact_task__owner_id"))
    listed, rest = rows[:MAX_PER_KIND], rows[MAX_PER_KIND:]
    owners = _users(row["first_contact_task__owner_id"] for row in listed)
    problems = []
    for row in listed:
        owner_id = row["first_contact_task__owner_id"]
        parts = []
        if row["waiting"]:
            parts.append(ngettext("%(count)d arrival not contacted past the deadline (oldest due %(oldest)s)",
                                  "%(count)d arrivals not contacted past the deadline (oldest due %(oldest)s)",
                                  row["waiting"]) % {"count": row["waiting"], "oldest": _local(row["oldest"])})
        if row["late"]:
            parts.append(ngettext("%(count)d contacted late today", "%(count)d contacted late today",
                                  row["late"]) % {"count": row["late"]})
        title = _("First contact with arrivals, %(owner)s: %(what)s") % {
            "owner": _user_label(owners.get(owner_id)), "what": "; ".join(parts)}
        problems.append(Problem(
            kind=ReviewItem.Kind.LATE_FIRST_CONTACT, source_key=f"late_first_contact:{owner_id or 0}",
            unit_id=common_node_id(row["low"], row["high"], node.pk), title=title, owner_id=owner_id,
            fix=_("Reach every waiting arrival by phone or visit before noon tomorrow; check the grid's "
                  "handover of new arrivals.")))
    if rest:
        problems.append(_rest(ReviewItem.Kind.LATE_FIRST_CONTACT, node, len(rest),
                              sum(r["waiting"] + r["late"] for r in rest), _("arrivals")))
    return problems


# --- cases: late investigation, found outside control ------------------------------------------------------------


def _grid_workers(cases) -> dict[int, int | None]:
    """The grid worker answering for each case's node (one lookup per distinct node)."""
    from fangkong.territory.models import Responsibility
    from fangkong.territory.selectors import responsible_for

    workers: dict[int, int | None] = {}
    for case in cases:
        if case.tracer_id is None and case.unit_id not in workers:
            found = responsible_for(unit=case.unit, role=Responsibility.Role.GRID_WORKER)
            workers[case.unit_id] = found.user_id if found is not None else None
    return workers


def late_tracing(*, node, day, now) -> list[Problem]:
    """One problem per case with a step of the investigation past the protocol's deadline and not done."""
    from fangkong.tracing.models import Case
    from fangkong.tracing.selectors import late_q

    late = Case.objects.filter(subtree_q("unit__path", node.path)).filter(late_q(now))
    cases = list(late.select_related("unit", "tracer").order_by("reported_at", "pk")[:MAX_PER_KIND + 1])
    problems = []
    for case in cases[:MAX_PER_KIND]:
        missing = [label for done, label in ((case.first_contact_at, _("first contact")),
                                             (case.core_done_at, _("core information")),
                                             (case.report_done_at, _("full report"))) if done is None]
        problems.append(Problem(
            kind=ReviewItem.Kind.LATE_TRACING, source_key=f"late_tracing:{case.pk}", unit_id=case.unit_id,
            title=_("Case %(number)s (positive %(at)s): investigation late, still missing %(steps)s")
            % {"number": case.number, "at": _local(case.reported_at), "steps": ", ".join(missing)},
            owner_id=case.tracer_id,
            fix=_("Finish the missing steps tonight; add a tracer to the case if the owner cannot.")))
    if len(cases) > MAX_PER_KIND:
        more = late.count() - MAX_PER_KIND
        problems.append(_rest(ReviewItem.Kind.LATE_TRACING, node, more, more, _("cases")))
    return problems


def outside_control(*, node, day, now) -> list[Problem]:
    """One problem per case whose positive result came today and who was not under control (社会面)."""
    from fangkong.tracing.models import Case

    start, end = day_bounds(day)
    found = Case.objects.filter(subtree_q("unit__path", node.path), under_control=False,
                                reported_at__gte=start, reported_at__lt=end)
    cases = list(found.select_related("unit").order_by("reported_at", "pk")[:MAX_PER_KIND + 1])
    workers = _grid_workers(cases[:MAX_PER_KIND])
    problems = []
    for case in cases[:MAX_PER_KIND]:
        problems.append(Problem(
            kind=ReviewItem.Kind.OUTSIDE_CONTROL, source_key=f"outside_control:{case.pk}", unit_id=case.unit_id,
            title=_("Case %(number)s was found in the community, not among people under control (%(unit)s)")
            % {"number": case.number, "unit": case.unit.name},
            owner_id=case.tracer_id or workers.get(case.unit_id),
            fix=_("Find the source of infection and widen the screening around the case's home, work and "
                  "places visited.")))
    if len(cases) > MAX_PER_KIND:
        more = found.count() - MAX_PER_KIND
        problems.append(_rest(ReviewItem.Kind.OUTSIDE_CONTROL, node, more, more, _("cases")))
    return problems


register_review_collector("arrivals.late_first_contacts", late_first_contacts)
register_review_collector("tasks.overdue", overdue_tasks)
register_review_collector("tracing.late", late_tracing)
register_review_collector("tracing.outside_control", outside_control)

