"""PIPL retention reaches every copy: a person long released leaves no name, ID number, phone or address anywhere in
the database — whichever app copied it — and no file; someone not yet eligible keeps everything.

The scan reads every text column of every model through the app registry: a new app that copies personal data and
registers no anonymiser makes it fail."""

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.arrivals.models import Arrival, ArrivalSource, Checkpoint, Occupant, Passage, ReportLink, SelfReport
from fangkong.audit.services import audit_record
from fangkong.exports.models import ExportLog
from fangkong.interop.models import InboxItem
from fangkong.notify.models import Message
from fangkong.passes.models import EscortPass, FreightPass
from fangkong.people import retention
from fangkong.people.models import ManagementStatus, Person
from fangkong.people.services import household_create, person_create, person_status_change, person_tag_set
from fangkong.people.tests.conftest import make_id
from fangkong.supplies.models import DeliveryRound, DeliveryStop, Need
from fangkong.testing.models import Lab, Round, Sample, Tube
from fangkong.tracing.models import AssistRequest, Case, Contact, DetectionHit, DetectionRun, Exposure, PlaceVisit
from fangkong.units.models import Clinic, ClosedLoop, FeverReport, LoopEvent, Organisation
from fangkong.vaccination.models import DoseImport
from fangkong.workforce.models import Volunteer

pytestmark = pytest.mark.django_db

_TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


@pytest.fixture
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORTS_DIR = tmp_path / "exports"
    return tmp_path


def _resident(city, *, name, id_number, phone, door, released_days_ago, actor):
    address = f"东城区东街道东一社区1号楼{door}室"
    household = household_create(unit=city.a.building, number=door, address=address, actor=None)
    person = person_create(name=name, id_number=id_number, phone=phone, household=household, actor=None)
    person_tag_set(person=person, tags={"chronic"}, actor=actor)
    when = timezone.now() - timedelta(days=released_days_ago)
    Person.objects.filter(pk=person.pk).update(status_since=when - timedelta(days=365))
    person_status_change(person=person, to_status=ManagementStatus.HOME_ISOLATION, cause="close contact",
                         actor=actor, at=when - timedelta(days=14))
    person_status_change(person=person, to_status=ManagementStatus.RELEASED, cause="released", actor=actor, at=when)
    person.refresh_from_db()
    return person, address


def _copies_everywhere(person, address, *, tag, city, actor, storage, when) -> list[Path]:
    """What each app keeps about the person while they are managed — linked by foreign key where the app links,
    and as a bare copy (same ID number or phone) where it does not. Returns the files written for them."""
    name, id_number, phone = person.name, person.id_number, person.phone
    day = when.date()
    files = []

    # testing: a sample on file, and one scanned before the person was linked (a second round).
    lab = Lab.objects.create(code=f"L{tag}", name="市疾控实验室", unit=city.city)
    for n, linked in ((1, True), (2, False)):
        round_ = Round.objects.create(code=f"R{tag}{n}", name="全员核酸", unit=city.a.district, starts_at=when,
                                      ends_at=when + timedelta(days=1), pool_size=10)
        tube = Tube.objects.create(code=f"T{tag}{n}", unit=city.a.community, capacity=10, opened_at=when,
                                   round=round_, lab=lab)
        sample = Sample.objects.create(tube=tube, round=round_, person=person if linked else None, id_type="resident",
                                       id_number=id_number, name=name, phone=phone, unit=city.a.building,
                                       sampled_at=when)
        audit_record(actor=actor, obj=sample, action="create", unit_path=city.a.building.path,
                     changes={"name": [None, name], "id_number": [None, id_number]})

    # arrivals: the traveller at the checkpoint (linked, and an unlinked occupant merged into the arrival), the
    # arrival matched by ID number, and the QR-code self-report.
    checkpoint = Checkpoint.objects.create(name=f"高速口{tag}", unit=city.a.district)
    passage = Passage.objects.create(checkpoint=checkpoint, at=when, client_key=f"key-{tag}", plate="京A12345")
    occupants = [Occupant.objects.create(
        passage=passage, person=p, name=name, id_type="resident", id_number=id_number, phone=phone,
        temperature=Decimal("36.5"), health_code="green", origin_text="北京市朝阳区", proposed_disposition="pass",
        disposition="pass", destination_address=address, itinerary=[{"place": address}]) for p in (person, None)]
    arrival = Arrival.objects.create(name=name, id_number=id_number, phone=phone, origin_name="北京市朝阳区",
                                     left_origin_on=day, arrived_on=day, destination=city.a.building,
                                     destination_address=address)
    link = ReportLink.objects.create(token=f"tok{tag}", unit=city.a.district)
    report = SelfReport.objects.create(link=link, name=name, id_number=id_number, phone=phone, origin_text="北京",
                                       left_origin_on=day, destination=city.a.building, destination_address=address,
                                       ip_hash="x")
    ArrivalSource.objects.create(arrival=arrival, channel="checkpoint", occupant=occupants[1])
    ArrivalSource.objects.create(arrival=arrival, channel="self_report", self_report=report)

    # tracing: their case, its itinerary and exposure, them as a contact, an assist request with their ID, and a
    # co-presence file uploaded for the case.
    case = Case.objects.create(number=f"C{tag}", person=person, unit=city.a.building, first_positive_at=when,
                               source="other", window_start=when - timedelta(days=4), window_end=when,
                               reported_at=when, summary=f"{name}，住{address}，电话{phone}")
    PlaceVisit.objects.create(case=case, name="住所", address=address, start=when, note=f"{name}在家")
    Exposure.objects.create(case=case, kind="unknown", description=f"{name}自述")
    Contact.objects.create(case=case, person=person, category="close_contact", reason=f"与{name}同住",
                           exposure_at=when, status="released")
    away = Contact.objects.create(case=case, category="close_contact", reason="外地", exposure_at=when,
                                  status="assist")
    AssistRequest.objects.create(contact=away, name=name, id_number=id_number, phone=phone, address=address)
    visits = storage / f"visits-{tag}.csv"
    visits.write_text(f"person_id,place\n{id_number},P1\n", encoding="utf-8")
    files.append(visits)
    run = DetectionRun.objects.create(case=case, filename="visits.csv", path=str(visits), status="done")
    DetectionHit.objects.create(run=run, person_key=id_number, person=person, copresent_minutes=30,
                                first_contact=when, last_contact=when, places="P1")

    # notify: a message to them, and one sent to their number before they were on file.
    for n, linked in ((1, True), (2, False)):
        Message.objects.create(kind="reminder", event_key=f"e{tag}{n}", phone=phone, person=person if linked else None,
                               text=f"{name}您好", status="delivered", created_at=when, send_after=when)

    # passes: they drove a lorry, and sat with a patient.
    FreightPass.objects.create(unit=city.a.district, status="issued", plate="京B54321", driver_name=name,
                               driver_id_number=id_number, driver_phone=phone, origin="甲", destination="乙",
                               cargo="food", valid_from=when, valid_to=when + timedelta(days=1), requested_at=when)
    EscortPass.objects.create(unit=city.a.district, patient=person, escort_person=person, escort_name=name,
                              escort_id_number=id_number, escort_phone=phone, tested_at=when, valid_from=when,
                              valid_to=when + timedelta(days=1), issued_at=when)

    # interop: a lab message that matched no tube, raw resources as received.
    InboxItem.objects.create(lab=lab, unit=city.city, observation={"subject": {"identifier": id_number}},
                             patient={"name": name, "identifier": id_number, "telecom": phone},
                             id_number=id_number, result="negative", reason="person_not_found",
                             detail=f"无此证件号 {id_number}")

    # workforce: they volunteered once (not serving now).
    Volunteer.objects.create(name=name, id_number=id_number, phone=phone, unit=city.a.community, status="rejected",
                             health_note=f"{name}健康")

    # exports: someone searched the people list for them; the file is still kept.
    (storage / "exports").mkdir(exist_ok=True)
    export_file = storage / "exports" / f"people-{tag}.csv"
    export_file.write_text(f"{name},{id_number}\n", encoding="utf-8")
    files.append(export_file)
    ExportLog.objects.create(user=actor, scope_path=actor.scope_path, source="people", format="csv",
                             filters={"q": name, "status": "released"}, file_name=export_file.name,
                             expires_at=timezone.now() + timedelta(days=7))

    # supplies: medicine they asked for, delivered with a photo.
    delivery = DeliveryRound.objects.create(unit=city.a.community)
    stop = DeliveryStop(round=delivery, household=person.household, note=f"交给{name}", status="delivered")
    stop.photo.save(f"door-{tag}.jpg", ContentFile(b"\xff\xd8\xff photo"), save=False)
    stop.save()
    files.append(Path(stop.photo.path))
    Need.objects.create(household=person.household, unit=city.a.building, kind="medicine", control="home_isolation",
                        prescription_note=f"{name}：胰岛素", note=f"送到{address}", contact_name=name,
                        contact_phone=phone, due_at=when, created_at=when, status="met", stop=stop)

    # units: seen at a fever clinic, and left a closed loop.
    organisation = Organisation.objects.create(unit=city.a.community, name=f"社区医院{tag}", kind="clinic",
                                               contact_name="院办")
    clinic = Clinic.objects.create(organisation=organisation)
    FeverReport.objects.create(clinic=clinic, person=person, phone=phone, temperature=Decimal("38.2"),
                               history=f"{name}去过{address}", disposition="sent_home", seen_at=when, seen_on=day)
    loop = ClosedLoop.objects.create(organisation=organisation, starts_on=day, planned_end_on=day)
    LoopEvent.objects.create(loop=loop, kind="exit", person=person, at=when, note=f"{name}离开")

    # vaccination: a dose row rejected at import, kept with its values for correction.
    DoseImport.objects.create(unit=city.a.district, filename="doses.csv", rejected_count=1, rejected=[
        {"line": 2, "message": "未知疫苗", "values": {"id_number": id_number, "name": name, "phone": phone}}])
    return files


def _where(strings: list[str]) -> dict[str, set[str]]:
    """{"app.Model": the strings found in any of its text columns}, over every model the project has."""
    found: dict[str, set[str]] = {}
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, _TEXT_FIELDS)]
        if not fields:
            continue
        for row in model._base_manager.values_list(*[f.attname for f in fields]):
            text = " ".join(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v
                            for v in row if v is not None)
            for s in strings:
                if s in text:
                    found.setdefault(model._meta.label, set()).add(s)
    return found


@pytest.fixture
def two_people(city, hq, storage):
    gone, gone_address = _resident(city, name="欧阳锦程", id_number=make_id("110101", "19660606", "481"),
                                   phone="13712340001", door="3-301", released_days_ago=200, actor=hq)
    kept, kept_address = _resident(city, name="司马秋菊", id_number=make_id("110101", "19770707", "592"),
                                   phone="13712340002", door="4-401", released_days_ago=30, actor=hq)
    when = timezone.now() - timedelta(days=210)
    gone_files = _copies_everywhere(gone, gone_address, tag="G", city=city, actor=hq, storage=storage, when=when)
    kept_files = _copies_everywhere(kept, kept_address, tag="K", city=city, actor=hq, storage=storage, when=when)
    gone_strings = [gone.name, gone.id_number, gone.phone, gone_address]
    kept_strings = [kept.name, kept.id_number, kept.phone, kept_address]
    return gone, gone_strings, gone_files, kept, kept_strings, kept_files


# Every app's copy the fixture writes: if the scan did not see them before, it proves nothing after.
_COPIES = {"people.Person", "people.Household", "audit.AuditEntry", "testing.Sample", "arrivals.Occupant",
           "arrivals.Arrival", "arrivals.SelfReport", "tracing.Case", "tracing.PlaceVisit", "tracing.Exposure",
           "tracing.Contact", "tracing.AssistRequest", "tracing.DetectionHit",
           "notify.Message", "passes.FreightPass", "passes.EscortPass", "interop.InboxItem", "workforce.Volunteer",
           "exports.ExportLog", "supplies.DeliveryStop", "supplies.Need", "units.FeverReport", "units.LoopEvent",
           "vaccination.DoseImport"}


def test_after_apply_no_copy_of_their_personal_data_is_left_anywhere(two_people, django_capture_on_commit_callbacks):
    # given
    gone, gone_strings, gone_files, kept, kept_strings, kept_files = two_people
    assert set(_where(gone_strings)) >= _COPIES
    kept_before = _where(kept_strings)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.anonymise(days=180) == 1

    # then
    assert _where(gone_strings) == {}
    assert not any(f.exists() for f in gone_files)
    assert _where(kept_strings) == kept_before
    assert all(f.exists() for f in kept_files)


def test_the_rows_and_the_figures_they_feed_stay(two_people):
    gone = two_people[0]

    retention.anonymise(days=180)

    samples = Sample.objects.filter(round__code__in=["RG1", "RG2"])
    assert samples.count() == 2 and len({s.id_number for s in samples}) == 2
    assert Sample.objects.filter(person=gone).get().sampled_at is not None
    assert Case.objects.get(number="CG").person_id == gone.pk
    assert Contact.objects.filter(person=gone, status="released").count() == 1
    assert Message.objects.filter(event_key__startswith="eG", status="delivered").count() == 2
    assert FeverReport.objects.get(person=gone).temperature == Decimal("38.2")
    need = Need.objects.get(household=gone.household)
    assert (need.kind, need.status) == ("medicine", "met")
    assert DoseImport.objects.filter(rejected__0__line=2).count() == 2
    export = ExportLog.objects.get(filters__status="released", file_name="", file_deleted_at__isnull=False)
    assert export.filters == {"q": "", "status": "released"}


def test_the_dry_run_reports_rows_per_model_and_changes_nothing(two_people, capsys):
    gone, gone_strings, gone_files, *_ = two_people
    before = _where(gone_strings)

    report = retention.dry_run(days=180)

    rows = dict(report.rows)
    assert rows["people.Person"] == 1
    assert rows["testing.Sample"] == 2  # the linked one and the one found by ID number
    assert rows["arrivals.Occupant"] == 2 and rows["arrivals.Arrival"] == 1 and rows["arrivals.SelfReport"] == 1
    assert rows["notify.Message"] == 2 and rows["tracing.AssistRequest"] == 1
    assert rows["exports.ExportLog"] == 1 and rows["vaccination.DoseImport"] == 1
    assert rows["supplies.Need"] == 1 and rows["supplies.DeliveryStop"] == 1
    assert _where(gone_strings) == before
    assert all(f.exists() for f in gone_files)

    call_command("retention", "--days", "180")
    out = capsys.readouterr().out
    assert "testing.Sample: 2" in out and "workforce.Volunteer: 1" in out
    assert _where(gone_strings) == before


def test_a_volunteer_still_serving_keeps_their_record(two_people):
    gone = two_people[0]
    Volunteer.objects.filter(name=gone.name).update(status=Volunteer.Status.APPROVED)
    id_number = gone.id_number

    retention.anonymise(days=180)

    assert Volunteer.objects.get(id_number=id_number).name == "欧阳锦程"


def test_a_household_address_stays_while_someone_still_lives_there(city, hq, storage):
    gone, address = _resident(city, name="欧阳锦程", id_number=make_id("110101", "19660606", "481"),
                              phone="13712340001", door="3-301", released_days_ago=200, actor=hq)
    person_create(name="欧阳小明", id_number=make_id("110101", "20100606", "483"), household=gone.household,
                  actor=None)

    retention.anonymise(days=180)

    gone.household.refresh_from_db()
    assert gone.household.address == address
    assert Person.objects.get(pk=gone.pk).address == ""


def test_task_titles_naming_them_are_erased_too(two_people):
    from fangkong.tasks.models import Task

    gone, gone_strings, *_ = two_people
    Task.objects.create(kind="visit", title=f"上门核实 {gone.name}", detail=f"{gone.phone}", unit=gone.unit,
                        person=gone, due_at=timezone.now() - timedelta(days=200))

    retention.anonymise(days=180)

    assert "tasks.Task" not in _where(gone_strings)


def test_a_batch_costs_the_same_queries_however_many_people_it_holds(city, hq, storage):
    # Every copy is erased by one UPDATE per model and batch: more people in a batch, not more queries. Only an
    # export log and a dose-import report that name one of them are rewritten one by one (a few, not millions):
    # each person here has one of each.
    def eligible(n: int):
        person, address = _resident(city, name=f"欧阳{'一二三'[n]}郎", phone=f"1371234100{n}", door=f"9-90{n}",
                                    id_number=make_id("110101", "19660606", f"4{n}1"), released_days_ago=200,
                                    actor=hq)
        _copies_everywhere(person, address, tag=f"Q{n}", city=city, actor=hq, storage=storage,
                           when=timezone.now() - timedelta(days=210))

    eligible(0)
    with CaptureQueriesContext(connection) as one:
        assert retention.anonymise(days=180) == 1
    eligible(1)
    eligible(2)
    with CaptureQueriesContext(connection) as two:
        assert retention.anonymise(days=180) == 2

    assert len(two.captured_queries) <= len(one.captured_queries) + 2
