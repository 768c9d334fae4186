"""The demo city's epidemic history: an outbreak of the past four weeks, past its peak, for the command centre.

A few imported cases seeded it four weeks ago; local transmission rose to a peak about ten days ago and has been
falling since, as tracing caught up: early cases were found in the community (社会面), the last days' mostly among
people already isolated (管控内) — close contacts of earlier cases, a sealed building's residents, travellers in
quarantine. About half of the cases are linked (infector → infectee) with onsets a gamma serial interval apart
(mean 3 days, sd 2), so that the transmission graph gives a serial interval and Rt a sensible series.

`plan_epidemic` draws the outbreak in memory from the seed (no database); `seed_epidemic` picks the residents and
writes it through the tracing, people and tasks services, then puts the timestamps the services stamp with the
time they ran back where the story has them. Deterministic for a seed and a city; a city that already has cases
older than a few days is left as it is.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from fangkong.core.paths import subtree_q
from fangkong.territory.models import Level, Unit

DAYS = 28  # day 0 is 27 days before today, day 27 is today
BASE_CASES = 120  # tiny and small cities; larger ones scale up to MAX_SCALE times this
MAX_SCALE = 3.5
PERSONS_PER_GRID = 720  # what the demo city's grids hold (300 households × 2.58 × 0.93)
HISTORY_DAYS = 5  # a city with a case sampled this long before today already has its history
CONFIRMED_IF_LINKED, CONFIRMED_IF_NOT = 0.68, 0.50  # ≈ 60 % confirmed overall
MAX_OFFSPRING = 5
SI_MEAN, SI_SD = 3.0, 2.0
FALLING_DAYS = 5  # the last days whose 7-day sums each fall
DEFAULT_TRACER = "tracer"

CONTACT_REASONS = ("同一办公室", "共同就餐", "同乘一辆车", "同一棋牌室", "家庭聚会", "同一车间", "同一健身房")
LINK_BASES = ("流调发现共同暴露：同一办公室", "同一时段在同一餐馆就餐", "同乘网约车", "同一菜市场摊位相邻",
              "亲友聚餐", "同一工地")
ORIGINS = (("俄罗斯", "满洲里口岸"), ("韩国", "上海浦东国际机场"), ("美国", "北京首都国际机场"),
           ("英国", "广州白云国际机场"), ("俄罗斯", "绥芬河口岸"), ("日本", "上海浦东国际机场"))


class EpidemicError(Exception):
    """The city cannot hold the outbreak (no streets, too few residents); the message says why."""


@dataclass
class PlannedCase:
    """One case of the plan; times are aware datetimes, `infector` an index into the plan."""

    index: int
    day: int  # the day of its positive result (0 … DAYS - 1)
    reported_at: datetime
    first_positive_at: datetime
    latent: date  # onset for a confirmed case, the sampling day's onset-to-be otherwise (what links are drawn on)
    imported: bool = False
    infector: int | None = None
    classification: str = "asymptomatic"
    street: int = 0
    same_household: bool = False
    route: str | None = None  # how it was under control when sampled: contact, sealed, quarantine (None: not)
    control_at: datetime | None = None
    source: str = "other"
    source_ref: str = ""
    ct: tuple[str, str] = ("30.0", "31.0")
    reason: str = ""  # why a contact-route infectee was classified, or the basis of a later link
    confidence: str = "probable"
    steps: dict = field(default_factory=dict)  # first_contact / core / report / transfer → datetime

    @property
    def onset_date(self) -> date | None:
        return self.latent if self.classification == "confirmed" else None


# --- the plan (no database) --------------------------------------------------------------------------------------


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:  # normal approximation; exp(-mean) underflows the product method long before it matters
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _curve(rng: random.Random, total: int) -> list[int]:
    """Daily new cases by result day: a smooth rise and fall (peak 10–11 days ago) with overdispersed noise."""
    peak = DAYS - 1 - rng.choice((10, 11))
    rise, fall = rng.uniform(0.14, 0.19), rng.uniform(0.13, 0.17)
    shape = [2 / (math.exp(-rise * (d - peak)) + math.exp(fall * (d - peak))) for d in range(DAYS)]
    norm = total / sum(shape)
    # Gamma-Poisson: more day-to-day scatter than Poisson, as real counts have.
    return [_poisson(rng, rng.gammavariate(25, norm * s / 25)) for s in shape]


def trailing_sums(counts: list[int], width: int = 7) -> list[int]:
    """7-day sums ending on each day from day width-1."""
    return [sum(counts[d - width + 1:d + 1]) for d in range(width - 1, len(counts))]


def curve_ok(counts: list[int], total: int) -> bool:
    sums = trailing_sums(counts)
    falling = all(later < earlier for earlier, later in zip(sums[-FALLING_DAYS - 1:-1], sums[-FALLING_DAYS:],
                                                            strict=True))
    smooth = [sum(counts[max(0, d - 2):d + 3]) for d in range(DAYS)]
    peak = max(range(DAYS), key=lambda d: (smooth[d], -d))
    clear = max(sums) >= 1.6 * sums[-1]  # past its peak, not a plateau
    return falling and clear and DAYS - 1 - 12 <= peak <= DAYS - 1 - 9 and abs(sum(counts) - total) <= 0.1 * total


def controlled_share(cases: list[PlannedCase], days) -> float:
    """The share of the cases with their result on these days that were found under control."""
    chosen = [c for c in cases if c.day in days]
    return sum(c.route is not None for c in chosen) / len(chosen) if chosen else 0.0


def _serial_interval(rng: random.Random) -> int:
    shape = (SI_MEAN / SI_SD) ** 2
    return max(1, round(rng.gammavariate(shape, SI_SD ** 2 / SI_MEAN)))


def _moment(day_start: datetime, ref: datetime, rng: random.Random, lo: float = 7.5, hi: float = 23.0) -> datetime:
    """A time of the day (local hours lo–hi) not later than half an hour before `ref`."""
    latest = ref - timedelta(minutes=30)
    at = day_start + timedelta(hours=rng.uniform(lo, hi))
    if at > latest:
        at = day_start + (latest - day_start) * rng.uniform(0.4, 1.0)
    return at


def _share_controlled(day: int) -> float:
    """The chance a local case is found under control: tracing catches up as the outbreak goes on."""
    return 0.1 + 0.77 * min(1.0, max(0.0, (day - 4) / 19))


def _link_chance(day: int) -> float:
    return 0.3 + 0.35 * min(1.0, day / 18)


def plan_epidemic(*, seed: int, ref: datetime, total: int = BASE_CASES, streets: int = 3) -> list[PlannedCase]:
    """The outbreak of the DAYS days up to `ref`, drawn from the seed. Retries (deterministically) until the curve
    peaks and falls and enough linked pairs have both onsets for the serial interval."""
    for attempt in range(500):
        rng = random.Random(f"{seed}:epidemic:{attempt}")
        counts = _curve(rng, total)
        if not curve_ok(counts, total):
            continue
        cases = _cases(rng, counts, ref, streets)
        pairs = sum(1 for c in cases if c.infector is not None and c.onset_date
                    and cases[c.infector].onset_date)
        first, last = controlled_share(cases, range(7)), controlled_share(cases, range(DAYS - 7, DAYS))
        if pairs >= min(30, total // 4) and first <= 0.35 and last >= 0.7:
            return cases
    raise RuntimeError("no outbreak plan met the shape wanted; check the parameters")  # pragma: no cover


def _cases(rng: random.Random, counts: list[int], ref: datetime, streets: int) -> list[PlannedCase]:
    tz = timezone.get_default_timezone()
    today = timezone.localtime(ref, tz).date()
    drafts = []
    for day, n in enumerate(counts):
        day_start = datetime.combine(today - timedelta(days=DAYS - 1 - day), time(0), tzinfo=tz)
        for _n in range(n):
            reported = _moment(day_start, ref, rng)
            positive = reported - timedelta(hours=rng.uniform(6, 24))
            latent = timezone.localtime(positive, tz).date() - timedelta(days=rng.choice((0, 1, 1, 2)))
            drafts.append((latent, reported, day, positive))
    drafts.sort(key=lambda d: (d[0], d[1]))
    cases = [PlannedCase(index=i, day=day, reported_at=rep, first_positive_at=pos, latent=lat)
             for i, (lat, rep, day, pos) in enumerate(drafts)]
    _imports(rng, cases)
    _links(rng, cases)
    _places(rng, cases, streets)
    for case in cases:
        _control(rng, case, cases)
        _source(rng, case)
    _steps(rng, cases, ref)
    return cases


def _imports(rng: random.Random, cases: list[PlannedCase]) -> None:
    """The first two cases and a few more of the first nine days came from abroad."""
    wanted = max(3, round(5 * math.sqrt(len(cases) / BASE_CASES)))
    early = [c for c in cases[2:] if c.day <= 8]
    for case in cases[:2] + rng.sample(early, min(len(early), wanted - 2)):
        case.imported = True
        case.classification = "confirmed" if rng.random() < 0.6 else "asymptomatic"


def _links(rng: random.Random, cases: list[PlannedCase]) -> None:
    """Infectors drawn a serial interval earlier (by onset), confirmed cases preferred (they spread more)."""
    by_day: dict[date, list[PlannedCase]] = {}
    offspring = [0] * len(cases)
    for case in cases:
        if not case.imported and rng.random() < _link_chance(case.day):
            for _try in range(8):
                candidates = [c for c in by_day.get(case.latent - timedelta(days=_serial_interval(rng)), ())
                              if offspring[c.index] < MAX_OFFSPRING]
                confirmed = [c for c in candidates if c.classification == "confirmed"]
                pool = confirmed or (candidates if rng.random() < 0.3 else [])
                if pool:
                    infector = rng.choice(pool)
                    case.infector = infector.index
                    offspring[infector.index] += 1
                    break
        if not case.imported:
            share = CONFIRMED_IF_LINKED if case.infector is not None else CONFIRMED_IF_NOT
            case.classification = "confirmed" if rng.random() < share else "asymptomatic"
        by_day.setdefault(case.latent, []).append(case)


def _places(rng: random.Random, cases: list[PlannedCase], streets: int) -> None:
    """Clusters stay in their street (often in the household); unlinked local cases mostly near earlier ones."""
    imported = 0
    for case in cases:
        if case.imported:
            case.street = imported % streets
            imported += 1
        elif case.infector is not None:
            if rng.random() < 0.85:
                case.street = cases[case.infector].street
                case.same_household = rng.random() < 0.35
            else:
                case.street = rng.randrange(streets)
            if case.same_household:
                case.reason = "共同居住"
            else:
                case.reason = rng.choice(LINK_BASES)
                case.confidence = rng.choice(("probable", "possible"))
        elif case.index and rng.random() < 0.7:
            case.street = cases[rng.randrange(case.index)].street
        else:
            case.street = rng.randrange(streets)


def _control(rng: random.Random, case: PlannedCase, cases: list[PlannedCase]) -> None:
    if case.imported:
        if rng.random() < 0.3:
            case.route = "quarantine"
            case.control_at = case.first_positive_at - timedelta(days=rng.uniform(2, 9))
        return
    if rng.random() >= _share_controlled(case.day):
        return
    infector = cases[case.infector] if case.infector is not None else None
    if infector is not None:
        # Classified as a close contact while the infector's core tracing ran (within its 4 hours).
        found = infector.reported_at + timedelta(hours=rng.uniform(1.5, 3.8))
        if found < case.first_positive_at - timedelta(minutes=30):
            case.route, case.control_at = "contact", found
            if not case.same_household:
                case.reason = rng.choice(CONTACT_REASONS)
            return
    case.route = "sealed"
    case.control_at = case.first_positive_at - timedelta(days=rng.uniform(1, 3.5))


def _source(rng: random.Random, case: PlannedCase) -> None:
    ct = round(rng.uniform(17, 35), 1)
    case.ct = (f"{ct:.1f}", f"{min(ct + rng.uniform(0.4, 2.6), 39.9):.1f}")
    if case.route == "quarantine":
        case.source, case.source_ref = "controlled", "入境人员集中隔离点"
    elif case.route == "contact":
        case.source, case.source_ref = "controlled", "密接人员隔离检测"
    elif case.route == "sealed":
        case.source, case.source_ref = "controlled", "封控区核酸检测"
    elif case.classification == "confirmed":
        case.source, case.source_ref = rng.choice((("fever_clinic", "发热门诊"), ("fever_clinic", "发热门诊"),
                                                   ("voluntary", "主动就诊检测")))
    else:
        case.source, case.source_ref = rng.choice((("testing_round", "区域核酸筛查"), ("testing_round", "区域核酸筛查"),
                                                   ("voluntary", "愿检尽检")))
    if case.imported and case.route is None:
        case.source, case.source_ref = "fever_clinic", "发热门诊（入境人员）"


def _steps(rng: random.Random, cases: list[PlannedCase], ref: datetime) -> None:
    """The tracing clock of each case: on time, but for two old cases late and the last day's partly open."""
    latest = ref - timedelta(minutes=5)
    older = [c for c in cases if 8 <= c.day <= DAYS - 4]
    late = {c.index for c in rng.sample(older, min(2, len(older)))}
    overdue = next((c.index for c in cases if c.day == DAYS - 1 and c.reported_at < ref - timedelta(hours=5)), None)
    for case in cases:
        rep = case.reported_at
        hours = ((5, 8), (26, 34)) if case.index in late else ((2.0, 3.8), (10, 22))
        steps = {
            "first_contact": rep + timedelta(minutes=rng.uniform(15, 100)),
            "core": rep + timedelta(hours=rng.uniform(*hours[0])),
            "report": rep + timedelta(hours=rng.uniform(*hours[1])),
            "transfer": rep + timedelta(hours=rng.uniform(0.8, 1.9)),
        }
        if case.index == overdue:
            steps["core"] = steps["report"] = latest + timedelta(days=1)
        case.steps = {step: at for step, at in steps.items() if at <= latest}


# --- the city ------------------------------------------------------------------------------------------------------


def _reference_time(today: date | None) -> datetime:
    now = timezone.now()
    if today is None or today == timezone.localdate(now):
        return now
    if today > timezone.localdate(now):
        raise ValueError("The epidemic's last day cannot be in the future.")
    return datetime.combine(today, time(21), tzinfo=timezone.get_default_timezone())


def city_scale(city: Unit) -> float:
    """1 for the tiny and small cities, rising slowly with the population (the 10 M city has 3.5×)."""
    grids = Unit.objects.filter(subtree_q("path", city.path), level=Level.GRID).count()
    return min(MAX_SCALE, max(1.0, (grids * PERSONS_PER_GRID / 20_000) ** 0.3))


def _streets(city: Unit, rng: random.Random) -> list[Unit]:
    """Two streets in each of two or three districts; the first district is left to the other scenes when the
    city has enough others."""
    districts = list(Unit.objects.filter(parent=city, level=Level.DISTRICT).order_by("pk"))
    districts = districts[1:4] if len(districts) >= 4 else districts[:3]
    streets = []
    for district in districts:
        own = list(Unit.objects.filter(parent=district, level=Level.STREET).order_by("pk"))
        streets += sorted(rng.sample(own, min(2, len(own))), key=lambda u: u.pk)
    return streets


@dataclass
class Pool:
    order: list[int]  # person ids, shuffled
    households: dict[int, list[int]]  # household id → its members' ids
    household_of: dict[int, int]  # person id → household id
    next: int = 0


def _pools(city: Unit, streets: list[Unit], rng: random.Random) -> list[Pool]:
    """The residents each street can give: on file, normal status, never a case or a contact yet, outside grid1
    (the other scenes' people). A few queries per street, by building id."""
    from fangkong.people.models import Person
    from fangkong.protocols.models import Measure
    from fangkong.tracing.models import Case, Contact

    grid1 = Unit.objects.filter(subtree_q("path", city.path), level=Level.GRID).order_by("pk").first()
    taken = set(Case.objects.values_list("person_id", flat=True))
    taken |= set(Contact.objects.filter(person__isnull=False).values_list("person_id", flat=True))
    taken |= set(Measure.objects.filter(status="active").values_list("person_id", flat=True))
    pools = []
    for street in streets:
        buildings = Unit.objects.filter(subtree_q("path", street.path), level=Level.BUILDING)
        if grid1 is not None:
            buildings = buildings.exclude(subtree_q("path", grid1.path))
        rows = list(Person.objects.filter(unit_id__in=list(buildings.values_list("pk", flat=True)),
                                          household__isnull=False, merged_into__isnull=True, status="normal")
                    .order_by("pk").values_list("pk", "household_id"))
        rows = [row for row in rows if row[0] not in taken]
        households: dict[int, list[int]] = {}
        for pk, household in rows:
            households.setdefault(household, []).append(pk)
        order = [pk for pk, _household in rows]
        rng.shuffle(order)
        pools.append(Pool(order=order, households=households, household_of=dict(rows)))
    return pools


def _assign(plan: list[PlannedCase], pools: list[Pool]) -> list[int]:
    """A resident for each case: the infector's household member when the plan says so, else the street's next."""
    used: set[int] = set()
    people: list[int] = []
    for case in plan:
        person = None
        if case.same_household:
            pool = pools[case.street]
            members = pool.households.get(pool.household_of.get(people[case.infector]), [])
            person = next((pk for pk in members if pk not in used), None)
        if person is None:
            person = _next_free(pools[case.street], used) or next(
                (pk for pool in pools if (pk := _next_free(pool, used)) is not None), None)
        if person is None:
            raise EpidemicError("The city has too few residents for the epidemic's cases.")
        used.add(person)
        people.append(person)
    return people


def _next_free(pool: Pool, used: set[int]) -> int | None:
    while pool.next < len(pool.order) and pool.order[pool.next] in used:
        pool.next += 1
    return pool.order[pool.next] if pool.next < len(pool.order) else None


def seed_epidemic(*, city: Unit, seed: int = 2020, today: date | None = None, scale: float | None = None) -> dict:
    """Write the outbreak of the DAYS days up to `today` into the city. A city that already has cases sampled more
    than HISTORY_DAYS before today already has its history: it is left as it is ("created": False)."""
    from fangkong.tracing.models import Case

    ref = _reference_time(today)
    in_city = subtree_q("unit__path", city.path)
    if Case.objects.filter(in_city, first_positive_at__lt=ref - timedelta(days=HISTORY_DAYS)).exists():
        return {"created": False, **epidemic_counts(city)}
    rng = random.Random(f"{seed}:epidemic:city")
    streets = _streets(city, rng)
    if not streets:
        raise EpidemicError("The city has no streets to put an outbreak in.")
    total = round(BASE_CASES * (scale if scale is not None else city_scale(city)))
    plan = plan_epidemic(seed=seed, ref=ref, total=total, streets=len(streets))
    people = _assign(plan, _pools(city, streets, rng))
    with transaction.atomic():
        writer = _Writer(plan, people, ref)
        writer.write()
    return {"created": True, **_counts(Case.objects.filter(pk__in=[c.pk for c in writer.cases.values()]))}


def epidemic_counts(city: Unit) -> dict:
    """The city's cases, links between them, imported cases and cases found under control."""
    from fangkong.tracing.models import Case

    return _counts(Case.objects.filter(subtree_q("unit__path", city.path)))


def _counts(cases) -> dict:
    from fangkong.tracing.models import Exposure, Link

    return {
        "cases": cases.count(),
        "links": Link.objects.filter(infectee__in=cases).count(),
        "imported": cases.filter(exposures__kind=Exposure.Kind.INBOUND).distinct().count(),
        "under_control": cases.filter(under_control=True).count(),
    }


class _Writer:
    """Runs the plan through the services in the order things happened, then backdates what they stamped now."""

    def __init__(self, plan: list[PlannedCase], people: list[int], ref: datetime):
        from fangkong.accounts.models import User
        from fangkong.people.models import Person

        self.plan, self.ref = plan, ref
        self.started = timezone.now()
        persons = Person.objects.select_related("unit", "household__unit").in_bulk(people)
        self.persons = [persons[pk] for pk in people]
        self.tracer = User.objects.filter(username=DEFAULT_TRACER, is_active=True).first()
        self.cases: dict[int, object] = {}
        self.measures: dict[int, int] = {}  # plan index → the measure its contact classification started

    def write(self) -> None:
        events = [(c.reported_at, 1, c.index) for c in self.plan]
        events += [(c.control_at, 0, c.index) for c in self.plan if c.control_at is not None]
        for _at, kind, index in sorted(events):
            if kind == 0:
                self._control(self.plan[index])
            else:
                self._open(self.plan[index])
                self._steps(self.plan[index])
        self._links()
        self._contacts_controlled()

    def _backdate_status(self, person, at: datetime) -> None:
        """The demo writes four weeks in one go: the status changes the services just made are put back at the
        hour the story has them (people.services refuses to write a change before the current status)."""
        from fangkong.people.models import Person, StatusChange

        if StatusChange.objects.filter(person=person, at__gte=self.started).update(at=at):
            Person.objects.filter(pk=person.pk).update(status_since=at)

    def _control(self, case: PlannedCase) -> None:
        from fangkong.people.models import CONFINING_STATUSES
        from fangkong.people.services import person_status_change
        from fangkong.protocols.models import Measure
        from fangkong.tasks.models import Task
        from fangkong.tracing import services
        from fangkong.tracing.models import Contact

        person = self.persons[case.index]
        if case.route == "contact":
            infector = self.cases[case.infector]
            exposure = infector.first_positive_at - timedelta(hours=8)
            exposure = min(max(exposure, infector.window_start + timedelta(minutes=30)),
                           case.control_at - timedelta(minutes=30))
            contact = services.contact_add(case=infector, person=person, category="close_contact",
                                           exposure_at=exposure, reason=case.reason, actor=None)
            person.refresh_from_db(fields=["status", "status_since"])
            if person.status not in CONFINING_STATUSES:
                # The measure counted from an exposure weeks before today has already ended: at the time it ran.
                person_status_change(person=person, to_status="central_isolation", actor=None,
                                     cause=f"病例{infector.number}的密切接触者，集中隔离")
            Contact.objects.filter(pk=contact.pk).update(created_at=case.control_at, controlled_at=case.control_at)
            if contact.measure_id:
                self.measures[case.index] = contact.measure_id
                Measure.objects.filter(pk=contact.measure_id).update(started_at=case.control_at)
                Task.objects.filter(dedupe_key__startswith=f"measure:{contact.measure_id}:").update(
                    created_at=case.control_at)
        elif case.route == "sealed":
            person_status_change(person=person, to_status="home_isolation", actor=None,
                                 cause="所在楼栋划为封控区，居家隔离")
        else:
            country, port = ORIGINS[case.index % len(ORIGINS)]
            person_status_change(person=person, to_status="central_isolation", actor=None,
                                 cause=f"自{country}入境（{port}），集中隔离")
        self._backdate_status(person, case.control_at)

    def _open(self, case: PlannedCase) -> None:
        from fangkong.protocols.models import Measure
        from fangkong.tasks.models import Task
        from fangkong.tracing import services

        person = self.persons[case.index]
        opened = services.case_open(
            person=person, first_positive_at=case.first_positive_at, reported_at=case.reported_at,
            onset_date=case.onset_date, source=case.source, source_ref=case.source_ref,
            classification=case.classification, ct_orf1ab=case.ct[0], ct_n=case.ct[1], tracer=self.tracer,
            actor=None)
        self.cases[case.index] = opened
        # Confined at home when the result came (or already isolated: no change).
        self._backdate_status(person, case.reported_at)
        measure = self.measures.get(case.index)
        if measure is not None:
            Measure.objects.filter(pk=measure, ended_at__isnull=False).update(ended_at=case.reported_at)
            Task.objects.filter(dedupe_key__startswith=f"measure:{measure}:", closed_at__isnull=False).update(
                closed_at=case.reported_at)
        if case.imported:
            country, port = ORIGINS[case.index % len(ORIGINS)]
            arrived = case.control_at or case.first_positive_at - timedelta(days=4)
            where = "入境后集中隔离期间检出" if case.route else "入境后居家，出现症状后到发热门诊就诊"
            services.exposure_add(case=opened, kind="inbound", at=arrived, actor=None,
                                  description=f"自{country}经{port}入境，{where}")
        elif case.infector is None:
            services.exposure_add(case=opened, kind="unknown", actor=None,
                                  description="无中高风险地区旅居史，感染来源调查中")
        household = person.household
        services.visit_add(case=opened, kind="home", name="住所", address=household.address if household else "",
                           start=case.first_positive_at - timedelta(days=3), end=case.first_positive_at, actor=None)

    def _steps(self, case: PlannedCase) -> None:
        from fangkong.tasks.models import Task
        from fangkong.tasks.services import task_complete
        from fangkong.tracing import services

        opened = self.cases[case.index]
        tasks = Task.objects.filter(subject_type=services.CASE_SUBJECT, subject_id=opened.pk)
        tasks.update(created_at=case.reported_at)
        steps = case.steps
        first_contact = steps.get("first_contact")
        for step in ("first_contact", "core", "report"):
            if step in steps:
                services.case_mark(case=opened, step=step, at=steps[step], actor=None)
        for kind, step in (("trace_core", "core"), ("trace_report", "report")):
            if step in steps:
                tasks.filter(kind=kind).update(closed_at=steps[step], accepted_at=first_contact)
        if "transfer" in steps:
            transfer = tasks.filter(kind="case_transfer", status__in=("open", "accepted")).first()
            if transfer is not None:
                task_complete(task=transfer, outcome="transferred", actor=None, note="闭环转运至定点医院")
                tasks.filter(pk=transfer.pk).update(closed_at=steps["transfer"], accepted_at=steps["transfer"])
                self._backdate_status(self.persons[case.index], steps["transfer"])

    def _links(self) -> None:
        """Pairs the investigation linked afterwards (the infectee was not a classified contact)."""
        from fangkong.tracing import services
        from fangkong.tracing.models import Link

        linked = set(Link.objects.filter(infectee__in=list(self.cases.values())).values_list("infectee_id",
                                                                                             flat=True))
        for case in self.plan:
            if case.infector is not None and self.cases[case.index].pk not in linked:
                services.link_add(infector=self.cases[case.infector], infectee=self.cases[case.index],
                                  confidence=case.confidence, basis=case.reason, actor=None)

    def _contacts_controlled(self) -> None:
        """Each infector's contacts came under control at the (backdated) hour they were classified."""
        from fangkong.tracing.models import Case, Contact

        infectors = {self.cases[c.infector].pk for c in self.plan if c.route == "contact"}
        rows = (Contact.objects.filter(case_id__in=infectors, category="close_contact", person__isnull=False)
                .values("case_id").annotate(last=Max("controlled_at")))
        for row in rows:
            Case.objects.filter(pk=row["case_id"]).update(contacts_controlled_at=row["last"])
