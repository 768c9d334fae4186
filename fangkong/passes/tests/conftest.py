import datetime

import pytest
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.arrivals.models import Checkpoint

DRIVER_ID = "630102198001010019"
ESCORT_ID = "630102198505050022"
PATIENT_ID = "630802199001010038"


@pytest.fixture
def transport(city):
    return make_user("transport", Role.TRANSPORT, city.city)


@pytest.fixture
def checkpoint_b_user(city):
    return make_user("checkpoint_b", Role.CHECKPOINT, city.b.district)


@pytest.fixture
def clinic_a(city):
    return make_user("clinic_a", Role.CLINIC, city.a.street)


@pytest.fixture
def exit_a(city):
    return Checkpoint.objects.create(name="东城高速口", kind="highway_exit", unit=city.a.district)


@pytest.fixture
def exit_b(city):
    return Checkpoint.objects.create(name="西城高速口", kind="highway_exit", unit=city.b.district)


def pass_fields(**extra):
    now = timezone.now()
    fields = dict(plate="青A12345", driver_name="李师傅", driver_id_number=DRIVER_ID, driver_phone="13800138000",
                  origin="西宁市城北区物流园", destination="东城区人民医院", cargo="medical",
                  valid_from=now - datetime.timedelta(hours=1), valid_to=now + datetime.timedelta(days=2))
    fields.update(extra)
    return fields


@pytest.fixture
def make_pass(transport, exit_a):
    from fangkong.passes import services

    def make(*, issue=True, checkpoints=None, **extra):
        freight_pass = services.freight_pass_request(actor=transport, checkpoints=checkpoints or [exit_a],
                                                     **pass_fields(**extra))
        if issue:
            freight_pass = services.freight_pass_review(freight_pass=freight_pass, approve=True, actor=transport)
        return freight_pass

    return make


@pytest.fixture
def patient(city):
    from fangkong.people.models import Person

    return Person.objects.create(name="王病人", id_number=PATIENT_ID, unit=city.a.building)
