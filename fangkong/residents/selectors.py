"""Reads for the resident's own pages (bounded by the signed-in person and their household, never by a staff
scope) and for staff (scoped through the person by visible_to)."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from fangkong.accounts.roles import has_capability
from fangkong.core.paths import path_ids
from fangkong.people.models import Person
from fangkong.protocols.models import Measure
from fangkong.residents.eligibility import checks_in, dependents_of
from fangkong.residents.models import CheckIn
from fangkong.territory.models import Level, Responsibility, Unit
from fangkong.territory.selectors import responsible_for

PANEL_DAYS = 14


# --- the resident's side ------------------------------------------------------------------------------------------


def dependent_get(*, reporter: Person, person_id: int) -> Person:
    """A household member the signed-in person may check in for; anyone else is a 404."""
    found = next((p for p in dependents_of(reporter) if p.pk == person_id), None)
    if found is None:
        raise Http404
    return found


@dataclass
class TestResult:
    round_name: str
    sampled_at: datetime.datetime
    result: str  # "" while waiting
    result_label: str
    pooled: bool


def test_results(*, person: Person, limit: int = 20) -> list[TestResult]:
    """The person's samples, newest first, with their tube's result (the testing app's rows, read only)."""
    from fangkong.testing.models import Result, Sample

    rows = []
    samples = (Sample.objects.filter(person=person).select_related("round", "tube")
               .order_by("-sampled_at", "-pk")[:limit])
    for sample in samples:
        tube = sample.tube
        result = tube.result or ""
        rows.append(TestResult(
            round_name=sample.round.name if sample.round_id else str(tube.get_purpose_display()),
            sampled_at=sample.sampled_at, result=result,
            result_label=str(Result(result).label) if result else "",
            pooled=tube.capacity > 1))
    return rows


def measures(*, person: Person) -> QuerySet:
    """Running and past measures with the rule set that governs each."""
    return (Measure.objects.filter(person=person).exclude(status=Measure.Status.NOT_REQUIRED)
            .select_related("version__rule_set").order_by("-started_at", "-pk"))


@dataclass
class Contact:
    role: str
    name: str
    phone: str


def _street_of(unit: Unit) -> Unit | None:
    return Unit.objects.filter(pk__in=path_ids(unit.path), level=Level.STREET).first()


def contacts(*, person: Person) -> list[Contact]:
    """Whom to call: the grid worker of the person's household, the street's hotline, and the street office's
    responsible person."""
    found = []
    grid = responsible_for(unit=person.unit, role=Responsibility.Role.GRID_WORKER, household=person.household)
    if grid is not None:
        found.append(Contact("grid_worker", grid.name, grid.phone))
    street = _street_of(person.unit)
    if street is not None and street.hotline:
        found.append(Contact("hotline", street.name, street.hotline))
    if street is not None:
        office = (Responsibility.objects.filter(unit=street, household__isnull=True,
                                                role__in=(Responsibility.Role.LIAISON_CADRE,
                                                          Responsibility.Role.AREA_LEADER))
                  .order_by("role", "-since", "-pk").first())  # liaison cadre first: the one who answers calls
        if office is not None:
            found.append(Contact("street", f"{street.name} · {office.name}", office.phone))
    return found


def recent_checkins(*, person: Person, days: int = 7) -> QuerySet:
    since = timezone.localdate() - datetime.timedelta(days=days - 1)
    return (CheckIn.objects.filter(person=person, day__gte=since).select_related("reported_by")
            .order_by("-day", "-slot"))


def needs_link(*, person: Person) -> str | None:
    """The household's own needs page (supplies' living link), when the grid worker has made one."""
    from django.urls import reverse

    from fangkong.supplies.models import HouseholdLink

    if person.household_id is None:
        return None
    link = HouseholdLink.objects.filter(household_id=person.household_id, active=True).order_by("-pk").first()
    return reverse("supplies:living_public", kwargs={"token": link.token}) if link is not None else None


def arrival_link(*, person: Person) -> str | None:
    """The arrival self-report of the nearest node above the person that has a community link."""
    from django.urls import reverse

    from fangkong.arrivals.models import ReportLink

    ids = path_ids(person.unit.path)
    depth = {unit_id: n for n, unit_id in enumerate(ids)}
    links = ReportLink.objects.filter(unit_id__in=ids, checkpoint__isnull=True, active=True)
    link = max(links, key=lambda item: (depth[item.unit_id], item.pk), default=None)
    return reverse("arrivals:self_report", kwargs={"token": link.token}) if link is not None else None


@dataclass
class ToReport:
    """Someone the signed-in person checks in for today: themselves or a dependent."""

    person: Person
    is_self: bool
    done: list[CheckIn]


@dataclass
class Dashboard:
    person: Person
    checks_in: bool
    to_report: list[ToReport]
    results: list[TestResult]
    measures: list[Measure]
    contacts: list[Contact]
    checkins: list[CheckIn]
    needs_url: str | None
    arrival_url: str | None
    notices: list = ()


# The newest notices in force for the resident's node on their page; the rest are on the node's public list.
NOTICES_SHOWN = 5


def notices(*, person: Person) -> list:
    from fangkong.notices.selectors import notices_for_node

    return list(notices_for_node(person.unit)[:NOTICES_SHOWN])


def dashboard(*, person: Person) -> Dashboard:
    today = timezone.localdate()
    people = ([person] if checks_in(person) else []) + dependents_of(person)
    done = {}
    for checkin in CheckIn.objects.filter(person__in=people, day=today).order_by("slot"):
        done.setdefault(checkin.person_id, []).append(checkin)
    return Dashboard(
        person=person, checks_in=checks_in(person),
        to_report=[ToReport(p, p.pk == person.pk, done.get(p.pk, [])) for p in people],
        results=test_results(person=person), measures=list(measures(person=person)),
        contacts=contacts(person=person), checkins=list(recent_checkins(person=person)),
        needs_url=needs_link(person=person), arrival_url=arrival_link(person=person),
        notices=notices(person=person))


# --- staff ---------------------------------------------------------------------------------------------------------


def person_checkins(*, user, person: Person, days: int = PANEL_DAYS) -> QuerySet:
    since = timezone.localdate() - datetime.timedelta(days=days - 1)
    return (CheckIn.objects.visible_to(user).filter(person=person, day__gte=since)
            .select_related("reported_by", "alert_task").order_by("-day", "-slot"))


def person_panel(*, user, person: Person) -> dict | None:
    """The "Check-ins" panel of a person's page: the last 14 days, proxy reports marked."""
    if not has_capability(user, "residents.view"):
        return None
    checkins = list(person_checkins(user=user, person=person))
    if not checkins and not checks_in(person):
        return None
    return {"checkins": checkins, "days": PANEL_DAYS}
