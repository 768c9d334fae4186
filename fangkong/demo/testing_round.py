"""The demo city's mass-testing morning (全员核酸第1轮), made through the testing services.

Flow 2 of DOMAIN.md in miniature: today's round over the first district, two sampling points in its first
community (a day point and a night point, with today's duty shifts), the city CDC lab with the demo's `lab`
account as staff, and a sampler `sampler1`. A few hundred residents of the community's first grids are sampled
in 10-in-1 tubes (the rest of the district is still to sample, so the coverage pages have something to show);
the tubes go to the lab in batches, most have their result, and one tube of grid1's people is positive: its ten
members are recalled, confined at home, and their single-tube re-checks sit in their grid worker's inbox.

Deterministic for a seed; a city that already has the round is left as it is.
"""

import random
from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.core.paths import subtree_q
from fangkong.people.models import Person
from fangkong.territory.models import Level, Unit

ROUND_NAME = "全员核酸第1轮"
LAB_CODE = "FC-CDC-LAB"
SAMPLER_USERNAME = "sampler1"
SAMPLER_PASSWORD = "demo-sampler-2020"
# People sampled per grid of the first community (grid1 first), at most 40 % of each grid.
SAMPLED_PER_GRID = (150, 90, 40, 20)
POSITIVE_TUBE = 3  # the fourth tube of grid1's people
UNRESULTED_TUBES = 4  # the last tubes are still at the lab


def _round_code(today) -> str:
    return f"QYHS-{today:%Y%m%d}-1"


def _sampler(community: Unit) -> tuple[User, bool]:
    user = User.objects.filter(username=SAMPLER_USERNAME).first()
    if user is not None:
        return user, False
    user = User.objects.create(username=SAMPLER_USERNAME, password=make_password(SAMPLER_PASSWORD),
                               role=Role.SAMPLER, scope=community, display_name=f"{community.name}采样队")
    return user, True


def demo_sampler_user(community: Unit):
    """The sampler's login, as the demo command prints it."""
    from fangkong.demo.city import DemoUser

    user = User.objects.filter(username=SAMPLER_USERNAME).select_related("scope").first()
    return DemoUser(SAMPLER_USERNAME, Role.SAMPLER, SAMPLER_PASSWORD, user.scope if user else community,
                    user.display_name if user else "")


def seed_testing_round(*, city: Unit, district: Unit, community: Unit, seed: int = 2020) -> dict:
    """Idempotent: a city that already has today's demo lab is left as it is."""
    from fangkong.testing import services
    from fangkong.testing.models import Lab

    if Lab.objects.filter(code=LAB_CODE).exists():
        return {"created": False, "users": [demo_sampler_user(community)]}
    rng = random.Random(f"{seed}:testing")
    hq = User.objects.get(username="hq")
    lab_user = User.objects.get(username="lab")
    now = timezone.now()
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    starts_at = min(datetime.combine(today, time(6), tzinfo=tz), now - timedelta(hours=3))

    with transaction.atomic():
        sampler, _created = _sampler(community)
        lab = services.lab_create(code=LAB_CODE, name="汾川市疾控中心实验室", unit=city, actor=hq)
        services.lab_staff_add(lab=lab, user=lab_user, actor=hq)
        points = [
            services.point_create(code="FC-P001", name=f"{community.name}文化广场采样点", unit=community,
                                  opens_at=time(7), closes_at=time(22), actor=hq, address=f"{community.name}文化广场",
                                  latitude=36.0882, longitude=111.5190),
            services.point_create(code="FC-P002", name=f"{community.name}便民夜间采样点", unit=community,
                                  opens_at=time(20), closes_at=time(8), actor=hq,
                                  address=f"{community.name}党群服务中心", latitude=36.0911, longitude=111.5237),
        ]
        _shifts(points, sampler, today, tz)
        round_ = services.round_create(code=_round_code(today), name=ROUND_NAME, nodes=[district],
                                       starts_at=starts_at, ends_at=starts_at + timedelta(hours=24), pool_size=10,
                                       actor=hq)
    tubes = _sample(round_, points, community, sampler, rng, starts_at, now)
    _to_the_lab(tubes, points, lab, sampler, lab_user, now)
    for point, length in zip(points, (rng.randint(15, 40), rng.randint(0, 8)), strict=True):
        services.point_queue_report(point=point, length=length, actor=sampler)
    return {"created": True, "round": round_.code, "tubes": len(tubes), "users": [demo_sampler_user(community)]}


def _shifts(points, sampler: User, today, tz) -> None:
    """Today's duty at the points, shifts of at most 12 hours (workforce's rule): sampler1 leads the morning."""
    from fangkong.workforce.selectors import post_for
    from fangkong.workforce.services import shift_create

    shifts = ((points[0], time(7), time(14, 30), sampler, "王磊、陈静（志愿者）"),
              (points[0], time(14, 30), time(22), "刘晓燕", "周敏、吴强（志愿者）"),
              (points[1], time(20), time(8), "赵刚", "孙丽（志愿者）"))
    for point, start, end, leader, members in shifts:
        post = post_for(subject_type="testing.samplingpoint", subject_id=point.pk)
        starts = datetime.combine(today, start, tzinfo=tz)
        ends = datetime.combine(today + timedelta(days=1) if end < start else today, end, tzinfo=tz)
        named = not isinstance(leader, User)
        shift_create(post=post, starts_at=starts, ends_at=ends, actor=None, leader=None if named else leader,
                     leader_name=leader if named else "", leader_phone="13903571234" if named else "",
                     members_text=members)


def _people(community: Unit) -> list[list[Person]]:
    """The residents to sample, grid by grid (grid1 first), in door order."""
    grids = list(Unit.objects.filter(parent=community, level=Level.GRID).order_by("pk")[:len(SAMPLED_PER_GRID)])
    chosen = []
    for grid, wanted in zip(grids, SAMPLED_PER_GRID, strict=False):
        residents = Person.objects.filter(subtree_q("unit__path", grid.path), household__isnull=False,
                                          merged_into__isnull=True)
        total = residents.count()
        chosen.append(list(residents.order_by("household_id", "pk")[:min(wanted, total * 2 // 5)]))
    return chosen


def _sample(round_, points, community, sampler, rng, starts_at, now) -> list:
    """Tubes of ten, filled in the queue's order; a grid's last tube is closed by hand when it is not full."""
    from fangkong.testing import services

    tubes = []
    span = max(60.0, (now - starts_at).total_seconds() - 1800)
    for people in _people(community):
        for start in range(0, len(people), 10):
            point = points[len(tubes) % 5 == 4]  # one tube in five at the night point
            at = starts_at + timedelta(seconds=span * len(tubes) / 40 + rng.randint(0, 300))
            at = min(at, now - timedelta(minutes=20))
            tube = services.tube_open(round_=round_, point=point, code=f"FC{len(tubes) + 1:07d}", actor=sampler,
                                      at=at)
            for offset, person in enumerate(people[start:start + 10]):
                services.sample_add(tube=tube, id_number=person.id_number, actor=sampler,
                                    at=at + timedelta(seconds=40 * offset))
            tube.refresh_from_db()
            if tube.status == tube.Status.OPEN:
                tube = services.tube_close(tube=tube, actor=sampler, at=at + timedelta(minutes=8))
            tubes.append(tube)
    return tubes


def _to_the_lab(tubes, points, lab, sampler, lab_user, now) -> None:
    """Two batches per point, sent half an hour after their last tube closed and received within the hour;
    results a few hours later (never in the future), for all but the last tubes, one of them positive."""
    from fangkong.testing import services

    by_code = {t.code: t for t in tubes}
    for point in points:
        codes = [t.code for t in tubes if t.point_id == point.pk]
        for batch in (codes[: len(codes) // 2], codes[len(codes) // 2:]):
            if not batch:
                continue
            sent = min(max(by_code[c].closed_at for c in batch) + timedelta(minutes=30), now - timedelta(minutes=15))
            handover = services.handover_send(lab=lab, codes=batch, declared_count=len(batch), actor=sampler,
                                              point=point, at=sent)
            services.handover_receive(handover=handover, codes=batch, actor=lab_user,
                                      at=min(sent + timedelta(minutes=50), now - timedelta(minutes=10)))
    for index, tube in enumerate(tubes[: len(tubes) - UNRESULTED_TUBES]):
        tube.refresh_from_db()
        tested = min(tube.received_at + timedelta(hours=3, minutes=index % 7 * 10), now)
        if index == POSITIVE_TUBE:
            services.tube_result_record(tube=tube, result="positive", ct_orf1ab="31.2", ct_n="33.5", actor=lab_user,
                                        tested_at=tested)
        else:
            services.tube_result_record(tube=tube, result="negative", actor=lab_user, tested_at=tested)


def wipe_testing_round(*, units) -> None:
    """Everything mass testing holds under these units, before the city goes (the demo's reset).

    Few rows: the ORM's delete follows the cascades. Tasks, people and their status history go with the city."""
    from fangkong.testing.models import (
        Handover,
        Lab,
        PositiveCase,
        Recall,
        RecallMember,
        Round,
        Sample,
        SamplingPoint,
        Tube,
    )

    PositiveCase.objects.filter(unit_id__in=units).delete()
    RecallMember.objects.filter(recall__unit_id__in=units).delete()
    Recall.objects.filter(unit_id__in=units).delete()
    Sample.objects.filter(tube__unit_id__in=units).delete()
    Tube.objects.filter(unit_id__in=units).delete()
    Handover.objects.filter(unit_id__in=units).delete()
    Round.objects.filter(unit_id__in=units).delete()
    Lab.objects.filter(unit_id__in=units).delete()
    SamplingPoint.objects.filter(unit_id__in=units).delete()


# People of the big city's first district sampled by file, the way a district's sampling system reports a morning.
BULK_SHARE = 0.4
BULK_CHUNK = 200_000
BULK_TUBE_PREFIX = "FB"


def seed_round_samples_by_file(*, share: float = BULK_SHARE, chunk: int = BULK_CHUNK, log=None) -> int:
    """The large city's round gets a real morning's volume: `share` of the round's people (whole households, in
    tubes of ten at the two points) through `testing.imports.samples_import`, the same code as a district's upload,
    a file of `chunk` rows at a time. Returns the samples imported; a round that already had its morning gets none."""
    import csv
    import io

    from fangkong.testing.imports import SAMPLE_COLUMNS, samples_import
    from fangkong.testing.models import Round, Sample, Tube

    log = log or (lambda _message: None)
    round_ = Round.objects.filter(name=ROUND_NAME).order_by("-pk").first()
    if round_ is None or Tube.objects.filter(round=round_, code__startswith=BULK_TUBE_PREFIX).exists():
        return 0
    district = round_.nodes.get()
    already = set(Sample.objects.filter(round=round_).values_list("id_number", flat=True))
    residents = (Person.objects.filter(subtree_q("unit__path", district.path), household__isnull=False,
                                       merged_into__isnull=True)
                 .order_by("household_id", "pk").values_list("id_number", "name", "phone"))
    total_people = residents.count()
    wanted = int(total_people * share)
    now = timezone.now()
    starts_at = round_.starts_at
    span = max(60.0, (now - starts_at).total_seconds() - 1800)
    imported, written, tube = 0, 0, 0
    buffer, writer = io.StringIO(), None

    def flush():
        nonlocal imported, buffer, writer
        if writer is None:
            return
        report = samples_import(source=buffer.getvalue().encode(), round_=round_, actor=None,
                                filename="demo-morning.csv")
        imported += report.created
        log(f"  sampling records by file: {imported:,} of {wanted:,} imported, {len(report.errors)} rows rejected")
        buffer, writer = io.StringIO(), None

    for number, name, phone in residents.iterator(chunk_size=5000):
        if written >= wanted:
            break
        if number in already:
            continue
        if writer is None:
            writer = csv.writer(buffer)
            writer.writerow(SAMPLE_COLUMNS)
        if written % 10 == 0:
            tube += 1
        at = starts_at + timedelta(seconds=span * written / max(wanted, 1))
        point = "FC-P002" if tube % 5 == 4 else "FC-P001"
        sampled_at = timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")
        writer.writerow([f"{BULK_TUBE_PREFIX}{tube:08d}", number, name, phone, sampled_at, point])
        written += 1
        if written % chunk == 0:
            flush()
    flush()
    return imported
