import pytest

from conftest import make_user
from fangkong.demo.workforce_scene import BRANCH_NAME, seed_workforce, wipe_workforce
from fangkong.workforce.models import Roster, Volunteer, WorkingGroup
from fangkong.workforce.services import roster_check

pytestmark = pytest.mark.django_db


def test_the_scene_has_volunteers_a_clean_published_roster_a_flagged_draft_and_a_branch(city):
    make_user("officer", "officer", city.a.district)
    result = seed_workforce(city=city.city, district=city.a.district)
    assert result["created"]
    statuses = list(Volunteer.objects.values_list("status", flat=True))
    assert {s: statuses.count(s) for s in set(statuses)} == {"approved": 9, "pending": 2, "rejected": 1}
    published, draft = Roster.objects.get(pk=result["published"]), Roster.objects.get(pk=result["draft"])
    assert published.status == "published" and published.shifts.count() == 42
    assert roster_check(roster=published) == []
    found = roster_check(roster=draft)
    assert [(r.violation.rule, r.person_name) for r in found] == [("rest", "赵志远")]
    assert WorkingGroup.objects.get().name == BRANCH_NAME
    assert seed_workforce(city=city.city, district=city.a.district)["created"] is False
    wipe_workforce(units=[u.pk for u in (city.a.community, city.a.district)])
    assert not Volunteer.objects.exists() and not Roster.objects.exists()
