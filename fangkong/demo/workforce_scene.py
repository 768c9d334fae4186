"""The demo city's front line (志愿者, 排班, 临时党支部), made through the workforce services.

At the first district's highway checkpoint: twelve volunteers of its first community (nine approved, two waiting
for vetting, one turned down as registered twice), a published 14-day roster of 8-hour shifts starting today in
which every volunteer keeps the district's shift rules, a draft roster for the fortnight after it with one volunteer
on two shifts back to back (flagged: no rest), and the checkpoint's temporary party branch.

Deterministic; a district that already has the roster is left as it is.
"""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.demo.ids import resident_id
from fangkong.territory.models import Level, Unit

BRANCH_NAME = "汾川东站口临时党支部"
VOLUNTEERS = ["赵志远", "钱晓燕", "孙建华", "李文博", "周敏", "吴海涛", "郑丽", "王浩然", "冯雪", "陈立新", "褚红梅",
              "卫东升"]
SKILLS = ["驾驶", "医护", "信息录入", "方言沟通", "急救", "驾驶", "外语", "搬运", "心理疏导", "驾驶", "医护",
          "信息录入"]
LEADERS = ["王建国", "孙立", "马骏", "杜鹏"]
SLOTS = ((time(0), time(8)), (time(8), time(16)), (time(16), time(0)))
ROSTER_DAYS = 14


def _first(parent: Unit, level: int) -> Unit | None:
    return Unit.objects.filter(parent=parent, level=level).order_by("pk").first()


def _checkpoint_post(district):
    from fangkong.arrivals.models import Checkpoint
    from fangkong.demo.outbreak import CHECKPOINT_NAME
    from fangkong.workforce.models import Post, PostKind
    from fangkong.workforce.selectors import post_for
    from fangkong.workforce.services import post_create

    checkpoint = Checkpoint.objects.filter(name=CHECKPOINT_NAME, unit__path__startswith=district.path).first()
    if checkpoint is not None:
        post = post_for(subject_type="arrivals.checkpoint", subject_id=checkpoint.pk)
        if post is not None:
            return post
    return (Post.objects.filter(unit=district, kind=PostKind.CHECKPOINT).order_by("pk").first()
            or post_create(kind=PostKind.CHECKPOINT, name=f"{district.name}高速站口检测点", unit=district, actor=None))


def _volunteers(community, officer):
    from fangkong.workforce.models import Volunteer
    from fangkong.workforce.services import volunteer_vet

    made = []
    for n, name in enumerate(VOLUNTEERS):
        birth = datetime(1975 + n * 2, 1 + n % 12, 10 + n).date()
        volunteer = Volunteer.objects.create(
            name=name, id_number=resident_id("110105", birth, 100 + n), phone=f"1390357{1000 + n:04d}",
            unit=community, skills=SKILLS[n], availability="全天" if n % 2 else "工作日晚上、周末", healthy=True,
            consent_at=timezone.now(), source=Volunteer.Source.SELF if n % 3 else Volunteer.Source.GRID_LIST)
        if n < 9:
            volunteer = volunteer_vet(volunteer=volunteer, approve=True, actor=officer)
        elif n == 11:
            volunteer_vet(volunteer=volunteer, approve=False, reason="与网格名单重复登记，已保留网格登记。",
                          actor=officer)
        made.append(volunteer)
    return made[:9]


def _at(day, at: time, tz):
    return datetime.combine(day, at, tzinfo=tz)


def _fill(post, start_day, days, approved, officer, *, k: int = 0) -> int:
    """Three 8-hour shifts a day, two volunteers on each, taken in turn from the k-th: every volunteer rests 24 hours
    or more. Returns the next k, so that a following roster keeps the turn."""
    from fangkong.workforce.models import Shift
    from fangkong.workforce.services import shift_create

    tz = timezone.get_current_timezone()
    for d in range(days):
        day = start_day + timedelta(days=d)
        for start, end in SLOTS:
            starts = _at(day, start, tz)
            ends = _at(day + timedelta(days=1) if end == time(0) else day, end, tz)
            if Shift.objects.filter(post=post, starts_at=starts).exists():
                continue  # today's teams from the outbreak scene
            pair = [approved[(2 * k) % len(approved)], approved[(2 * k + 1) % len(approved)]]
            shift_create(post=post, starts_at=starts, ends_at=ends, leader_name=LEADERS[k % len(LEADERS)],
                         leader_phone=f"1390357{2000 + k % len(LEADERS):04d}", volunteers=pair, actor=officer)
            k += 1
    return k


def seed_workforce(*, city: Unit, district: Unit, seed: int = 2020) -> dict:
    """Idempotent: a district whose checkpoint already has a roster is left as it is. `seed` is unused (the scene
    has no random part) and kept for the scenes' common signature."""
    from fangkong.workforce.models import Roster, WorkingGroup
    from fangkong.workforce.services import group_create, roster_create, roster_publish, shift_create

    officer = User.objects.filter(username="officer").first()
    street = _first(district, Level.STREET)
    community = _first(street, Level.COMMUNITY) if street is not None else None
    if officer is None or community is None:
        return {"created": False, "users": []}
    post = _checkpoint_post(district)
    if Roster.objects.filter(post=post).exists():
        return {"created": False, "users": []}
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    with transaction.atomic():
        approved = _volunteers(community, officer)
        published = roster_create(post=post, starts_on=today, ends_on=today + timedelta(days=ROSTER_DAYS - 1),
                                  actor=officer)
        k = _fill(post, today, ROSTER_DAYS, approved, officer)
        roster_publish(roster=published, actor=officer)
        draft_start = today + timedelta(days=ROSTER_DAYS)
        draft = roster_create(post=post, starts_on=draft_start, ends_on=draft_start + timedelta(days=ROSTER_DAYS - 1),
                              actor=officer)
        _fill(post, draft_start, 2, approved, officer, k=k)
        # The violation: 赵志远 takes the evening shift and, straight after it, the night shift (no rest).
        evening = _at(draft_start + timedelta(days=2), time(16), tz)
        shift_create(post=post, starts_at=evening, ends_at=evening + timedelta(hours=8), leader_name=LEADERS[0],
                     volunteers=[approved[0]], actor=officer)
        shift_create(post=post, starts_at=evening + timedelta(hours=8), ends_at=evening + timedelta(hours=16),
                     leader_name=LEADERS[1], volunteers=[approved[0]], actor=officer)
        if not WorkingGroup.objects.filter(post=post).exists():
            group_create(post=post, kind=WorkingGroup.Kind.PARTY_BRANCH, name=BRANCH_NAME, secretary=officer,
                         members_text="王建国\n孙立\n赵志远（党员志愿者）\n周敏（党员志愿者）", actor=officer,
                         set_up_on=today - timedelta(days=3))
    return {"created": True, "post": post.pk, "published": published.pk, "draft": draft.pk, "users": []}


def wipe_workforce(*, units) -> None:
    """Volunteers, rules, rosters and groups under these units, before the city goes (a volunteer's community is
    protected)."""
    from fangkong.workforce.models import Roster, ShiftRules, Volunteer, WorkingGroup

    WorkingGroup.objects.filter(post__unit_id__in=units).delete()
    Roster.objects.filter(post__unit_id__in=units).delete()
    ShiftRules.objects.filter(unit_id__in=units).delete()
    Volunteer.objects.filter(unit_id__in=units).delete()
