import pytest
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from fangkong.core.forms import form_submit, run_service


class ReasonForm(forms.Form):
    reason = forms.CharField()


def test_a_service_error_lands_on_its_field_and_the_form_says_it_did_not_run():
    def refuse(data):
        raise ValidationError({"reason": "原因太短"})

    form = ReasonForm({"reason": "无"})
    assert form_submit(form, refuse) is False
    assert form.errors["reason"] == ["原因太短"]


def test_an_invalid_form_never_calls_the_service():
    calls = []
    assert form_submit(ReasonForm({}), calls.append) is False
    assert calls == []


def test_outside_the_users_scope_is_a_404_like_a_missing_object():
    def outside():
        raise PermissionDenied("not in scope")

    with pytest.raises(Http404):
        run_service(ReasonForm({"reason": "x"}), outside)


def test_a_service_that_returns_nothing_still_counts_as_done():
    assert form_submit(ReasonForm({"reason": "车辆违规停靠"}), lambda data: None) is True
