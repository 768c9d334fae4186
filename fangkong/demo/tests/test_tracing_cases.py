"""The demo's investigation: a cluster of three linked cases with their contacts, one case's tracing still to do."""

from django.conf import settings

from fangkong.core.paths import subtree_q
from fangkong.demo.tracing_cases import SCANS_NAME
from fangkong.protocols.models import Measure
from fangkong.territory.models import Level, Unit
from fangkong.tracing.models import AssistRequest, Case, Contact, Link


def _scene_cases():
    """The scene's cases, in grid1 (the demo's epidemic history has cases elsewhere in the city)."""
    grid1 = Unit.objects.filter(level=Level.GRID).order_by("pk").first()
    return Case.objects.filter(subtree_q("unit__path", grid1.path)).order_by("reported_at")


def test_three_cases_linked_into_one_cluster(demo, db):
    cases = list(_scene_cases())
    assert len(cases) == 3
    first, second, third = cases
    assert first.report_done_at is not None and first.core_done_at is not None
    assert third.core_done_at is None and third.first_contact_at is None
    assert set(Link.objects.filter(infectee__in=cases).values_list("infector__number", "infectee__number")) == {
        (first.number, second.number), (first.number, third.number)}


def test_contacts_are_under_measures_and_the_second_case_took_over_its_secondary_contacts(demo, db):
    first, second, _third = _scene_cases()
    assert Contact.objects.filter(case=first, category="close_contact", status="controlled").count() >= 3
    assert Contact.objects.filter(case=first, status="became_case").count() == 1
    upgraded = Contact.objects.filter(case=first, status="upgraded")
    assert upgraded.exists()
    assert Contact.objects.filter(case=second, person__in=upgraded.values("person"),
                                  category="close_contact").count() == upgraded.count()
    controlled = Contact.objects.filter(status="controlled", person__isnull=False).values("person")
    assert Measure.objects.filter(person__in=controlled, status="active").count() >= controlled.count()
    assert AssistRequest.objects.filter(region_code__startswith="4117").count() == 1


def test_the_market_scans_for_co_presence_are_written(demo, db):
    path = settings.DATA_DIR / "demo" / SCANS_NAME
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "person_id,place_id,start,end" and len(lines) >= 4
