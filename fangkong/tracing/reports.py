"""Read-side figures of epidemiological investigation: how fast each case was traced (against the protocol's
hours), per day, and what a case's report (流调报告) shows.

Every step is measured in hours from the positive result (`Case.reported_at`). A step is done in time, done late,
pending (not done, deadline not yet reached) or overdue (not done, deadline passed). "Contacts under control" has
nothing to wait for when the core information is complete and no close contact on file was found: state "none".
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.paths import path_ids, subtree_q
from fangkong.core.stats import nearest_rank
from fangkong.tracing.models import Case, Contact

IN_TIME, LATE, PENDING, OVERDUE, NONE = "in_time", "late", "pending", "overdue", "none"
STATE_LABELS = {IN_TIME: _("Done in time"), LATE: _("Done late"), PENDING: _("Pending"), OVERDUE: _("Overdue"),
                NONE: _("No close contact")}
# Without a transfer deadline in the close-contact plan, contacts are to be under control within this many hours.
DEFAULT_CONTROL_HOURS = 12


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    field: str  # the Case field holding when the step was done


STEPS = (
    Step("first_contact", _("First contact with the case"), "first_contact_at"),
    Step("core", _("Core information"), "core_done_at"),
    Step("report", _("Full report"), "report_done_at"),
    Step("contacts", _("Close contacts under control"), "contacts_controlled_at"),
)


def step_deadlines(rules) -> dict[str, int]:
    plan = (getattr(rules, "plans", None) or {}).get(Contact.Category.CLOSE)
    control = getattr(plan, "transfer_hours", None) or DEFAULT_CONTROL_HOURS
    return {"first_contact": rules.trace_first_contact_hours, "core": rules.trace_core_hours,
            "report": rules.trace_report_hours, "contacts": control}


@dataclass(frozen=True)
class StepTime:
    key: str
    label: str
    deadline_hours: int
    done_at: datetime.datetime | None
    hours: float | None  # from the positive result to the step (None while not done)
    state: str
    due_at: datetime.datetime

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def _hours(start: datetime.datetime, end: datetime.datetime) -> float:
    return (end - start).total_seconds() / 3600


def _state(*, reported_at, done_at, deadline: int, now, nothing_to_wait_for: bool = False) -> tuple[float | None, str]:
    if done_at is not None:
        hours = _hours(reported_at, done_at)
        return hours, IN_TIME if hours <= deadline else LATE
    if nothing_to_wait_for:
        return None, NONE
    return None, OVERDUE if _hours(reported_at, now) > deadline else PENDING


def _no_close_contacts(core_done_at, close_on_file: int) -> bool:
    return core_done_at is not None and not close_on_file


def _close_on_file(case: Case) -> int:
    return Contact.objects.filter(case=case, category=Contact.Category.CLOSE, person__isnull=False).count()


def case_timeliness(case: Case, rules, *, now: datetime.datetime | None = None) -> list[StepTime]:
    """The four steps of one case against the rule set's deadlines."""
    now = now or timezone.now()
    deadlines = step_deadlines(rules)
    rows = []
    for step in STEPS:
        done_at = getattr(case, step.field)
        idle = step.key == "contacts" and done_at is None and _no_close_contacts(case.core_done_at,
                                                                                 _close_on_file(case))
        hours, state = _state(reported_at=case.reported_at, done_at=done_at, deadline=deadlines[step.key], now=now,
                              nothing_to_wait_for=idle)
        rows.append(StepTime(step.key, str(step.label), deadlines[step.key], done_at, hours, state,
                             case.reported_at + datetime.timedelta(hours=deadlines[step.key])))
    return rows


# --- per day -----------------------------------------------------------------------------------------------------


@dataclass
class StepDay:
    median: float | None = None
    p90: float | None = None
    in_time: int = 0
    late: int = 0
    overdue: int = 0  # not done, past the deadline
    pending: int = 0
    hours: list[float] = field(default_factory=list, repr=False)


@dataclass
class DayRow:
    day: datetime.date
    cases: int = 0
    steps: dict[str, StepDay] = field(default_factory=dict)

    @property
    def step_list(self) -> list[tuple[Step, StepDay]]:
        return [(step, self.steps[step.key]) for step in STEPS]


def timeliness_by_day(user, days: int = 14, node=None, *, rules=None,
                      now: datetime.datetime | None = None) -> list[DayRow]:
    """Per local date of the positive result (the last `days` days, newest first): how many cases, and per step
    the median and 90th percentile (nearest rank) of the hours to it, and how many were done in time, late, or are
    still open past the deadline. Only cases the user may see (under `node` when given)."""
    from fangkong.tracing.services import active_rules

    now = now or timezone.now()
    rules = rules or active_rules()
    deadlines = step_deadlines(rules)
    today = timezone.localtime(now).date()
    first_day = today - datetime.timedelta(days=max(1, days) - 1)
    since = timezone.make_aware(datetime.datetime.combine(first_day, datetime.time(0)))
    cases = Case.objects.visible_to(user).filter(reported_at__gte=since)
    if node is not None:
        cases = cases.filter(subtree_q("unit__path", node.path))
    rows = (cases.annotate(close_on_file=Count("contacts", filter=Q(contacts__category=Contact.Category.CLOSE,
                                                                      contacts__person__isnull=False)))
            .values("reported_at", "close_on_file", *(step.field for step in STEPS)))
    by_day: dict[datetime.date, DayRow] = {}
    for row in rows:
        day = timezone.localtime(row["reported_at"]).date()
        out = by_day.setdefault(day, DayRow(day, steps={step.key: StepDay() for step in STEPS}))
        out.cases += 1
        for step in STEPS:
            idle = step.key == "contacts" and _no_close_contacts(row["core_done_at"], row["close_on_file"])
            hours, state = _state(reported_at=row["reported_at"], done_at=row[step.field],
                                  deadline=deadlines[step.key], now=now, nothing_to_wait_for=idle)
            figures = out.steps[step.key]
            if hours is not None:
                figures.hours.append(hours)
            if state in (IN_TIME, LATE, OVERDUE, PENDING):
                setattr(figures, state, getattr(figures, state) + 1)
    for out in by_day.values():
        for figures in out.steps.values():
            figures.median = nearest_rank(figures.hours, 0.5)
            figures.p90 = nearest_rank(figures.hours, 0.9)
    return [by_day[day] for day in sorted(by_day, reverse=True)]


# --- the case report ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime | None
    end: datetime.datetime | None
    kind: str  # "visit" or "exposure"
    kind_label: str
    title: str
    detail: str


def case_timeline(case: Case) -> list[TimelineEntry]:
    """The itinerary and the exposures in time order; exposures without a time come last."""
    entries = [TimelineEntry(v.start, v.end, "visit", v.get_kind_display(), v.name,
                             " · ".join(x for x in (v.address, v.place_code, v.note) if x))
               for v in case.visits.all()]
    entries += [TimelineEntry(e.at, None, "exposure", e.get_kind_display(), e.description,
                              e.source_case.number if e.source_case_id else "")
                for e in case.exposures.select_related("source_case")]
    far = timezone.make_aware(datetime.datetime.max - datetime.timedelta(days=2))
    return sorted(entries, key=lambda e: (e.at is None, e.at or far, e.kind))


@dataclass(frozen=True)
class ReportContact:
    """One contact as the report shows it: everything when the viewer may see the person; only the district,
    category and control status otherwise."""

    visible: bool
    category: str
    status: str
    status_label: str
    district: str
    name: str = ""
    person_id: int | None = None
    place: str = ""
    reason: str = ""
    exposure_at: datetime.datetime | None = None
    via: str = ""
    is_assist: bool = False


def districts_of(units) -> dict[int, str]:
    """unit pk → the name of its district (the unit itself when it is a district or above)."""
    from fangkong.territory.models import Level, Unit

    ancestors = {u.pk: path_ids(u.path) for u in units}
    wanted = {pk for ids in ancestors.values() for pk in ids}
    districts = dict(Unit.objects.filter(pk__in=wanted, level=Level.DISTRICT).values_list("pk", "name"))
    out = {}
    for unit in units:
        names = [districts[pk] for pk in ancestors[unit.pk] if pk in districts]
        out[unit.pk] = names[0] if names else unit.name
    return out


def report_contacts(*, user, case: Case) -> list[tuple[str, str, list[ReportContact]]]:
    """The case's contacts grouped by category: [(category, label, rows)], in the model's order of categories."""
    from fangkong.tracing.selectors import case_contacts

    rows = case_contacts(user=user, case=case)
    districts = districts_of({row.contact.unit.pk: row.contact.unit for row in rows if row.contact.unit_id}.values())
    grouped: dict[str, list[ReportContact]] = {c: [] for c in Contact.Category.values}
    for row in rows:
        contact = row.contact
        district = districts.get(contact.unit_id, row.place)
        common = {"category": contact.category, "status": contact.status,
                  "status_label": contact.get_status_display(), "district": district}
        if not row.visible:
            grouped[contact.category].append(ReportContact(visible=False, **common))
            continue
        assist = getattr(contact, "assist", None) if contact.person_id is None else None
        via = contact.via
        via_name = ""
        if via is not None:
            via_name = via.person.name if via.person_id else getattr(getattr(via, "assist", None), "name", "")
        grouped[contact.category].append(ReportContact(
            visible=True, name=contact.person.name if contact.person_id else (assist.name if assist else ""),
            person_id=contact.person_id, place=row.place, reason=contact.reason, exposure_at=contact.exposure_at,
            via=via_name, is_assist=contact.person_id is None, **common))
    return [(c, str(label), grouped[c]) for c, label in Contact.Category.choices if grouped[c]]


def report_context(case: Case, user, *, now: datetime.datetime | None = None) -> dict:
    """Everything the case report (page and PDF) shows."""
    from fangkong.core.masking import mask_id_number, mask_phone
    from fangkong.tracing.selectors import case_links, contact_counts
    from fangkong.tracing.services import active_rules

    person = case.person
    return {
        "case": case,
        "person": person,
        "id_masked": mask_id_number(person.id_number),
        "phone_masked": mask_phone(person.phone),
        "timeline": case_timeline(case),
        "contact_groups": report_contacts(user=user, case=case),
        "contact_counts": contact_counts(case=case),
        "links": case_links(case=case),
        "timeliness": case_timeliness(case, active_rules(), now=now),
        "generated_at": now or timezone.now(),
    }
