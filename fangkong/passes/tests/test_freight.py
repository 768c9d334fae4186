import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.passes import services
from fangkong.passes.codes import FREIGHT_SALT, ForgedCode, sign, unsign
from fangkong.passes.models import Disposition, FreightPass, Reason, Scan
from fangkong.passes.tests.conftest import pass_fields

pytestmark = pytest.mark.django_db


def test_a_request_gets_a_number_and_its_route_in_order(transport, exit_a, exit_b):
    # when
    freight_pass = services.freight_pass_request(actor=transport, checkpoints=[exit_b, exit_a],
                                                 **pass_fields(plate="青ad 12345"))
    # then
    assert freight_pass.number == f"HY{freight_pass.pk:08d}"
    assert freight_pass.plate == "青AD12345" and freight_pass.status == FreightPass.Status.REQUESTED
    assert [s.checkpoint for s in freight_pass.stops.order_by("position")] == [exit_b, exit_a]


@pytest.mark.parametrize(("field", "value"), [
    ("plate", "青A1234"), ("plate", "XA12345"), ("driver_id_number", "630102198001010018"),
    ("driver_phone", "12345"), ("origin", ""), ("cargo", "weapons"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_written(transport, exit_a, field, value):
    with pytest.raises(ValidationError) as exc:
        services.freight_pass_request(actor=transport, checkpoints=[exit_a], **pass_fields(**{field: value}))
    assert exc.value.message_dict[field]
    assert not FreightPass.objects.exists()


def test_validity_that_ends_before_it_starts_or_runs_too_long_is_refused(transport, exit_a, settings):
    settings.PASSES_MAX_VALID_DAYS = 7
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        services.freight_pass_request(actor=transport, checkpoints=[exit_a],
                                      **pass_fields(valid_from=now, valid_to=now - datetime.timedelta(hours=1)))
    assert "after" in exc.value.message_dict["valid_to"][0]
    with pytest.raises(ValidationError) as exc:
        services.freight_pass_request(actor=transport, checkpoints=[exit_a],
                                      **pass_fields(valid_from=now, valid_to=now + datetime.timedelta(days=8)))
    assert "7" in exc.value.message_dict["valid_to"][0]
    assert not FreightPass.objects.exists()


def test_a_route_needs_checkpoints(transport):
    with pytest.raises(ValidationError) as exc:
        services.freight_pass_request(actor=transport, checkpoints=[], **pass_fields())
    assert exc.value.message_dict["checkpoints"]


def test_a_rejection_needs_a_reason(make_pass, transport):
    freight_pass = make_pass(issue=False)
    with pytest.raises(ValidationError):
        services.freight_pass_review(freight_pass=freight_pass, approve=False, reason="", actor=transport)
    rejected = services.freight_pass_review(freight_pass=freight_pass, approve=False, reason="货物不属重点物资",
                                            actor=transport)
    assert rejected.status == FreightPass.Status.REJECTED and rejected.reject_reason == "货物不属重点物资"


def test_a_valid_pass_passes_point_to_point_and_the_scan_is_recorded(make_pass, exit_a, checkpoint_a):
    freight_pass = make_pass()
    # when
    result = services.freight_pass_scan(code=services.freight_code(freight_pass), checkpoint=exit_a,
                                        actor=checkpoint_a)
    # then
    assert result.scan.disposition == Disposition.PASS_POINT_TO_POINT and result.scan.reason == Reason.VALID
    assert result.test_hours == 48
    scan = Scan.objects.get()
    assert (scan.freight_pass, scan.checkpoint, scan.by) == (freight_pass, exit_a, checkpoint_a)


def test_the_driver_test_interval_comes_from_the_protocol(make_pass, exit_a, checkpoint_a):
    from fangkong.protocols.engine.rules import rules_to_dict
    from fangkong.protocols.models import RuleSet
    from fangkong.protocols.selectors import version_rules
    from fangkong.protocols.services import ruleset_activate, ruleset_copy, ruleset_edit

    active = RuleSet.objects.get(is_active=True)
    local = ruleset_copy(rule_set=active, name="本地方案", actor=None)
    rules = rules_to_dict(version_rules(local.versions.latest("number")))
    ruleset_edit(rule_set=local, rules_dict={**rules, "driver_test_hours": 24}, actor=None)
    ruleset_activate(rule_set=local, actor=None)
    result = services.freight_pass_scan(code=services.freight_code(make_pass()), checkpoint=exit_a,
                                        actor=checkpoint_a)
    assert result.test_hours == 24


def test_expired_not_yet_valid_revoked_unissued_and_off_route_are_refused(make_pass, exit_a, exit_b, transport,
                                                                           checkpoint_a):
    now = timezone.now()
    expired = make_pass(valid_from=now - datetime.timedelta(days=3), valid_to=now - datetime.timedelta(hours=1))
    future = make_pass(valid_from=now + datetime.timedelta(hours=5), valid_to=now + datetime.timedelta(days=1))
    revoked = services.freight_pass_revoke(freight_pass=make_pass(), reason="车辆违规停靠", actor=transport)
    unissued = make_pass(issue=False)
    off_route = make_pass(checkpoints=[exit_b])
    cases = {expired: Reason.EXPIRED, future: Reason.NOT_YET_VALID, revoked: Reason.REVOKED,
             unissued: Reason.NOT_ISSUED, off_route: Reason.OFF_ROUTE}
    for freight_pass, reason in cases.items():
        result = services.freight_pass_scan(code=services.freight_code(freight_pass), checkpoint=exit_a,
                                            actor=checkpoint_a)
        assert (result.scan.disposition, result.scan.reason) == (Disposition.REFUSED, reason)
    assert Scan.objects.filter(disposition=Disposition.REFUSED).count() == 5


def test_a_forged_code_fails_the_signature_and_is_recorded(make_pass, exit_a, checkpoint_a):
    freight_pass = make_pass()
    code = services.freight_code(freight_pass)
    forged = f"HY{freight_pass.pk + 1:08d}" + code[code.index(":"):]
    result = services.freight_pass_scan(code=forged, checkpoint=exit_a, actor=checkpoint_a)
    assert result.scan.reason == Reason.FORGED and result.freight_pass is None
    # An escort pass's code is signed with another salt: it is no freight pass.
    escort_like = sign(freight_pass.number, salt="fangkong.passes.escort")
    assert services.freight_pass_scan(code=escort_like, checkpoint=exit_a, actor=checkpoint_a).scan.reason == "forged"


@settings(max_examples=40, deadline=None)
@given(st.from_regex(r"[A-Z0-9]{1,20}", fullmatch=True), st.from_regex(r"[A-Z0-9]{1,20}", fullmatch=True))
def test_only_what_was_signed_unsigns(number, other):
    code = sign(number, salt=FREIGHT_SALT)
    assert unsign(f" {code}\n", salt=FREIGHT_SALT) == number
    if other != number:
        with pytest.raises(ForgedCode):
            unsign(other + code[code.index(":"):], salt=FREIGHT_SALT)


def test_checkpoint_staff_scan_only_at_their_own_checkpoints(make_pass, exit_a, checkpoint_b_user):
    with pytest.raises(PermissionDenied):
        services.freight_pass_scan(code=services.freight_code(make_pass()), checkpoint=exit_a,
                                   actor=checkpoint_b_user)
    assert not Scan.objects.exists()


def test_a_reviewer_of_another_district_cannot_review(city, exit_b, officer_a, officer_b):
    freight_pass = services.freight_pass_request(actor=officer_b, checkpoints=[exit_b], **pass_fields())
    with pytest.raises(PermissionDenied):
        services.freight_pass_review(freight_pass=freight_pass, approve=True, actor=officer_a)
    freight_pass.refresh_from_db()
    assert freight_pass.status == FreightPass.Status.REQUESTED
