"""The protocols API: rule sets for anyone with protocols.view, a person's measures within scope."""

import pytest
from django.utils import timezone

from fangkong.accounts.models import ApiToken
from fangkong.protocols.services import measure_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    return client


def _get(api, user, path):
    _token, raw = ApiToken.issue(user=user, name="test")
    return api.get("/api/v1" + path, headers={"Authorization": f"Bearer {raw}"})


def test_rule_sets_and_the_active_rules(api, grid_worker_a, lab_user):
    listing = _get(api, grid_worker_a, "/protocols/rulesets").json()
    active = _get(api, grid_worker_a, "/protocols/rulesets/active").json()

    assert len(listing) == 4 and sum(r["is_active"] for r in listing) == 1
    assert active["rules"]["plans"]["close_contact"]["stages"][0]["days"] == 7
    assert _get(api, lab_user, "/protocols/rulesets").status_code == 404


def test_a_persons_measures_are_seen_in_scope_only(api, chen, grid_worker_a, grid_worker_b):
    measure_start(person=chen, category="close_contact", day_one=timezone.localdate(), actor=None, source="test")

    mine = _get(api, grid_worker_a, f"/protocols/persons/{chen.pk}/measures")
    theirs = _get(api, grid_worker_b, f"/protocols/persons/{chen.pk}/measures")

    assert mine.status_code == 200 and mine.json()[0]["category"] == "close_contact"
    assert mine.json()[0]["next_test_due"] is not None
    assert theirs.status_code == 404
