from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.risk.models import AreaStatus, DowngradeProposal
from fangkong.risk.services import (
    proposal_confirm,
    propose_downgrades,
    register_criteria_provider,
    risk_area_declare,
)
from fangkong.risk.tests.conftest import EDITION_9

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed(city, officer_a):
    """东一社区 sealed 10 days ago."""
    ten_days_ago = timezone.now() - timedelta(days=10)
    return risk_area_declare(level="high", actor=officer_a, reason="病例", unit=city.a.community,
                             declared_at=ten_days_ago)


def test_no_provider_no_proposal_and_the_page_says_why(client, sealed, hq):
    assert propose_downgrades(rules=EDITION_9) == 0
    assert not DowngradeProposal.objects.exists()
    client.force_login(hq)
    html = client.get(reverse("risk:proposals")).content.decode()
    assert "Infection and testing data are not available" in html


def test_missing_negative_round_data_makes_no_proposal(sealed):
    register_criteria_provider(lambda area, now: {"last_infection_at": None})
    assert propose_downgrades(rules=EDITION_9) == 0


def test_a_recent_infection_makes_no_proposal(sealed):
    recent = timezone.now() - timedelta(days=2)
    register_criteria_provider(lambda area, now: {"last_infection_at": recent,
                                                  "negative_round_completed_on": timezone.localdate()})
    assert propose_downgrades(rules=EDITION_9) == 0


def test_proposal_confirm_changes_the_level_with_history(client, sealed, hq):
    # given: tracing says no infection on record, testing a negative round today
    register_criteria_provider(lambda area, now: {"last_infection_at": None,
                                                  "negative_round_completed_on": timezone.localdate(now)})
    # when: the job runs twice
    assert propose_downgrades(rules=EDITION_9) == 1
    assert propose_downgrades(rules=EDITION_9) == 0
    proposal = DowngradeProposal.objects.get()
    assert (proposal.from_level, proposal.to_level, proposal.status) == ("high", "medium", "pending")
    assert proposal.evidence["days_without_infection"] == 10

    client.force_login(hq)
    assert "东城一社区" in client.get(reverse("risk:proposals")).content.decode()
    client.post(reverse("risk:proposal_decide", kwargs={"proposal_id": proposal.pk, "decision": "confirm"}),
                {"note": "复盘会确认"})
    # then
    sealed.refresh_from_db()
    proposal.refresh_from_db()
    assert (sealed.level, sealed.status) == ("medium", AreaStatus.DOWNGRADED)
    assert (proposal.status, proposal.decided_by) == ("confirmed", hq)
    history = list(sealed.history.all())
    assert [(h.from_level, h.to_level) for h in history] == [("high", "medium"), ("", "high")]
    assert history[0].actor == hq and "复盘会确认" in history[0].reason


def test_a_downgraded_area_goes_to_low_after_the_shorter_rule(sealed, hq):
    register_criteria_provider(lambda area, now: {"last_infection_at": None,
                                                  "negative_round_completed_on": timezone.localdate(now)})
    propose_downgrades(rules=EDITION_9)
    proposal_confirm(proposal=DowngradeProposal.objects.get(), actor=hq)
    later = timezone.now() + timedelta(days=3)
    assert propose_downgrades(later, rules=EDITION_9) == 1
    assert DowngradeProposal.objects.get(status="pending").to_level == "low"


def test_officers_cannot_confirm(client, sealed, officer_a):
    register_criteria_provider(lambda area, now: {"last_infection_at": None,
                                                  "negative_round_completed_on": date.today()})
    propose_downgrades(rules=EDITION_9)
    proposal = DowngradeProposal.objects.get()
    client.force_login(officer_a)
    url = reverse("risk:proposal_decide", kwargs={"proposal_id": proposal.pk, "decision": "confirm"})
    assert client.post(url).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == "pending"


def test_a_rejection_needs_a_note_and_is_not_proposed_again_the_same_day(client, sealed, hq):
    register_criteria_provider(lambda area, now: {"last_infection_at": None,
                                                  "negative_round_completed_on": timezone.localdate(now)})
    propose_downgrades(rules=EDITION_9)
    proposal = DowngradeProposal.objects.get()
    client.force_login(hq)
    url = reverse("risk:proposal_decide", kwargs={"proposal_id": proposal.pk, "decision": "reject"})
    client.post(url, {"note": ""})
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    client.post(url, {"note": "仍有隐患"})
    proposal.refresh_from_db()
    assert proposal.status == "rejected"
    assert propose_downgrades(rules=EDITION_9) == 0
