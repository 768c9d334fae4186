import datetime

import pytest
from django.utils import timezone

from fangkong.workforce.services import post_ensure


def local(day_offset: int, hour: int, minute: int = 0) -> datetime.datetime:
    """An aware Asia/Shanghai time, `day_offset` days from today."""
    day = timezone.localdate() + datetime.timedelta(days=day_offset)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def post_a(city):
    """The duty post of a checkpoint in district A (as arrivals.checkpoint_create sets it up)."""
    return post_ensure(kind="checkpoint", name="京港澳高速西平站口", unit=city.a.district,
                       subject_type="arrivals.checkpoint", subject_id=1, actor=None)


@pytest.fixture
def post_a2(city):
    return post_ensure(kind="sampling_point", name="东一社区采样点", unit=city.a.community,
                       subject_type="testing.samplingpoint", subject_id=7, actor=None)


@pytest.fixture
def post_b(city):
    return post_ensure(kind="checkpoint", name="西城高速口", unit=city.b.district,
                       subject_type="arrivals.checkpoint", subject_id=2, actor=None)


def resident_id(serial: int, birth: str = "19900101") -> str:
    """A valid 18-digit resident ID (Beijing Dongcheng), distinct per serial (0–999)."""
    from stdnum.cn import ric

    body = f"110101{birth}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def volunteer_a(city):
    """An approved volunteer of community A."""
    from fangkong.workforce.models import Volunteer

    return Volunteer.objects.create(name="志愿者王小明", id_number=resident_id(1), phone="13800001111",
                                    unit=city.a.community, healthy=True, status=Volunteer.Status.APPROVED)


@pytest.fixture
def volunteer_a2(city):
    from fangkong.workforce.models import Volunteer

    return Volunteer.objects.create(name="志愿者李红", id_number=resident_id(2), phone="13800002222",
                                    unit=city.a.community, healthy=True, status=Volunteer.Status.APPROVED)
