import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from fangkong.passes import services
from fangkong.passes.models import Disposition, EscortPass, Reason
from fangkong.passes.tests.conftest import ESCORT_ID

pytestmark = pytest.mark.django_db


def escort_fields(**extra):
    now = timezone.now()
    fields = dict(escort_name="王家属", escort_id_number=ESCORT_ID, escort_phone="13900139001",
                  tested_at=now - datetime.timedelta(hours=3), valid_from=now - datetime.timedelta(minutes=5),
                  valid_to=now + datetime.timedelta(days=3), ward="呼吸科3病区")
    fields.update(extra)
    return fields


def test_one_escort_per_patient_until_the_first_is_revoked(clinic_a, patient):
    first = services.escort_pass_issue(actor=clinic_a, patient=patient, **escort_fields())
    assert first.number == f"PH{first.pk:08d}"
    with pytest.raises(ValidationError) as exc:
        services.escort_pass_issue(actor=clinic_a, patient=patient, **escort_fields(escort_name="另一人"))
    assert "一人一证" in exc.value.message_dict["patient"][0]
    assert EscortPass.objects.count() == 1
    services.escort_pass_revoke(escort_pass=first, reason="更换陪护人", actor=clinic_a)
    second = services.escort_pass_issue(actor=clinic_a, patient=patient, **escort_fields(escort_name="另一人"))
    assert second.status == EscortPass.Status.ACTIVE


def test_the_database_keeps_one_active_pass_per_patient(clinic_a, patient, city):
    first = services.escort_pass_issue(actor=clinic_a, patient=patient, **escort_fields())
    with pytest.raises(IntegrityError), transaction.atomic():
        EscortPass.objects.create(unit=city.a.street, patient=patient, escort_name="x", escort_id_number=ESCORT_ID,
                                  escort_phone="13900139001", tested_at=first.tested_at, valid_from=first.valid_from,
                                  valid_to=first.valid_to, issued_at=first.issued_at)


def test_an_old_test_is_refused(clinic_a, patient, settings):
    settings.PASSES_ESCORT_TEST_HOURS = 48
    with pytest.raises(ValidationError) as exc:
        services.escort_pass_issue(actor=clinic_a, patient=patient,
                                   **escort_fields(tested_at=timezone.now() - datetime.timedelta(hours=50)))
    assert "48" in exc.value.message_dict["tested_at"][0]
    assert not EscortPass.objects.exists()


def test_the_gate_passes_a_valid_pass_and_refuses_expired_revoked_and_forged(clinic_a, patient):
    escort_pass = services.escort_pass_issue(actor=clinic_a, patient=patient, **escort_fields())
    code = services.escort_code(escort_pass)
    assert services.escort_pass_scan(code=code, actor=clinic_a).scan.disposition == Disposition.PASS
    later = escort_pass.valid_to + datetime.timedelta(minutes=1)
    assert services.escort_pass_scan(code=code, actor=clinic_a, at=later).scan.reason == Reason.EXPIRED
    assert services.escort_pass_scan(code=code + "0", actor=clinic_a).scan.reason == Reason.FORGED
    services.escort_pass_revoke(escort_pass=escort_pass, reason="出院", actor=clinic_a)
    assert services.escort_pass_scan(code=code, actor=clinic_a).scan.reason == Reason.REVOKED


def test_the_gate_refuses_when_the_test_is_too_old_until_a_new_one_is_recorded(clinic_a, patient, settings):
    settings.PASSES_ESCORT_TEST_HOURS = 48
    escort_pass = services.escort_pass_issue(actor=clinic_a, patient=patient, **escort_fields())
    code = services.escort_code(escort_pass)
    in_two_days = escort_pass.tested_at + datetime.timedelta(hours=49)
    assert services.escort_pass_scan(code=code, actor=clinic_a, at=in_two_days).scan.reason == Reason.TEST_DUE
    services.escort_pass_test_record(escort_pass=escort_pass, tested_at=timezone.now(), actor=clinic_a)
    assert services.escort_pass_scan(code=code, actor=clinic_a, at=in_two_days).scan.reason == Reason.VALID


def test_another_hospital_cannot_revoke_or_pass_it(clinic_a, patient, city):
    from conftest import make_user
    from fangkong.accounts.roles import Role

    clinic_b = make_user("clinic_b", Role.CLINIC, city.b.street)
    escort_pass = services.escort_pass_issue(actor=clinic_a, patient=patient, **escort_fields())
    with pytest.raises(PermissionDenied):
        services.escort_pass_revoke(escort_pass=escort_pass, reason="x x", actor=clinic_b)
    result = services.escort_pass_scan(code=services.escort_code(escort_pass), actor=clinic_b)
    assert result.scan.reason == Reason.WRONG_HOSPITAL and result.escort_pass is None
