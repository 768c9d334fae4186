"""Flow 3 of DOMAIN.md in services: a case → its clock → contacts whose measures start at once → secondary contacts
→ a contact who becomes a case is linked and their secondary contacts become close contacts."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.people.models import Person
from fangkong.protocols.models import Measure
from fangkong.tasks.models import Task
from fangkong.tracing import services
from fangkong.tracing.models import AssistRequest, Case, Contact, Link

pytestmark = pytest.mark.django_db


def _hours_ago(hours):
    return timezone.now() - datetime.timedelta(hours=hours)


def test_opening_a_case_starts_its_clock_confines_the_person_and_gives_the_tracer_tasks(case_a, people_a, tracer_a):
    assert case_a.number.startswith(f"C{timezone.localtime().year}-")
    person = Person.objects.get(pk=people_a[0].pk)
    assert person.status == "home_isolation"
    tasks = {t.kind: t for t in Task.objects.filter(subject_type="tracing.case", subject_id=case_a.pk)}
    assert tasks["trace_core"].owner == tracer_a
    # Edition 9 (active preset): core information within 4 hours of the result, the report within 24.
    assert tasks["trace_core"].due_at == case_a.reported_at + datetime.timedelta(hours=4)
    assert tasks["trace_report"].due_at == case_a.reported_at + datetime.timedelta(hours=24)
    assert tasks["case_transfer"].person_id == person.pk
    # Look-back: 4 days before onset (yesterday), from local midnight, to the result.
    start = timezone.localtime(case_a.window_start)
    assert start.date() == case_a.onset_date - datetime.timedelta(days=4) and start.hour == 0
    assert case_a.window_end == case_a.reported_at


def test_a_second_positive_of_the_same_person_returns_their_case(case_a, people_a, tracer_a):
    again = services.case_open(person=people_a[0], first_positive_at=_hours_ago(1), source="fever_clinic",
                               actor=tracer_a)
    assert again.pk == case_a.pk and Case.objects.count() == 1


def test_without_onset_the_look_back_counts_from_the_first_positive_sampling(people_a, tracer_a):
    sampled = _hours_ago(30)
    case = services.case_open(person=people_a[1], first_positive_at=sampled, source="voluntary", actor=tracer_a)
    assert timezone.localtime(case.window_start).date() == (timezone.localtime(sampled).date()
                                                            - datetime.timedelta(days=4))


def test_a_close_contact_is_under_measures_at_once_with_tasks_for_their_grid(case_a, people_a, tracer_a, grid_a):
    exposed = _hours_ago(20)
    contact = services.contact_add(case=case_a, person=people_a[3], category="close_contact", exposure_at=exposed,
                                   reason="同桌吃饭", actor=tracer_a)
    assert contact.status == Contact.Status.CONTROLLED and contact.controlled_at is not None
    measure = Measure.objects.get(person=people_a[3])
    assert measure.category == "close_contact" and measure.day_one == timezone.localtime(exposed).date()
    assert measure.source_ref == case_a.number
    person = Person.objects.get(pk=people_a[3].pk)
    # At home until the isolation site receives them; the transfer is a task of their grid.
    assert person.status == "home_isolation"
    tasks = Task.objects.filter(subject_type="protocols.measure", subject_id=measure.pk)
    assert tasks.filter(kind="first_contact", owner=grid_a).exists()
    assert tasks.filter(kind="transfer_to_isolation").exists()
    assert tasks.filter(kind="measure_test").count() >= 5
    case_a.refresh_from_db()
    assert case_a.contacts_controlled_at == contact.controlled_at


def test_a_contact_in_another_district_gets_the_measure_from_their_own_grid(case_a, person_b, tracer_a):
    contact = services.contact_add(case=case_a, person=person_b, category="close_contact",
                                   exposure_at=_hours_ago(5), reason="同车", actor=tracer_a)
    assert contact.unit.path.startswith(person_b.unit.path[:5])
    assert Measure.objects.filter(person=person_b, status="active").exists()


def test_someone_outside_the_jurisdiction_becomes_an_assist_request(case_a, tracer_a):
    contact = services.contact_add(case=case_a, category="close_contact", exposure_at=_hours_ago(5), reason="同航班",
                                   actor=tracer_a, outside={"name": "张三", "phone": "13812345678",
                                                            "address": "河南省驻马店市西平县城关镇"})
    assert contact.status == Contact.Status.ASSIST and contact.person is None
    request = AssistRequest.objects.get(contact=contact)
    assert request.name == "张三" and request.phone == "13812345678"
    assert request.region_code.startswith("4117")


@pytest.mark.parametrize("change, field", [
    ({"category": "friend"}, "category"),
    ({"reason": " "}, "reason"),
    ({"exposure_at": None}, "exposure_at"),
    ({"exposure_at": timezone.now() + datetime.timedelta(days=1)}, "exposure_at"),
    ({"exposure_at": timezone.now() - datetime.timedelta(days=30)}, "exposure_at"),
    ({"category": "secondary_contact"}, "via"),
])
def test_a_refused_contact_names_the_field_and_writes_nothing(case_a, people_a, tracer_a, change, field):
    kwargs = dict(case=case_a, person=people_a[3], category="close_contact", exposure_at=_hours_ago(3),
                  reason="同桌", actor=tracer_a)
    kwargs.update(change)
    with pytest.raises(ValidationError) as excinfo:
        services.contact_add(**kwargs)
    assert field in excinfo.value.message_dict
    assert not Contact.objects.exists() and not Measure.objects.filter(person=people_a[3]).exists()


def test_the_case_and_a_second_listing_of_a_contact_are_refused(case_a, people_a, tracer_a):
    with pytest.raises(ValidationError, match="own contact"):
        services.contact_add(case=case_a, person=people_a[0], category="close_contact", exposure_at=_hours_ago(2),
                             reason="x", actor=tracer_a)
    services.contact_add(case=case_a, person=people_a[1], category="close_contact", exposure_at=_hours_ago(2),
                         reason="同住", actor=tracer_a)
    with pytest.raises(ValidationError, match="already a contact"):
        services.contact_add(case=case_a, person=people_a[1], category="close_contact", exposure_at=_hours_ago(2),
                             reason="同住", actor=tracer_a)


def test_a_tracer_of_another_district_cannot_work_on_the_case(case_a, people_a, tracer_b):
    with pytest.raises(PermissionDenied):
        services.contact_add(case=case_a, person=people_a[1], category="close_contact", exposure_at=_hours_ago(2),
                             reason="同住", actor=tracer_b)
    with pytest.raises(PermissionDenied):
        services.visit_add(case=case_a, name="超市", start=_hours_ago(30), actor=tracer_b)
    assert not Contact.objects.exists()


def test_core_information_needs_an_itinerary_and_closes_the_tracers_task(case_a, tracer_a):
    with pytest.raises(ValidationError, match="itinerary"):
        services.case_mark(case=case_a, step="core", actor=tracer_a)
    with pytest.raises(ValidationError, match="core information"):
        services.case_mark(case=case_a, step="report", actor=tracer_a)
    services.visit_add(case=case_a, name="东城农贸市场", place_code="V001", start=_hours_ago(40),
                       end=_hours_ago(39), actor=tracer_a)
    case = services.case_mark(case=case_a, step="core", actor=tracer_a)
    assert case.core_done_at is not None and case.first_contact_at is not None
    core = Task.objects.get(kind="trace_core", subject_id=case.pk)
    assert core.status == "done"
    with pytest.raises(ValidationError, match="already recorded"):
        services.case_mark(case=case, step="core", actor=tracer_a)


def test_a_visit_that_ends_before_it_starts_is_refused(case_a, tracer_a):
    with pytest.raises(ValidationError) as excinfo:
        services.visit_add(case=case_a, name="超市", start=_hours_ago(3), end=_hours_ago(4), actor=tracer_a)
    assert "end" in excinfo.value.message_dict
    assert not case_a.visits.exists()


def test_a_close_contact_who_becomes_a_case_is_linked_and_their_secondary_contacts_are_upgraded(
        case_a, people_a, tracer_a):
    close = services.contact_add(case=case_a, person=people_a[3], category="close_contact",
                                 exposure_at=_hours_ago(10), reason="同事", actor=tracer_a)
    secondary = services.contact_add(case=case_a, person=people_a[4], category="secondary_contact", via=close,
                                     exposure_at=_hours_ago(8), reason="住户3的家人", actor=tracer_a)
    assert Measure.objects.get(person=people_a[4]).category == "secondary_contact"

    new_case = services.case_open(person=Person.objects.get(pk=people_a[3].pk), first_positive_at=_hours_ago(1),
                                  source="controlled", actor=None)

    link = Link.objects.get(infectee=new_case)
    assert link.infector == case_a and link.confidence == "probable"
    close.refresh_from_db()
    secondary.refresh_from_db()
    assert close.status == Contact.Status.BECAME_CASE
    assert secondary.status == Contact.Status.UPGRADED
    # The close contact's measure ended; the secondary contact is now a close contact of the new case.
    assert Measure.objects.get(person=people_a[3]).status == "ended"
    assert Measure.objects.get(person=people_a[4], category="secondary_contact").status == "ended"
    assert Contact.objects.get(case=new_case, person=people_a[4]).category == "close_contact"
    assert Measure.objects.get(person=people_a[4], category="close_contact").status == "active"


def test_links_refuse_a_circle(case_a, people_a, tracer_a):
    second = services.case_open(person=people_a[1], first_positive_at=_hours_ago(2), source="controlled",
                                actor=tracer_a)
    services.link_add(infector=case_a, infectee=second, confidence="probable", actor=tracer_a)
    with pytest.raises(ValidationError, match="circle"):
        services.link_add(infector=second, infectee=case_a, confidence="possible", actor=tracer_a)
    assert Link.objects.count() == 1


def test_a_positive_single_tube_opens_the_case_by_itself(people_a, city):
    from fangkong.testing import services as testing
    from fangkong.testing.tests.conftest import send_and_result

    lab = testing.lab_create(code="LAB1", name="市疾控中心实验室", unit=city.city, actor=None)
    point = testing.point_create(code="P-A1", name="东一社区广场采样点", unit=city.a.community, actor=None,
                                 opens_at=datetime.time(0), closes_at=datetime.time(23, 59))
    round_ = testing.round_create(code="R-A-1", name="东城区第一轮", nodes=[city.a.district], pool_size=10,
                                  starts_at=_hours_ago(1), ends_at=timezone.now() + datetime.timedelta(days=1),
                                  actor=None)
    tube = testing.tube_open(round_=round_, point=point, code="T0000001", capacity=1, actor=None)
    testing.sample_add(tube=tube, id_number=people_a[2].id_number, actor=None)
    tube.refresh_from_db()
    send_and_result(tube, lab, "positive", ct_orf1ab="28.5")

    case = Case.objects.get(person=people_a[2])
    assert case.source == "testing_round" and case.source_ref == "T0000001"
    assert str(case.ct_orf1ab) == "28.5" and case.positive_case is not None
    assert Task.objects.filter(kind="trace_core", subject_id=case.pk).exists()
