"""A car at a highway exit: the disposition, the hand-over to the destination grid, bad input, resends."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangkong.arrivals.models import Arrival, Occupant, Passage
from fangkong.arrivals.services import passage_record
from fangkong.arrivals.tests.conftest import key, traveller
from fangkong.people.models import Person
from fangkong.people.tests.conftest import make_id
from fangkong.tasks.models import Task

_GOOD = make_id("411721", "19850101", "201")
BAD_ID = _GOOD[:-1] + ("1" if _GOOD[-1] != "1" else "2")

pytestmark = pytest.mark.django_db


def test_a_car_of_three_from_a_high_risk_area_is_handed_to_the_destination_grid(
        protocol, high_area, grid_a, checkpoint, checkpoint_a, city):
    # given three travellers from 西平县, declared high-risk, going to 东城网格1
    occupants = [traveller(n, city.a.grid) for n in (1, 2, 3)]
    # when the checkpoint records the car
    passage = passage_record(checkpoint=checkpoint, plate="豫Q12345", occupants=occupants, client_key=key(),
                             actor=checkpoint_a)
    # then each is handed over, an arrival at the destination with the protocol's first contact for grid_a
    rows = list(passage.occupants.order_by("pk"))
    assert [o.disposition for o in rows] == ["hand_over_transfer"] * 3
    assert {o.origin_level for o in rows} == {"high"} and all(o.origin_code == "411721" for o in rows)
    arrivals = list(Arrival.objects.order_by("pk"))
    assert len(arrivals) == 3
    for arrival, occupant in zip(arrivals, rows, strict=True):
        assert arrival.channels == ["checkpoint"] and arrival.destination == city.a.grid
        assert arrival.person_id == occupant.person_id is not None
        assert arrival.category == "arrival_high" and arrival.measure_id
        task = arrival.first_contact_task
        assert task.kind == "first_contact" and task.owner == grid_a and task.person_id == arrival.person_id
        assert task.dedupe_key.startswith(f"measure:{arrival.measure_id}:")
        # and the measure's other tasks (transfer, tests on schedule, end of stage) for the same person
        assert Task.objects.filter(person_id=arrival.person_id).exclude(kind="first_contact").exists()
        hours = protocol.plans["arrival_high"].first_contact_hours
        assert abs((task.due_at - arrival.created_at) - datetime.timedelta(hours=hours)) < datetime.timedelta(
            minutes=5)
    assert Person.objects.filter(unit=city.a.grid).count() == 3


def test_a_green_traveller_with_a_test_passes_and_is_not_registered(protocol, checkpoint, checkpoint_a, city):
    passage = passage_record(checkpoint=checkpoint, plate="京AD12345", client_key=key(), actor=checkpoint_a,
                             occupants=[traveller(1, origin_text="北京市东城区东华门街道")])
    assert passage.occupants.get().disposition == "pass"
    assert not Arrival.objects.exists()


def test_an_unknown_origin_is_flagged_for_a_human_never_dropped(protocol, grid_a, checkpoint, checkpoint_a, city):
    passage = passage_record(checkpoint=checkpoint, plate="豫Q12345", client_key=key(), actor=checkpoint_a,
                             occupants=[traveller(1, city.a.grid, origin_text="老家那边的山里")])
    occupant = passage.occupants.get()
    assert occupant.origin_text == "老家那边的山里" and not occupant.origin_resolved
    assert occupant.disposition == "register_and_pass" and "origin_unresolved" in occupant.reasons
    arrival = Arrival.objects.get()
    assert arrival.origin_name == "老家那边的山里" and arrival.origin_level == ""
    assert arrival.first_contact_task.owner == grid_a and arrival.first_contact_task.is_open


@pytest.mark.parametrize("field,value,message", [
    ("id_number", BAD_ID, "check digit"),
    ("temperature", "33.9", "between 34 and 43"),
    ("temperature", "43.1", "between 34 and 43"),
    ("temperature", "hot", "as a number"),
    ("health_code", "blue", "colour of the health code"),
    ("origin_text", "", "where the traveller comes from"),
    ("phone", "12345", "mobile number"),
    ("left_origin_on", "2099-01-01", "after the day of arrival"),
])
def test_bad_occupant_input_names_the_field_and_writes_nothing(protocol, checkpoint, checkpoint_a, city, field,
                                                               value, message):
    good = traveller(1, city.a.grid)
    bad = traveller(2, city.a.grid, **{field: value})
    with pytest.raises(ValidationError) as caught:
        passage_record(checkpoint=checkpoint, plate="豫Q12345", occupants=[good, bad], client_key=key(),
                       actor=checkpoint_a)
    errors = caught.value.message_dict
    assert list(errors) == [f"occupants.1.{field}"]
    assert message in " ".join(errors[f"occupants.1.{field}"])
    assert not Passage.objects.exists() and not Occupant.objects.exists() and not Arrival.objects.exists()


@pytest.mark.parametrize("plate", ["ABC", "京I12345", "豫Q1234", "京AX12345"])
def test_impossible_plates_are_refused(protocol, checkpoint, checkpoint_a, city, plate):
    with pytest.raises(ValidationError) as caught:
        passage_record(checkpoint=checkpoint, plate=plate, occupants=[traveller(1, city.a.grid)], client_key=key(),
                       actor=checkpoint_a)
    assert list(caught.value.message_dict) == ["plate"]
    assert not Passage.objects.exists()


def test_a_pedestrian_has_no_plate(protocol, checkpoint, checkpoint_a, city):
    passage = passage_record(checkpoint=checkpoint, plate="", occupants=[traveller(1, origin_text="北京市东城区")],
                             client_key=key(), actor=checkpoint_a)
    assert passage.plate is None


def test_the_same_record_sent_three_times_exists_once(protocol, high_area, grid_a, checkpoint, checkpoint_a, city):
    record_key = key()
    first = passage_record(checkpoint=checkpoint, plate="豫Q12345", occupants=[traveller(1, city.a.grid)],
                           client_key=record_key, actor=checkpoint_a)
    for _ in range(2):
        again = passage_record(checkpoint=checkpoint, plate="豫Q12345", occupants=[traveller(1, city.a.grid)],
                               client_key=record_key, actor=checkpoint_a)
        assert again.pk == first.pk
    assert Passage.objects.count() == 1 and Occupant.objects.count() == 1 and Arrival.objects.count() == 1
    assert Task.objects.filter(kind="first_contact").count() == 1


def test_an_override_needs_a_reason(protocol, high_area, checkpoint, checkpoint_a, city):
    occupant = traveller(1, city.a.grid, override="pass")
    with pytest.raises(ValidationError) as caught:
        passage_record(checkpoint=checkpoint, plate="豫Q12345", occupants=[occupant], client_key=key(),
                       actor=checkpoint_a)
    assert list(caught.value.message_dict) == ["occupants.0.override_reason"]
    occupant["override_reason"] = "过境车辆，不下高速，点对点"
    passage = passage_record(checkpoint=checkpoint, plate="豫Q12345", occupants=[occupant], client_key=key(),
                             actor=checkpoint_a)
    row = passage.occupants.get()
    assert (row.proposed_disposition, row.disposition, row.override_reason) == (
        "hand_over_transfer", "pass", "过境车辆，不下高速，点对点")
    assert not Arrival.objects.exists()


def test_a_fever_is_observed_then_sent_to_the_fever_clinic_with_both_temperatures(
        protocol, grid_a, checkpoint, checkpoint_a, city):
    from fangkong.arrivals.services import occupant_remeasure

    passage = passage_record(checkpoint=checkpoint, plate="豫Q12345", client_key=key(), actor=checkpoint_a,
                             occupants=[traveller(1, city.a.grid, temperature="38.1", origin_text="北京市东城区")])
    occupant = passage.occupants.get()
    assert occupant.disposition == "observation" and not Arrival.objects.exists()
    occupant = occupant_remeasure(occupant=occupant, temperature="37.9", actor=checkpoint_a)
    assert (str(occupant.temperature), str(occupant.recheck_temperature), occupant.disposition) == (
        "38.1", "37.9", "fever_clinic")
    assert Arrival.objects.get().first_contact_task.owner == grid_a


def test_a_checkpoint_outside_ones_district_is_refused(protocol, checkpoint_b, checkpoint_a, city):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        passage_record(checkpoint=checkpoint_b, plate="豫Q12345", occupants=[traveller(1, city.b.grid)],
                       client_key=key(), actor=checkpoint_a)
    assert not Passage.objects.exists()


def test_a_record_resent_later_keeps_the_time_the_car_passed(protocol, checkpoint, checkpoint_a, city):
    passed = timezone.now() - datetime.timedelta(hours=3)
    passage = passage_record(checkpoint=checkpoint, plate="豫Q12345", client_key=key(), actor=checkpoint_a,
                             at=passed, occupants=[traveller(1, origin_text="北京市东城区")])
    assert passage.at == passed
