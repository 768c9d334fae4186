"""IDOR harness: every URL that takes an object id must treat another district's object as missing.

The harness walks every URL pattern of fangkong.urls (through includes and the django-ninja API) and
picks those whose route has kwargs named `<model>_id`. For each it builds objects of those kinds in
district B, then, as officer_a of district A, requests the URL with B's ids:

- GET must not answer 2xx, must not redirect anywhere but the login page, and must not show B's data;
- POST (and PUT/PATCH/DELETE on the API) must not answer 2xx and must change nothing: B's rows keep
  their values and no table of ours gains or loses a row.

A new `<model>_id` kwarg without a builder below is reported as a skipped case naming the kwarg:
add a builder to BUILDERS, do not rename the kwarg.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from fangkong.accounts.models import ApiToken

# Routes only mounted with DEBUG (django-admin/) are not part of the product.
IGNORED_PREFIXES = ("django-admin/",)
# URLs that exist now; the harness must find at least these (other apps' ids join them automatically).
EXPECTED_AT_LEAST = {
    "core:home_unit",
    "accounts:token_revoke",
    "accounts:user_deactivate",
    "accounts:user_unlock",
    "api:token_revoke",
}
CORE_KWARGS = {"unit_id", "person_id", "household_id", "task_id"}
MARKER = "西城IDOR"
KWARG = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
REFUSED = {400, 401, 403, 404, 405, 409, 422, 429}


@dataclass(frozen=True)
class Route:
    route: str  # "people/<int:person_id>/", relative to the site root
    name: str  # "people:person", or the route when the pattern has no name
    kwargs: tuple[str, ...]
    is_api: bool

    def url(self, values: dict[str, int]) -> str:
        return "/" + KWARG.sub(lambda m: str(values[m.group("name")]), self.route)


def _walk(patterns, prefix: str = "", namespace: str = "", regex: bool = False):
    for pattern in patterns:
        part = str(pattern.pattern)
        is_regex = regex or not isinstance(pattern.pattern, RoutePattern)
        if isinstance(pattern, URLResolver):
            ns = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from _walk(pattern.url_patterns, prefix + part, ns, is_regex)
        elif isinstance(pattern, URLPattern):
            yield prefix + part, ":".join(filter(None, [namespace, pattern.name])), is_regex


def discover() -> tuple[list[Route], list[str]]:
    """(routes with <model>_id kwargs, regex routes with named groups we cannot fill)."""
    with override_settings(DEBUG=False):
        resolver = get_resolver("fangkong.urls")
        found, regex_routes = {}, []
        for route, name, is_regex in _walk(resolver.url_patterns):
            if route.startswith(IGNORED_PREFIXES):
                continue
            if is_regex:
                if re.search(r"\(\?P<\w+_id>", route):
                    regex_routes.append(route)
                continue
            kwargs = tuple(m.group("name") for m in KWARG.finditer(route))
            if kwargs and all(k.endswith("_id") for k in kwargs):
                found.setdefault(route, Route(route, name or route, kwargs, route.startswith("api/")))
    return sorted(found.values(), key=lambda r: r.route), regex_routes


ROUTES, REGEX_ROUTES = discover()


# --- district B's objects ---------------------------------------------------------------------------------------


class World:
    """Objects in district B, built on demand, each carrying MARKER in a visible field."""

    def __init__(self, city, officer_b, grid_worker_b):
        self.city, self.officer_b, self.grid_worker_b = city, officer_b, grid_worker_b
        self._cache = {}

    def city_person_b2(self):
        from fangkong.people.models import Person

        return Person.objects.create(name=f"{MARKER}二号", id_number="630802199001010027",
                                     household=self.get("household_id"), unit=self.city.b.building)

    def get(self, kwarg: str):
        if kwarg not in self._cache:
            self._cache[kwarg] = BUILDERS[kwarg](self)
        return self._cache[kwarg]


def _unit(world):
    world.city.b.grid.name = f"{MARKER}网格"
    world.city.b.grid.save(update_fields=["name"])
    return world.city.b.grid


def _household(world):
    from fangkong.people.models import Household

    return Household.objects.create(unit=world.city.b.building, number="901", address=f"{MARKER}路1号")


def _person(world):
    from fangkong.people.models import Person

    return Person.objects.create(name=f"{MARKER}居民", id_number="630802199001010019", phone="13900139000",
                                 household=world.get("household_id"), unit=world.city.b.building)


def _task(world):
    from fangkong.tasks.models import Task

    return Task.objects.create(kind="visit", title=f"{MARKER}任务", unit=world.city.b.grid,
                               person=world.get("person_id"), household=world.get("household_id"),
                               owner=world.grid_worker_b, due_at=timezone.now() + timedelta(hours=4))


def _user(world):
    world.grid_worker_b.display_name = f"{MARKER}网格员"
    world.grid_worker_b.save(update_fields=["display_name"])
    return world.grid_worker_b


def _token(world):
    token, _ = ApiToken.issue(user=world.grid_worker_b, name=f"{MARKER}手机")
    return token


def _responsibility(world):
    from fangkong.territory.models import Responsibility

    return Responsibility.objects.create(unit=world.city.b.grid, role=Responsibility.Role.GRID_WORKER,
                                         user=world.grid_worker_b, name=f"{MARKER}责任人")


def _job(world):
    Job = apps.get_model("ops", "Job")
    return Job.objects.create(kind="export", label=f"{MARKER}导出", started_by=world.officer_b,
                              scope_path=world.city.b.district.path, func_path="fangkong.ops.jobs.noop")


def _status_change(world):
    from fangkong.people.models import StatusChange

    return StatusChange.objects.create(person=world.get("person_id"), to_status="home_isolation",
                                       at=timezone.now(), cause=f"{MARKER}原因", actor=world.officer_b)


def _risk_area(world):
    from fangkong.risk.models import RiskArea

    now = timezone.now()
    return RiskArea.objects.create(unit=world.city.b.street, name=f"{MARKER}街道", code="630802001",
                                   match_code="630802001", level="high", declared_at=now, level_since=now,
                                   reason=f"{MARKER}通告")


def _checkpoint(world):
    from fangkong.arrivals.models import Checkpoint

    return Checkpoint.objects.create(name=f"{MARKER}卡口", kind="highway_exit", unit=world.city.b.district)


def _occupant(world):
    from fangkong.arrivals.models import Occupant, Passage

    passage = Passage.objects.create(checkpoint=world.get("checkpoint_id"), at=timezone.now(), plate="晋L12345",
                                     client_key="idor-b-1")
    return Occupant.objects.create(passage=passage, name=f"{MARKER}旅客", temperature="36.5", health_code="green",
                                   origin_text="河南省驻马店市西平县", proposed_disposition="pass", disposition="pass")


def _post(world):
    from fangkong.workforce.models import Post

    return Post.objects.create(kind="checkpoint", name=f"{MARKER}岗位", unit=world.city.b.district,
                               subject_type="arrivals.checkpoint", subject_id=world.get("checkpoint_id").pk)


def _shift(world):
    from fangkong.workforce.models import Shift

    start = timezone.now() + timedelta(hours=1)
    return Shift.objects.create(post=world.get("post_id"), starts_at=start, ends_at=start + timedelta(hours=8),
                                leader_name=f"{MARKER}班长")


def _volunteer(world):
    from fangkong.workforce.models import Volunteer

    return Volunteer.objects.create(name=f"{MARKER}志愿者", id_number="11010119900101009X", phone="13800009999",
                                    unit=world.city.b.community, healthy=True)


def _roster(world):
    from fangkong.workforce.models import Roster

    today = timezone.localdate()
    return Roster.objects.create(post=world.get("post_id"), starts_on=today, ends_on=today + timedelta(days=6))


def _case(world):
    from fangkong.tracing.models import Case

    now = timezone.now()
    return Case.objects.create(number="C-IDOR-B", person=world.get("person_id"), unit=world.city.b.building,
                               source="fever_clinic", first_positive_at=now - timedelta(hours=3),
                               reported_at=now - timedelta(hours=1), window_start=now - timedelta(days=4),
                               window_end=now, summary=f"{MARKER}病例")


def _visit(world):
    from fangkong.tracing.models import PlaceVisit

    return PlaceVisit.objects.create(case=world.get("case_id"), name=f"{MARKER}市场",
                                     start=timezone.now() - timedelta(days=1))


def _contact(world):
    from fangkong.tracing.models import Contact

    return Contact.objects.create(case=world.get("case_id"), category="close_contact", reason=f"{MARKER}同住",
                                  exposure_at=timezone.now() - timedelta(hours=5), status="assist")


def _assist(world):
    from fangkong.tracing.models import AssistRequest

    return AssistRequest.objects.create(contact=world.get("contact_id"), name=f"{MARKER}协查", phone="13900139001")


def _link(world):
    from fangkong.tracing.models import Case, Link

    now = timezone.now()
    other = Case.objects.create(number="C-IDOR-B2", person=world.city_person_b2(), unit=world.city.b.building,
                                source="controlled", first_positive_at=now - timedelta(days=3),
                                reported_at=now - timedelta(days=2), window_start=now - timedelta(days=7),
                                window_end=now - timedelta(days=2))
    return Link.objects.create(infector=other, infectee=world.get("case_id"), confidence="probable",
                               basis=f"{MARKER}关联")


def _run(world):
    from fangkong.tracing.models import DetectionRun

    return DetectionRun.objects.create(case=world.get("case_id"), filename=f"{MARKER}.csv", path="/nonexistent",
                                       status="done")


def _site(world):
    from fangkong.isolation.models import Site

    return Site.objects.create(code="IDOR-B-SITE", name=f"{MARKER}隔离点", unit=world.city.b.district,
                               address=f"{MARKER}路9号")


def _stay(world):
    from fangkong.isolation.models import Room, Stay

    room = Room.objects.create(site=world.get("site_id"), number="B101", floor=1)
    now = timezone.now()
    return Stay.objects.create(person=world.get("person_id"), unit=world.city.b.building, category="close_contact",
                               room=room, site=room.site, queued_at=now - timedelta(hours=3),
                               placed_at=now - timedelta(hours=2), received_by=f"{MARKER}值班")


def _trip(world):
    from fangkong.isolation.models import Trip

    trip = Trip.objects.create(site=world.get("site_id"), vehicle="IDORB1", driver_name=f"{MARKER}司机")
    stay = world.get("stay_id")
    stay.trip = trip
    stay.save(update_fields=["trip"])
    return trip


def _care_request(world):
    from fangkong.isolation.models import CareRequest

    return CareRequest.objects.create(stay=world.get("stay_id"), kind="medicine", text=f"{MARKER}要药")


def _round(world):
    from fangkong.testing.models import Round

    now = timezone.now()
    round_ = Round.objects.create(code="IDOR-B-R1", name=f"{MARKER}轮次", unit=world.city.b.district,
                                  starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=20), pool_size=10)
    round_.nodes.add(world.city.b.district)
    return round_


def _point(world):
    from datetime import time

    from fangkong.testing.models import SamplingPoint

    return SamplingPoint.objects.create(code="IDOR-B-P1", name=f"{MARKER}采样点", unit=world.city.b.community,
                                        opens_at=time(7), closes_at=time(22))


def _lab(world):
    from fangkong.testing.models import Lab

    return Lab.objects.create(code="IDOR-B-LAB", name=f"{MARKER}实验室", unit=world.city.b.district)


def _handover(world):
    from fangkong.testing.models import Handover

    return Handover.objects.create(lab=world.get("lab_id"), unit=world.city.b.community, declared_count=1,
                                   sent_at=timezone.now(), point=world.get("point_id"))


def _recall(world):
    from fangkong.testing.models import Recall, Tube

    tube = Tube.objects.create(code="IDORB0001", unit=world.city.b.community, capacity=10, size=1, status="resulted",
                               result="positive", opened_at=timezone.now() - timedelta(hours=5))
    return Recall.objects.create(tube=tube, unit=world.city.b.community, reason="positive", created_at=timezone.now())


def _daily_report(world):
    from fangkong.command.models import DailyReport

    return DailyReport.objects.create(day=timezone.localdate(), unit=world.city.b.district, pdf=b"%PDF-1.7 " +
                                      MARKER.encode(), xlsx=b"PK")


def _review_item(world):
    from fangkong.command.models import ReviewItem

    return ReviewItem.objects.create(day=timezone.localdate(), unit=world.city.b.district, kind="other",
                                     title=f"{MARKER}问题", fix="整改")


def _need(world):
    from fangkong.people.models import Person
    from fangkong.supplies.living.services import need_record

    world.get("person_id")
    Person.objects.filter(household=world.get("household_id")).update(status="home_isolation")
    return need_record(household=world.get("household_id"), kind="medicine",
                       items=[(f"{MARKER}药", "1", "盒")], actor=world.grid_worker_b)


def _living_batch(world):
    from fangkong.supplies.living.services import batch_create, need_record

    world.get("need_id")
    need_record(household=world.get("household_id"), kind="daily", items=[(f"{MARKER}米", "5", "斤")],
                actor=world.grid_worker_b)
    return batch_create(unit=world.city.b.district, cut_off=timezone.now(), actor=None)


def _delivery(world):
    from conftest import make_user
    from fangkong.accounts.roles import Role
    from fangkong.supplies.living.services import round_create_for_batch

    supplies_b = make_user("supplies_b", Role.SUPPLIES, world.city.b.district)
    return round_create_for_batch(batch=world.get("batch_id"), actor=supplies_b)


def _stop(world):
    return world.get("delivery_id").stops.first()


def _stock_place(world):
    from fangkong.supplies.models import Place

    return Place.objects.create(code="IDOR-B-PLACE", name=f"{MARKER}检查站", kind="checkpoint",
                                unit=world.city.b.district)


def _supply_request(world):
    from fangkong.supplies.models import SupplyRequest

    return SupplyRequest.objects.create(place=world.get("place_id"), reason=f"{MARKER}申领")


def _donation(world):
    from fangkong.supplies.models import Donation

    return Donation.objects.create(number="捐〔2026〕9999", year=2026, donor_kind="individual",
                                   donor_name=f"{MARKER}捐赠人", kind="money", amount=100,
                                   unit=world.city.b.district, received_on=timezone.localdate())


def _inspector_b(world):
    from conftest import make_user
    from fangkong.accounts.models import User
    from fangkong.accounts.roles import Role

    return User.objects.filter(username="inspector_b").first() or make_user("inspector_b", Role.INSPECTOR,
                                                                            world.city.b.district)


def _inspection(world):
    from fangkong.supervision.services import inspection_create

    inspector = _inspector_b(world)
    return inspection_create(unit=world.city.b.district, kind="unannounced", day=timezone.localdate(),
                             title=f"{MARKER}暗访", team=[inspector], actor=inspector)


def _inspection_site(world):
    from fangkong.supervision.services import inspection_site_add

    return inspection_site_add(inspection=world.get("inspection_id"), unit=world.city.b.community,
                               site_type="checkpoint", name=f"{MARKER}卡口", actor=_inspector_b(world))


def _finding(world):
    from fangkong.supervision.defaults import seed_default_checklists
    from fangkong.supervision.models import Checklist
    from fangkong.supervision.services import Answer, site_submit

    seed_default_checklists()
    items = Checklist.objects.get(site_type="checkpoint").items.filter(active=True).order_by("position")
    answers = [Answer(item_id=item.pk, result="fail" if i == 0 else "pass", note=f"{MARKER}未测温" if i == 0 else "")
               for i, item in enumerate(items)]
    return site_submit(site=world.get("inspection_site_id"), answers=answers, actor=_inspector_b(world))[0]


def _assignment(world):
    from fangkong.supervision.services import assignment_issue

    return assignment_issue(finding=world.get("finding_id"), actor=_inspector_b(world))


def _photo(world):
    from fangkong.supervision.models import Photo

    return Photo.objects.create(unit=world.city.b.community, result=world.get("finding_id").result,
                                file="supervision/idor-b.jpg", width=1, height=1)


def _freight_pass(world):
    from fangkong.passes.models import FreightPass

    now = timezone.now()
    freight_pass = FreightPass.objects.create(
        unit=world.city.b.district, plate="青B12345", driver_name=f"{MARKER}司机",
        driver_id_number="630802199001010038", driver_phone="13900139000", origin=f"{MARKER}物流园",
        destination="西城医院", cargo="medical",
        valid_from=now, valid_to=now + timedelta(days=1), requested_at=now, requested_by=world.officer_b)
    freight_pass.number = f"HY{freight_pass.pk:08d}"
    freight_pass.save(update_fields=["number"])
    return freight_pass


def _escort_pass(world):
    from fangkong.passes.models import EscortPass

    now = timezone.now()
    escort_pass = EscortPass.objects.create(
        unit=world.city.b.street, patient=world.get("person_id"), escort_name=f"{MARKER}陪护",
        escort_id_number="630802199001010038", escort_phone="13900139000", tested_at=now, valid_from=now,
        valid_to=now + timedelta(days=1), issued_at=now)
    escort_pass.number = f"PH{escort_pass.pk:08d}"
    escort_pass.save(update_fields=["number"])
    return escort_pass


def _notice(world):
    from fangkong.notices.models import Notice, NoticeTarget

    now = timezone.now()
    notice = Notice.objects.create(unit=world.city.b.district, title=f"{MARKER}通告", body=f"{MARKER}正文",
                                   effective_at=now, published_at=now, published_by=world.officer_b)
    notice.number = f"TG{notice.pk:08d}"
    notice.save(update_fields=["number"])
    NoticeTarget.objects.create(notice=notice, unit=world.city.b.district)
    return notice


def _gate(world):
    from fangkong.notices.models import Gate

    return Gate.objects.create(unit=world.city.b.community, name=f"{MARKER}北门", since=timezone.now())


def _export(world):
    from fangkong.exports.models import ExportLog
    from fangkong.exports.services import exports_dir

    (exports_dir() / "idor-b.csv").write_text(f"{MARKER}居民\n", encoding="utf-8")
    return ExportLog.objects.create(user=world.officer_b, scope_path=world.city.b.district.path, source="persons",
                                    format="csv", columns=["name"], reason=f"{MARKER}原因", row_count=1,
                                    file_size=10, file_name="idor-b.csv",
                                    expires_at=timezone.now() + timedelta(days=1))


def _column_preset(world):
    from fangkong.exports.models import ColumnPreset

    return ColumnPreset.objects.create(source="persons", user=world.officer_b, name=f"{MARKER}列", columns=["name"])


def _dose_import(world):
    from fangkong.vaccination.models import DoseImport

    return DoseImport.objects.create(unit=world.city.b.district, filename=f"{MARKER}.csv", status="done",
                                     rejected_count=1, started_by=world.officer_b,
                                     rejected=[{"line": 2, "message": f"{MARKER}原因",
                                                "values": {"姓名": f"{MARKER}居民"}}])


def _organisation(world):
    from fangkong.units.models import Organisation

    return Organisation.objects.create(unit=world.city.b.community, name=f"{MARKER}炼油厂", kind="enterprise",
                                       contact_name=f"{MARKER}安全员", contact_phone="13900139000")


def _staff_member(world):
    from fangkong.units.models import StaffMember

    return StaffMember.objects.create(organisation=world.get("organisation_id"), person=world.get("person_id"),
                                      role=f"{MARKER}操作工")


def _application(world):
    from fangkong.units.models import Application, ApplicationAnswer

    application = Application.objects.create(organisation=world.get("organisation_id"),
                                             planned_reopen_on=timezone.localdate(), note=f"{MARKER}申请",
                                             submitted_at=timezone.now())
    ApplicationAnswer.objects.create(application=application, position=1, item_text=f"{MARKER}测温点",
                                     required=True, met=True, photo="units/idor-b.jpg")
    return application


def _answer(world):
    return world.get("application_id").answers.get()


def _loop(world):
    from fangkong.units.models import ClosedLoop, LoopMember

    loop = ClosedLoop.objects.create(organisation=world.get("organisation_id"), starts_on=timezone.localdate(),
                                     planned_end_on=timezone.localdate() + timedelta(days=7))
    LoopMember.objects.create(loop=loop, person=world.get("person_id"), joined_at=timezone.now())
    return loop


def _plan(world):
    from fangkong.units.models import PreventionPlan

    return PreventionPlan.objects.create(organisation=world.get("organisation_id"), text=f"{MARKER}预案",
                                         attachment="units/idor-b.pdf", attachment_name=f"{MARKER}.pdf")


def _sample(world):
    from fangkong.testing.models import Sample, Tube

    tube = Tube.objects.create(code="IDORB0002", unit=world.city.b.community, capacity=1, size=1, status="resulted",
                               result="positive", lab=world.get("lab_id"), result_recorded_at=timezone.now(),
                               opened_at=timezone.now() - timedelta(hours=5))
    person = world.get("person_id")
    return Sample.objects.create(tube=tube, person=person, id_type="resident", id_number=person.id_number,
                                 name=person.name, unit=world.city.b.building, sampled_at=tube.opened_at)


def _inbox_item(world):
    from fangkong.interop.models import InboxItem

    return InboxItem.objects.create(lab=world.get("lab_id"), unit=world.city.b.district, tube_code=f"{MARKER}管",
                                    observation={"resourceType": "Observation"}, result="positive",
                                    reason="unknown_tube")


BUILDERS = {
    "unit_id": _unit,
    "parent_id": _unit,
    "household_id": _household,
    "person_id": _person,
    "task_id": _task,
    "user_id": _user,
    "token_id": _token,
    "responsibility_id": _responsibility,
    "job_id": _job,
    "status_change_id": _status_change,
    "area_id": _risk_area,
    "checkpoint_id": _checkpoint,
    "occupant_id": _occupant,
    "post_id": _post,
    "shift_id": _shift,
    "volunteer_id": _volunteer,
    "roster_id": _roster,
    "case_id": _case,
    "visit_id": _visit,
    "contact_id": _contact,
    "assist_id": _assist,
    "link_id": _link,
    "run_id": _run,
    "site_id": _site,
    "stay_id": _stay,
    "trip_id": _trip,
    "request_id": _care_request,
    "round_id": _round,
    "point_id": _point,
    "lab_id": _lab,
    "handover_id": _handover,
    "recall_id": _recall,
    "report_id": _daily_report,
    "item_id": _review_item,
    "need_id": _need,
    "batch_id": _living_batch,
    "delivery_id": _delivery,
    "stop_id": _stop,
    "place_id": _stock_place,
    "supply_request_id": _supply_request,
    "donation_id": _donation,
    "inspection_id": _inspection,
    "inspection_site_id": _inspection_site,
    "finding_id": _finding,
    "assignment_id": _assignment,
    "photo_id": _photo,
    "freight_pass_id": _freight_pass,
    "escort_pass_id": _escort_pass,
    "notice_id": _notice,
    "gate_id": _gate,
    "export_id": _export,
    "preset_id": _column_preset,
    "dose_import_id": _dose_import,
    "organisation_id": _organisation,
    "staff_id": _staff_member,
    "application_id": _application,
    "answer_id": _answer,
    "loop_id": _loop,
    "plan_id": _plan,
    "sample_id": _sample,
    "inbox_item_id": _inbox_item,
    "clinic_id": lambda world: apps.get_model("units", "Clinic").objects.create(
        organisation=world.get("organisation_id"), kind="fever_clinic"),
    "disinfection_order_id": lambda world: apps.get_model("units", "DisinfectionOrder").objects.create(
        unit=world.city.b.community, place_name=f"{MARKER}冷库", reason=f"{MARKER}环境样本阳性", source="environment",
        deadline=timezone.now() + timedelta(hours=24)),
    "disinfection_schedule_id": lambda world: apps.get_model("units", "DisinfectionSchedule").objects.create(
        unit=world.city.b.community, place_name=f"{MARKER}农贸市场", times_per_day=2, starts_on=timezone.localdate()),
}
# City-wide data every role may read and only the HQ changes: not a district's object, so not an IDOR case
# (protocols' own tests check who may change a rule set).
CITY_WIDE_KWARGS = {"rule_set_id"}


@pytest.fixture
def world(city, officer_b, grid_worker_b):
    return World(city, officer_b, grid_worker_b)


# --- what "nothing changed" means -------------------------------------------------------------------------------


def _our_models():
    return [m for m in apps.get_models() if m.__module__.startswith("fangkong.") and not m._meta.proxy]


def snapshot(objects) -> dict:
    """Every row count of our tables, and every field of B's objects."""
    state = {m._meta.label: m._default_manager.count() for m in _our_models()}
    for obj in objects:
        model = type(obj)
        state[f"{model._meta.label}#{obj.pk}"] = model._default_manager.filter(pk=obj.pk).values().first()
    return state


def assert_refused(response, method: str, url: str):
    status = response.status_code
    assert not 200 <= status < 300, f"{method} {url} answered {status} for another district's object"
    if 300 <= status < 400:
        assert "/accounts/login" in response["Location"], f"{method} {url} redirected to {response['Location']}"
    else:
        assert status in REFUSED, f"{method} {url} answered {status}"
    body = response.content.decode(errors="replace")
    assert MARKER not in body, f"{method} {url} showed district B's data"


def _params(methods_page, methods_api, api: bool):
    params = []
    for route in ROUTES:
        if route.is_api != api or CITY_WIDE_KWARGS & set(route.kwargs):
            continue
        missing = [k for k in route.kwargs if k not in BUILDERS]
        for method in methods_api if route.is_api else methods_page:
            marks = [pytest.mark.skip(reason=f"no district-B builder for kwarg {', '.join(missing)} "
                                             f"in {route.route}: add one to BUILDERS")] if missing else []
            params.append(pytest.param(route, method, id=f"{method} /{route.route}", marks=marks))
    return params or [pytest.param(None, None, marks=pytest.mark.skip(reason="no such routes yet"))]


def _request(client, method: str, url: str, **extra):
    if method == "GET":
        return client.get(url, **extra)
    body = {"content_type": "application/json", "data": "{}"} if url.startswith("/api/") else {"data": {}}
    return getattr(client, method.lower())(url, **body, **extra)


# --- the cases --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method"), _params(["GET", "POST"], [], api=False))
def test_page_treats_other_district_as_missing(client, world, officer_a, route, method):
    values = {k: world.get(k).pk for k in route.kwargs}
    objects = [world.get(k) for k in route.kwargs]
    before = snapshot(objects)
    client.force_login(officer_a)

    response = _request(client, method, route.url(values))

    assert_refused(response, method, route.url(values))
    assert snapshot(objects) == before, f"{method} {route.url(values)} changed something"


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method"), _params([], ["GET", "POST", "PUT", "PATCH", "DELETE"], api=True))
def test_api_treats_other_district_as_missing(client, world, officer_a, route, method):
    values = {k: world.get(k).pk for k in route.kwargs}
    objects = [world.get(k) for k in route.kwargs]
    _, raw = ApiToken.issue(user=officer_a, name="harness")
    before = snapshot(objects)

    response = _request(client, method, route.url(values), headers={"Authorization": f"Bearer {raw}"})

    after = snapshot(objects)
    assert_refused(response, method, route.url(values))
    assert after == before, f"{method} {route.url(values)} changed something"


def test_harness_finds_the_urls_that_exist():
    names = {route.name for route in ROUTES}
    assert names >= EXPECTED_AT_LEAST, f"not found: {EXPECTED_AT_LEAST - names}"
    assert REGEX_ROUTES == [], f"regex routes with ids the harness cannot fill: {REGEX_ROUTES}"
    # Every core kind of object is reachable by id on a page and through the API.
    for api in (False, True):
        kwargs = {k for route in ROUTES if route.is_api == api for k in route.kwargs}
        assert kwargs >= CORE_KWARGS, f"{'API' if api else 'page'} routes lack {CORE_KWARGS - kwargs}"


def test_harness_flags_a_leak_and_a_write(world):
    from django.http import HttpResponse, HttpResponseRedirect

    with pytest.raises(AssertionError, match="answered 200"):
        assert_refused(HttpResponse("ok"), "GET", "/x/")
    with pytest.raises(AssertionError, match="showed district B"):
        assert_refused(HttpResponse(f"<p>{MARKER}</p>", status=404), "GET", "/x/")
    with pytest.raises(AssertionError, match="redirected"):
        assert_refused(HttpResponseRedirect("/people/1/"), "POST", "/x/")
    person = world.get("person_id")
    before = snapshot([person])
    person.phone = "13700137000"
    person.save()
    assert snapshot([person]) != before


def test_own_district_is_reachable(client, city, officer_a):
    """The harness would pass vacuously if every page were broken: the same officer reaches A's node."""
    client.force_login(officer_a)

    response = client.get(f"/at/{city.a.grid.pk}/", follow=True)

    assert response.status_code == 200 and response.redirect_chain[-1][0] == f"/command/u/{city.a.grid.pk}/"
