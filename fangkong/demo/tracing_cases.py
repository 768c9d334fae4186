"""The demo city's investigation (流调): a small cluster in the first community, made through the tracing services.

Flow 3 of DOMAIN.md in miniature. Yesterday a fever clinic found case 1; its tracer (`tracer`) recorded the
itinerary (home, work, the farmers' market, a noodle shop) and classified its household and two colleagues as
close contacts, a colleague's family as secondary contacts, and a fellow passenger from 西平县 as an assist
request. This morning a colleague tested positive: case 2 opened, linked to case 1, and the colleague's family
became close contacts of case 2. Two hours ago case 3 — a noodle-shop customer — was reported; its core
information is still to do, and `tracer` can try co-presence detection on the market's venue scans, which the
demo writes to DATA_DIR/demo/market-scans.csv.

Deterministic; a city that already has cases is left as it is.
"""

import csv
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.core.paths import subtree_q
from fangkong.people.models import Person
from fangkong.territory.models import Level, Unit

SCANS_NAME = "market-scans.csv"
MARKET = "V-MKT-0001"


def _residents(community: Unit) -> list[list[Person]]:
    """Households of the community's first grid with at least three members, in door order."""
    grid = Unit.objects.filter(parent=community, level=Level.GRID).order_by("pk").first()
    people = (Person.objects.filter(subtree_q("unit__path", grid.path), household__isnull=False,
                                    merged_into__isnull=True, status="normal")
              .order_by("household_id", "pk").select_related("household"))
    households: dict[int, list[Person]] = {}
    for person in people[:400]:
        households.setdefault(person.household_id, []).append(person)
    return [members for members in households.values() if len(members) >= 3]


@transaction.atomic
def seed_tracing(*, community: Unit) -> dict:
    from fangkong.tracing import services
    from fangkong.tracing.models import Case, Contact

    if Case.objects.filter(subtree_q("unit__path", community.path)).exists():
        return {"created": False}
    tracer = User.objects.filter(username="tracer").first()
    families = _residents(community)
    # Households 0–2 are taken by the recalled pool of the testing morning; start further on.
    families = families[6:11]
    if len(families) < 4:
        return {"created": False}
    now = timezone.now()
    day = timedelta(days=1)
    index_family, colleague_family, customer_family, neighbour_family = families[:4]

    first = services.case_open(
        person=index_family[0], first_positive_at=now - day - timedelta(hours=5), reported_at=now - day,
        onset_date=timezone.localdate() - timedelta(days=2), source="fever_clinic", source_ref="发热门诊-0417",
        classification="confirmed", ct_orf1ab="24.6", ct_n="26.1", tracer=tracer, actor=None)
    services.case_mark(case=first, step="first_contact", at=first.reported_at + timedelta(minutes=40), actor=None)
    home = first.person.household.address or first.person.household.unit.name
    itinerary = (
        ("home", "住所", "", home, -3, 0, 10),
        ("work", "城关镇供电所", "V-OFF-0007", "城关镇解放路12号", -3, 8, 9),
        ("venue", "城关农贸市场", MARKET, "城关镇人民路88号", -2, 9, 1),
        ("venue", "老马家牛肉面馆", "V-RST-0022", "城关镇人民路102号", -2, 12, 1),
    )
    for kind, name, code, address, days, hour, hours in itinerary:
        start = timezone.localtime(first.reported_at).replace(hour=hour, minute=30, second=0, microsecond=0) \
            + timedelta(days=days)
        services.visit_add(case=first, kind=kind, name=name, place_code=code, address=address, start=start,
                           end=start + timedelta(hours=hours), actor=None)
    services.exposure_add(case=first, kind="unknown", description="无中高风险地区旅居史，感染来源调查中", actor=None)
    exposed = first.reported_at - timedelta(hours=10)
    for member in index_family[1:]:
        services.contact_add(case=first, person=member, category="close_contact", exposure_at=exposed,
                             reason="共同居住", actor=None)
    colleagues = [colleague_family[0], neighbour_family[0]]
    close = [services.contact_add(case=first, person=person, category="close_contact",
                                  exposure_at=first.reported_at - day, reason="同一办公室", actor=None)
             for person in colleagues]
    for member in colleague_family[1:]:
        services.contact_add(case=first, person=member, category="secondary_contact", via=close[0],
                             exposure_at=first.reported_at - timedelta(hours=14), reason="密接者的共同居住人",
                             actor=None)
    services.contact_add(case=first, category="close_contact", exposure_at=first.reported_at - 2 * day,
                         reason="同乘城际客车 K1208 前后排", actor=None,
                         outside={"name": "张建国", "phone": "13839600712", "address": "河南省驻马店市西平县柏城街道"})
    _classified_at(first, first.reported_at + timedelta(hours=2, minutes=50))
    services.case_mark(case=first, step="core", at=first.reported_at + timedelta(hours=3, minutes=20), actor=None)
    services.case_mark(case=first, step="report", at=first.reported_at + timedelta(hours=20), actor=None)

    # This morning the colleague under isolation tested positive: linked to case 1 by the services.
    second = services.case_open(
        person=Person.objects.get(pk=colleague_family[0].pk), first_positive_at=now - timedelta(hours=9),
        reported_at=now - timedelta(hours=6), source="controlled", classification="asymptomatic", ct_orf1ab="33.0",
        ct_n="34.2", tracer=tracer, actor=None)
    services.case_mark(case=second, step="first_contact", at=second.reported_at + timedelta(minutes=25), actor=None)
    _classified_at(second, second.reported_at + timedelta(minutes=5))

    # Two hours ago: a customer of the noodle shop; nothing done yet but the first call.
    third = services.case_open(
        person=customer_family[0], first_positive_at=now - timedelta(hours=5), reported_at=now - timedelta(hours=2),
        onset_date=timezone.localdate() - timedelta(days=1), source="voluntary", classification="confirmed",
        tracer=tracer, actor=None)
    services.link_add(infector=first, infectee=third, confidence="possible", basis="同一时段在老马家牛肉面馆就餐",
                      actor=None)
    _write_scans(first, customer_family[1:] + neighbour_family[1:])
    return {"created": True, "cases": 3,
            "contacts": Contact.objects.filter(case__in=[first, second, third]).count()}


def _classified_at(case, at) -> None:
    """The demo writes a day's investigation in one go: put its classifications back at the hour the story has
    them (the services stamp them with the time they ran)."""
    from fangkong.tracing.models import Case, Contact

    Contact.objects.filter(case=case).update(created_at=at)
    Contact.objects.filter(case=case, controlled_at__isnull=False).update(controlled_at=at)
    Case.objects.filter(pk=case.pk).update(contacts_controlled_at=at)


def _write_scans(case, people) -> None:
    """The market's venue scans on the day case 1 was there: case 1, a few neighbours for different lengths of
    time, and strangers — for a tracer to run co-presence detection on."""
    folder = settings.DATA_DIR / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    visit = case.visits.get(place_code=MARKET)
    start = timezone.localtime(visit.start).replace(tzinfo=None)
    rows = [(case.person.id_number, MARKET, start, start + timedelta(minutes=60))]
    for n, person in enumerate(people):
        arrive = start + timedelta(minutes=5 * n)
        rows.append((person.id_number, MARKET, arrive, arrive + timedelta(minutes=(8, 25, 40, 15)[n % 4])))
    with open(folder / SCANS_NAME, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["person_id", "place_id", "start", "end"])
        for person_id, place, arrive, leave in rows:
            writer.writerow([person_id, place, f"{arrive:%Y-%m-%d %H:%M}", f"{leave:%Y-%m-%d %H:%M}"])


def wipe_tracing(*, units) -> None:
    """Everything tracing holds under these units, before the city goes (the demo's reset)."""
    from fangkong.tracing.models import Case, Contact

    cases = Case.objects.filter(unit_id__in=units)
    Contact.objects.filter(case__in=cases).delete()
    Contact.objects.filter(unit_id__in=units).delete()
    cases.delete()
