"""Flow 4 of DOMAIN.md: the queue → rooms for all of it → a trip → handover (only then centralised isolation) →
release; and what must never happen: mixed categories, an over-full room, one room booked twice."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from fangkong.isolation import selectors, services
from fangkong.isolation.models import Room, Stay, Trip
from fangkong.people.models import Person
from fangkong.tasks.models import Task

pytestmark = pytest.mark.django_db


def _place_all(user):
    entries = selectors.placement_queue(user=user)
    proposal = selectors.propose(user=user, entries=entries)
    return services.placement_confirm(groups=proposal.groups, actor=user), proposal


def test_people_sent_to_centralised_isolation_wait_at_home_in_the_queue(family_a, officer_a, site_a):
    entries = selectors.placement_queue(user=officer_a)
    assert [e.name for e in entries] == ["周父", "周母", "周子", "吴单"]
    assert {e.category for e in entries} == {"close_contact"}
    assert {Person.objects.get(pk=e.person_id).status for e in entries} == {"home_isolation"}


def test_the_household_shares_a_family_room_and_the_neighbour_gets_a_single(family_a, officer_a, site_a):
    stays, proposal = _place_all(officer_a)
    rooms = {s.person.name: s.room for s in Stay.objects.select_related("person", "room")}
    assert rooms["周父"] == rooms["周母"] == rooms["周子"] and rooms["周父"].kind == "family"
    assert rooms["吴单"].kind == "single"
    assert len(stays) == 4 and not proposal.unplaced
    assert set(Room.objects.filter(status="occupied").values_list("number", flat=True)) == {
        rooms["周父"].number, rooms["吴单"].number}
    assert selectors.placement_queue(user=officer_a) == []


def test_a_room_taken_meanwhile_refuses_the_whole_confirmation(family_a, officer_a, site_a):
    entries = selectors.placement_queue(user=officer_a)
    proposal = selectors.propose(user=officer_a, entries=entries)
    single = next(room for members, room in proposal.groups if len(members) == 1)
    Room.objects.filter(pk=single.pk).update(status="occupied")
    with pytest.raises(ValidationError, match="just taken"):
        services.placement_confirm(groups=proposal.groups, actor=officer_a)
    assert not Stay.objects.exists()
    assert Room.objects.filter(status="occupied").count() == 1


def test_a_room_never_holds_more_people_than_beds_or_two_categories(family_a, officer_a, site_a):
    entries = selectors.placement_queue(user=officer_a)
    single = Room.objects.get(site=site_a, number="201")
    with pytest.raises(ValidationError, match="beds"):
        services.placement_confirm(groups=[(entries[:3], single)], actor=officer_a)
    mixed = [entries[3], type(entries[0])(**{**entries[0].__dict__, "category": "arrival"})]
    with pytest.raises(ValidationError, match="mix"):
        services.placement_confirm(groups=[(mixed, Room.objects.get(site=site_a, number="301"))], actor=officer_a)
    assert not Stay.objects.exists()


def test_another_districts_officer_cannot_place_people_in_the_site(family_a, officer_a, officer_b, site_a):
    entries = selectors.placement_queue(user=officer_a)
    with pytest.raises(PermissionDenied):
        services.placement_confirm(groups=[(entries[3:], Room.objects.get(site=site_a, number="201"))],
                                   actor=officer_b)
    assert selectors.propose(user=officer_b, entries=entries).groups == []


def test_a_trip_picks_up_in_address_order_and_the_status_changes_only_at_handover(
        family_a, officer_a, site_a, driver, site_staff):
    stays, _proposal = _place_all(officer_a)
    trip = services.trip_create(site=site_a, stays=stays, vehicle="青H 12345", driver_name="钱师傅", driver=driver,
                                actor=officer_a)
    stops = selectors.trip_stops(trip=trip)
    assert [s.person.household.number for s in stops] == ["301", "301", "301", "302"]
    for stop in stops:
        services.pickup_record(stay=stop, found=True, actor=driver)
    assert Person.objects.get(pk=stops[0].person_id).status == "home_isolation"
    services.handover_record(stay=stops[0], received_by="赵医生", actor=site_staff)
    person = Person.objects.get(pk=stops[0].person_id)
    assert person.status == "central_isolation"
    assert Task.objects.get(pk=stops[0].task_id).status == "done"
    # The test days inside the site are the site doctor's now; the home stage's stay with the grid.
    tests = Task.objects.filter(person=person, kind="measure_test", status="open")
    assert tests.filter(owner=site_staff).exists() and tests.exclude(owner=site_staff).exists()
    for stop in stops[1:]:
        services.handover_record(stay=stop, received_by="赵医生", actor=site_staff)
    trip.refresh_from_db()
    assert trip.status == Trip.Status.DONE
    figures = selectors.queue_to_room(user=officer_a, days=1)
    assert figures[0].arrived == 4 and figures[0].median_hours is not None


def test_someone_not_found_is_an_urgent_task_for_their_grid_and_back_in_the_queue(
        family_a, officer_a, site_a, driver, grid_a):
    stays, _proposal = _place_all(officer_a)
    alone = next(s for s in stays if s.person.name == "吴单")
    trip = services.trip_create(site=site_a, stays=[alone], vehicle="青H12345", driver_name="钱师傅", driver=driver,
                                actor=officer_a)
    services.pickup_record(stay=alone, found=False, actor=driver)
    task = Task.objects.get(kind="isolation_not_found")
    assert task.owner == grid_a and task.priority == 1
    assert Room.objects.get(pk=alone.room_id).status == "available"
    assert [e.name for e in selectors.placement_queue(user=officer_a)] == ["吴单"]
    trip.refresh_from_db()
    assert trip.status == Trip.Status.DONE


def test_bad_input_is_refused_with_a_message(family_a, officer_a, site_a, site_staff):
    with pytest.raises(ValidationError, match="201 appears twice"):
        services.rooms_create(site=site_a, rooms=[{"number": "201", "floor": 2}], actor=officer_a)
    with pytest.raises(ValidationError, match="appears twice"):
        services.rooms_create(site=site_a, rooms=[{"number": "901", "floor": 9}, {"number": "901", "floor": 9}],
                              actor=officer_a)
    assert Room.objects.filter(site=site_a).count() == 14
    stays, _proposal = _place_all(officer_a)
    services.trip_create(site=site_a, stays=stays[:1], vehicle="A1", driver_name="x", actor=officer_a)
    with pytest.raises(ValidationError, match="not waiting"):
        services.trip_create(site=site_a, stays=stays[:1], vehicle="A2", driver_name="y", actor=officer_a)
    assert not Trip.objects.filter(vehicle="A2").exists()
    with pytest.raises(ValidationError, match="signs"):
        services.handover_record(stay=stays[0], received_by=" ", actor=site_staff)


def test_a_trip_for_someone_not_in_the_queue_is_refused(family_a, officer_a, site_a):
    with pytest.raises(ValidationError, match="Choose the people"):
        services.trip_create(site=site_a, stays=[], vehicle="A1", driver_name="x", actor=officer_a)


def test_release_moves_the_person_to_the_next_stage_and_the_room_to_cleaning(
        family_a, officer_a, site_a, site_staff):
    stays, _proposal = _place_all(officer_a)
    alone = next(s for s in stays if s.person.name == "吴单")
    services.handover_record(stay=alone, received_by="赵医生", actor=site_staff)
    services.stay_release(stay=alone, actor=site_staff)
    person = Person.objects.get(pk=alone.person_id)
    # Edition 9: 7 days centralised, then 3 days of home health monitoring (tasks already with the grid).
    assert person.status == "home_monitoring"
    assert Room.objects.get(pk=alone.room_id).status == "cleaning"
    assert Task.objects.filter(person=person, kind="measure_test", status="open").exists()


def test_release_dates_cross_the_month_end(family_a, officer_a, site_a):
    from fangkong.protocols.models import Measure

    measure = Measure.objects.filter(person=family_a[3]).first()
    measure.day_one = datetime.date(2026, 1, 28)
    from fangkong.protocols.selectors import measure_plan

    plan = measure_plan(measure=measure)
    assert plan.stages[0].last == datetime.date(2026, 2, 3)
    assert plan.stages[1].last == datetime.date(2026, 2, 6)


def test_a_positive_result_moves_the_person_out_and_the_room_to_disinfection(family_a, officer_a, site_a,
                                                                             site_staff):
    stays, _proposal = _place_all(officer_a)
    alone = next(s for s in stays if s.person.name == "吴单")
    services.handover_record(stay=alone, received_by="赵医生", actor=site_staff)
    services.positive_moved_out(type("Positive", (), {"person_id": alone.person_id})())
    alone.refresh_from_db()
    assert alone.status == Stay.Status.MOVED_OUT
    assert Room.objects.get(pk=alone.room_id).status == "cleaning"


@pytest.mark.django_db(transaction=True)
def test_two_officers_confirming_the_same_room_at_once_book_it_once(family_a, officer_a, site_a):
    """Two transactions: the first holds the room's row until it commits; the second then finds it taken."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL's row locks")
    entries = selectors.placement_queue(user=officer_a)
    room = Room.objects.get(site=site_a, number="201")
    first_has_room, results = threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                services.placement_confirm(groups=[([entries[3]], room)], actor=officer_a)
                first_has_room.set()
                threading.Event().wait(0.5)  # the second transaction tries meanwhile
            results["first"] = "placed"
        finally:
            connection.close()

    def second():
        first_has_room.wait(5)
        try:
            services.placement_confirm(groups=[([entries[0]], room)], actor=officer_a)
            results["second"] = "placed"
        except ValidationError as exc:
            results["second"] = " ".join(exc.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results["first"] == "placed"
    assert "just taken" in results["second"]
    assert Stay.objects.filter(room=room).count() == 1


def test_a_positive_on_a_test_day_in_the_site_opens_the_case_and_frees_the_room(family_a, officer_a, site_a,
                                                                               site_staff):
    from fangkong.tasks.services import task_complete
    from fangkong.testing import services as testing
    from fangkong.testing.tests.conftest import send_and_result
    from fangkong.tracing.models import Case

    stays, _proposal = _place_all(officer_a)
    alone = next(s for s in stays if s.person.name == "吴单")
    services.handover_record(stay=alone, received_by="赵医生", actor=site_staff)
    test_day = Task.objects.filter(person_id=alone.person_id, kind="measure_test", owner=site_staff,
                                   status="open").order_by("due_at").first()
    task_complete(task=test_day, outcome="sampled", data={"tube_code": "M0000001"}, actor=site_staff)
    lab = testing.lab_create(code="LAB1", name="市疾控中心实验室", unit=site_a.unit.parent, actor=None)
    from fangkong.testing.models import Tube

    send_and_result(Tube.objects.get(code="M0000001"), lab, "positive", ct_orf1ab="30.1")

    case = Case.objects.get(person_id=alone.person_id)
    assert case.source_ref == "M0000001"
    alone.refresh_from_db()
    assert alone.status == Stay.Status.MOVED_OUT
    assert Room.objects.get(pk=alone.room_id).status == "cleaning"


def test_a_test_day_tube_code_used_before_is_refused(family_a, officer_a, site_a, site_staff):
    from fangkong.tasks.services import task_complete

    stays, _proposal = _place_all(officer_a)
    alone = next(s for s in stays if s.person.name == "吴单")
    services.handover_record(stay=alone, received_by="赵医生", actor=site_staff)
    first, second = Task.objects.filter(person_id=alone.person_id, kind="measure_test", owner=site_staff,
                                        status="open").order_by("due_at")[:2]
    task_complete(task=first, outcome="sampled", data={"tube_code": "M0000002"}, actor=site_staff)
    with pytest.raises(ValidationError, match="already used"):
        task_complete(task=second, outcome="sampled", data={"tube_code": "M0000002"}, actor=site_staff)
    second.refresh_from_db()
    assert second.status == "open"
