"""Inspectors of districts A and B, the default checklists, the contact answering for district A's community, a
checkpoint on an inspection's route, and small images made with Pillow."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.supervision import services
from fangkong.supervision.defaults import seed_default_checklists
from fangkong.supervision.models import ChecklistItem, CheckResult
from fangkong.territory.models import Responsibility


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def checklists(db):
    seed_default_checklists()


@pytest.fixture
def inspector_a(city):
    return make_user("inspector_a", Role.INSPECTOR, city.a.district, display_name="督查员甲")


@pytest.fixture
def inspector_b(city):
    return make_user("inspector_b", Role.INSPECTOR, city.b.district, display_name="督查员乙")


def make_unit_contact(username: str, unit, *, org_name: str, person: str = "李主任"):
    """A user with the unit_contact role, linked to an organisation on `unit` and named as the node's responsible
    contact on the responsibility map (as the units app and the map link them)."""
    from fangkong.units.models import Organisation, UnitContact

    user = make_user(username, Role.UNIT_CONTACT, unit, display_name=person)
    organisation = Organisation.objects.create(unit=unit, name=org_name, kind="enterprise", contact_name=person)
    UnitContact.objects.create(organisation=organisation, user=user)
    Responsibility.objects.create(unit=unit, role=Responsibility.Role.UNIT_CONTACT, user=user, name=person,
                                  phone="13900002222")
    return user


@pytest.fixture
def contact_a(city):
    """The responsible contact of the unit on district A's community: a unit_contact user, linked to it."""
    return make_unit_contact("contact_a", city.a.community, org_name="东一社区物业公司")


def png(size=(40, 30), color="red", name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def inspection_a(city, inspector_a, checklists):
    inspection = services.inspection_create(unit=city.a.district, kind="unannounced", day=timezone.localdate(),
                                            title="东城区暗访", team=[], actor=inspector_a)
    services.inspection_site_add(inspection=inspection, unit=city.a.community, site_type="checkpoint",
                                 name="东一社区北门卡口", actor=inspector_a)
    return inspection


def answers_failing(site, failed: int = 1, photos=None):
    """Every checkpoint item answered; the first `failed` fail with a note."""
    items = ChecklistItem.objects.filter(checklist__site_type=site.site_type, active=True).order_by("position")
    out = []
    for n, item in enumerate(items):
        if n < failed:
            out.append(services.Answer(item_id=item.pk, result=CheckResult.Result.FAIL, note="夜间无人值守",
                                       photos=list(photos or [])))
        else:
            out.append(services.Answer(item_id=item.pk, result=CheckResult.Result.PASS))
    return out


@pytest.fixture
def finding_a(inspection_a, inspector_a):
    site = inspection_a.sites.get()
    return services.site_submit(site=site, answers=answers_failing(site, photos=[png()]), actor=inspector_a)[0]


@pytest.fixture
def assignment_a(finding_a, inspector_a, contact_a):
    return services.assignment_issue(finding=finding_a, requirements="立即安排24小时值守", actor=inspector_a)


def visit(inspector, unit, name: str, *, kind: str = "planned", site_type: str = "checkpoint", failed: int = 1,
          day=None, photos=None):
    """An inspection of one site on `unit`, filled at once with `failed` failed items; returns its findings."""
    inspection = services.inspection_create(unit=unit, kind=kind, day=day or timezone.localdate(),
                                            title=f"检查{name}", team=[], actor=inspector)
    site = services.inspection_site_add(inspection=inspection, unit=unit, site_type=site_type, name=name,
                                        actor=inspector)
    return services.site_submit(site=site, answers=answers_failing(site, failed=failed, photos=photos),
                                actor=inspector)


@pytest.fixture
def grid_assignment_a(city, inspector_a, grid_worker_a, checklists):
    """A problem at a checkpoint on district A's grid, whose grid worker answers for it (no unit contact there)."""
    Responsibility.objects.create(unit=city.a.grid, role=Responsibility.Role.GRID_WORKER, user=grid_worker_a,
                                  name="王网格员")
    finding = visit(inspector_a, city.a.grid, "网格1南口卡点", photos=[png(color="green")])[0]
    return services.assignment_issue(finding=finding, actor=inspector_a)
