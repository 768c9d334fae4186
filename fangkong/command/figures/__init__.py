"""The dashboard's figures, one collector module per source module, all additive counts per node.

A collector is `collect(ctx) -> Counts`, where Counts maps a unit id (any level, down to the building where the
row lives) to {key: count}; the snapshot job adds every node's counts to all its ancestors down to the grid.
Ratios (coverage, on-time shares) are never stored: both their parts are, and the reader divides.

Keys are "<group>.<name>"; the group decides which capability a user needs to see the figure. A module that lands
later (supervision, supplies) adds its collector to COLLECTORS and its group to GROUP_CAPABILITY; until then its
figures are simply absent, and the pages say so.

Keys written today:
  people.persons, people.households, people.status.<ManagementStatus value>
  cases.total, cases.confirmed, cases.asymptomatic, cases.today, cases.today_controlled, cases.controlled,
  cases.imported, cases.week, cases.week_controlled, cases.late (a tracing step past its deadline, open)
  contacts.close, contacts.secondary, contacts.controlled, contacts.assist_open
  isolation.sites, isolation.rooms, isolation.rooms_free, isolation.rooms_occupied, isolation.people,
  isolation.queue, isolation.shortfall (rooms short in the 14-day forecast; on the city and districts only)
  testing.target, testing.sampled (the running round(s)), testing.positive_pools
  arrivals.today, arrivals.week, arrivals.first_contact_done, arrivals.first_contact_on_time,
  arrivals.first_contact_overdue
  tasks.open, tasks.overdue, tasks.overdue.<task kind>
  risk.high, risk.medium, risk.low (risk areas in force on the node's subtree)
  territory.grids_unstaffed (grids without a grid worker)
  supervision.open_findings, supervision.overdue_assignments, supervision.findings_today
  supplies.low_stock, supplies.requests_open (items below their days of cover, requests waiting)
  living.needs_open, living.needs_overdue, living.delivered_today (households' needs under control)
  vaccination.residents, vaccination.dose1, vaccination.full, vaccination.booster, and each per age band as
  vaccination.<measure>.<band> (0_17, 18_59, 60_79, 80_plus, unknown, 60_plus) (command.figures.vaccination)
  followup.week_due, followup.week_reached, followup.week_ended, followup.week_ended_full, followup.week_cases,
  followup.week_cases_known, followup.week_cases_timed, followup.week_cases_on_time (tracing.kpis)
  notify.queued, notify.sent, notify.delivered, notify.failed, notify.unreachable
  workforce.hours_week, workforce.uncovered, workforce.over_hours
  units.total, units.status.<open|suspended|applying>, units.in_loop, units.applications_pending, units.approved_week
  units.fever_today, units.fever_week, units.fever_sent_home, units.disinfection_open, units.disinfection_overdue
Series (NodeFigures.series, by day "YYYY-MM-DD"): onset (by onset date, or sampling date when there is none;
imported cases included), imported (by onset date), report, report_confirmed, report_asymptomatic,
report_imported and controlled (found under control) by result date; followup_<part> by day for each part of the
follow-up indicators (command.figures.followup).
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

Counts = dict[int, Counter]

GROUP_CAPABILITY = {
    "people": "people.view",
    "cases": "tracing.view",
    "contacts": "tracing.view",
    "isolation": "isolation.view",
    "testing": "testing.report",
    "arrivals": "arrivals.report",
    "tasks": "tasks.report",
    "risk": "risk.view",
    "territory": "territory.view",
    "living": "supplies.view",
    "supplies": "supplies.view",
    "supervision": "supervision.report",
    "vaccination": "vaccination.view",
    "followup": "tracing.view",
    "notify": "notify.view",
    "units": "units.view",
    # The over-hours list names people: only those who make the roster see it.
    "workforce": "workforce.change",
}

# Dotted paths, so that a missing module fails one group of figures and not the snapshot.
COLLECTORS = [
    "fangkong.command.figures.people.collect",
    "fangkong.command.figures.cases.collect",
    "fangkong.command.figures.isolation.collect",
    "fangkong.command.figures.testing.collect",
    "fangkong.command.figures.arrivals.collect",
    "fangkong.command.figures.tasks.collect",
    "fangkong.command.figures.risk.collect",
    "fangkong.command.figures.territory.collect",
    "fangkong.supplies.living.figures.collect",
    "fangkong.supplies.stock.figures.collect",
    "fangkong.supervision.figures.collect",
    "fangkong.command.figures.vaccination.collect",
    "fangkong.command.figures.followup.collect",
    "fangkong.notify.figures.collect",
    "fangkong.units.figures.collect",
    "fangkong.units.clinics.figures.collect",
    "fangkong.workforce.figures.collect",
]


def group_of(key: str) -> str:
    return key.split(".", 1)[0]


# Snapshot.errors names the collector module that failed; a group counted by another group's collector says so here.
_COLLECTOR_OF_GROUP = {"contacts": "cases"}


def collector_of(group: str) -> str:
    """The collector module (as Snapshot.errors names it) that counts a figure group."""
    return _COLLECTOR_OF_GROUP.get(group, group)


@dataclass
class Context:
    now: datetime
    today: date
    # Every unit's path by id, for collectors whose rows sit on a unit outside their own table (a site's unit).
    paths: dict[int, str] = field(default_factory=dict)
    # Series by unit id: {unit_id: {"onset": Counter({"2026-11-20": 3})}}.
    series: dict[int, dict[str, Counter]] = field(default_factory=dict)
    # Figures that are not additive and belong to one node only (set on that node, not rolled up).
    node_only: dict[int, dict] = field(default_factory=dict)


Collector = Callable[[Context], Counts]
