"""The demo city's supervision (督导检查), made through the supervision services: seed 003's seventh measure in
miniature (书面交办、跟踪整改、形成闭环).

Yesterday the city's inspection team (`inspector`) made an unannounced visit (暗访) to the first district's highway
checkpoint and a market of its first community. Two items failed, one at each: both were handed over in writing to
the unit that answers for the site on the responsibility map. The market has already reported its rectification and
the inspector verified and closed it; the checkpoint's assignment is still open, due tomorrow. A week-old
assignment from a planned inspection of the community was never rectified: it is overdue, so the dashboard and
tonight's review pack show it.

Deterministic; a city that already has the visit is left as it is.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.territory.models import Level, Unit

UNANNOUNCED_TITLE = "疫情防控督导暗访（卡口、农贸市场）"
PLANNED_TITLE = "疫情防控专项督导（社区管控）"
CHECKPOINT_FAILS = ("24小时值守，在岗人员与排班表一致", "凌晨2时暗访，夜班仅1人在岗，排班表为3人；值班记录后补。")
MARKET_FAILS = ("入口扫码测温，限流措施落实", "东门无人值守，测温枪未开机，顾客未扫码直接进入。")
COMMUNITY_FAILS = ("居家隔离、居家健康监测人员管控到位，每日两次体温",
                   "3户居家隔离人员体温记录缺失2天，门磁未安装。")
OVERDUE_AGE = timedelta(days=6)


def _first(parent: Unit, level: int) -> Unit | None:
    return Unit.objects.filter(parent=parent, level=level).order_by("pk").first()


def _fill(site, fails: tuple[str, str], *, actor):
    """Every item of the site's checklist passes but the one named in `fails`; returns its finding."""
    from fangkong.supervision import services
    from fangkong.supervision.models import ChecklistItem

    failed_text, note = fails
    items = ChecklistItem.objects.filter(checklist__site_type=site.site_type, active=True).order_by("position", "pk")
    answers = [services.Answer(item_id=item.pk, result="fail", note=note) if item.text == failed_text
               else services.Answer(item_id=item.pk, result="pass") for item in items]
    findings = services.site_submit(site=site, answers=answers, actor=actor)
    return findings[0]


def seed_supervision(*, city: Unit, district: Unit, seed: int = 2020) -> dict:
    """Idempotent: a district that already has the unannounced visit is left as it is. `seed` is unused (the scene
    has no random part) and kept for the scenes' common signature."""
    from fangkong.arrivals.models import Checkpoint
    from fangkong.demo.outbreak import CHECKPOINT_NAME
    from fangkong.supervision.defaults import seed_default_checklists
    from fangkong.supervision.models import Inspection

    seed_default_checklists()
    if Inspection.objects.filter(unit=district, title=UNANNOUNCED_TITLE).exists():
        return {"created": False, "users": []}
    inspector = User.objects.filter(username="inspector").first()
    officer = User.objects.filter(username="officer").first()
    street = _first(district, Level.STREET)
    community = _first(street, Level.COMMUNITY) if street is not None else None
    if inspector is None or community is None:
        return {"created": False, "users": []}
    checkpoint = Checkpoint.objects.filter(name=CHECKPOINT_NAME).select_related("unit").first()
    with transaction.atomic():
        overdue = _overdue_assignment(district, community, inspector)
        open_one, closed = _unannounced_visit(district, community, checkpoint, inspector, officer)
    return {"created": True, "open": open_one.number, "closed": closed.number, "overdue": overdue.number,
            "users": []}


def _unannounced_visit(district, community, checkpoint, inspector, officer):
    from fangkong.supervision import services

    today = timezone.localdate()
    visit = services.inspection_create(unit=district, kind="unannounced", day=today - timedelta(days=1),
                                       title=UNANNOUNCED_TITLE, team=[inspector], actor=inspector)
    at_checkpoint = services.inspection_site_add(
        inspection=visit, unit=checkpoint.unit if checkpoint is not None else district, site_type="checkpoint",
        name=checkpoint.name if checkpoint is not None else f"{district.name}高速站口检测点", actor=inspector)
    at_market = services.inspection_site_add(inspection=visit, unit=community, site_type="market",
                                             name=f"{community.name}农贸市场", actor=inspector)
    checkpoint_finding = _fill(at_checkpoint, CHECKPOINT_FAILS, actor=inspector)
    market_finding = _fill(at_market, MARKET_FAILS, actor=inspector)
    # A serious item: 24 hours to rectify, so the checkpoint's assignment is due tomorrow.
    open_one = services.assignment_issue(finding=checkpoint_finding, actor=inspector,
                                         requirements="立即按排班表补足夜班人员，24小时内报送整改情况及值班记录。")
    closed = services.assignment_issue(finding=market_finding, actor=inspector,
                                       requirements="入口安排专人值守，逐人扫码测温，报送整改照片。")
    services.rectification_report(assignment=closed, actor=officer,
                                  report="已在东门安排2名专人值守，测温枪更换电池并校准，入口张贴扫码提示。")
    closed = services.assignment_close(assignment=closed, actor=inspector,
                                       note="复查：东门有人值守，逐人扫码测温，整改到位。")
    return open_one, closed


def _overdue_assignment(district, community, inspector):
    """A planned inspection six days ago whose assignment was never rectified."""
    from fangkong.supervision import services
    from fangkong.supervision.models import Assignment, Finding
    from fangkong.tasks.models import Task

    now = timezone.now()
    inspection = services.inspection_create(unit=district, kind="planned", day=timezone.localdate() - OVERDUE_AGE,
                                            title=PLANNED_TITLE, team=[inspector], actor=inspector)
    site = services.inspection_site_add(inspection=inspection, unit=community, site_type="community",
                                        name=community.name, actor=inspector)
    finding = _fill(site, COMMUNITY_FAILS, actor=inspector)
    assignment = services.assignment_issue(finding=finding, actor=inspector,
                                           requirements="落实居家隔离人员每日两次体温监测，补齐台账，安装门磁。")
    # The services stamp everything "now"; the demo needs an assignment that is already past its deadline, so its
    # times are moved back six days (the deadline with them: a serious item's 24 hours).
    issued = now - OVERDUE_AGE
    due = issued + services.rectify_within(assignment.severity)
    Finding.objects.filter(pk=finding.pk).update(found_at=issued)
    Assignment.objects.filter(pk=assignment.pk).update(issued_at=issued, due_at=due)
    Task.objects.filter(pk=assignment.task_id).update(due_at=due, created_at=issued)
    assignment.refresh_from_db()
    return assignment


def wipe_supervision(*, units) -> None:
    """Everything supervision holds under these units, before the city goes: assignments point at the tasks and
    findings, which _wipe_city deletes raw. Checklists are city-wide and stay."""
    from django.db.models import Q

    from fangkong.supervision.models import (
        Assignment,
        AssignmentCounter,
        Finding,
        Inspection,
        InspectionSite,
        Photo,
    )

    Assignment.objects.filter(Q(unit_id__in=units) | Q(responsible_unit_id__in=units)).delete()
    Photo.objects.filter(unit_id__in=units).delete()
    Finding.objects.filter(unit_id__in=units).delete()
    InspectionSite.objects.filter(unit_id__in=units).delete()
    Inspection.objects.filter(unit_id__in=units).delete()
    if not Assignment.objects.exists():  # the demo's assignment numbers go with it; a real city's never restart
        AssignmentCounter.objects.all().delete()
