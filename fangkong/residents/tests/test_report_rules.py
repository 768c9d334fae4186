"""The check-in's validation against a plain reference: the range, one decimal, "none" alone."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from fangkong.residents.models import Symptom
from fangkong.residents.services import clean_report

SYMPTOMS = [*Symptom.values, "none"]


def _reference(value: Decimal, symptoms: list[str]) -> tuple[Decimal, list[str]] | None:
    unique = list(dict.fromkeys(symptoms))
    if not Decimal("34.0") <= value <= Decimal("43.0") or not unique or ("none" in unique and len(unique) > 1):
        return None
    return value.quantize(Decimal("0.1")), [s for s in unique if s != "none"]


@given(value=st.decimals(min_value=30, max_value=46, places=2, allow_nan=False),
       symptoms=st.lists(st.sampled_from(SYMPTOMS), max_size=4))
def test_clean_report_agrees_with_the_reference(value, symptoms):
    expected = _reference(value, symptoms)
    if expected is None:
        with pytest.raises(ValidationError):
            clean_report(temperature=str(value), symptoms=symptoms)
    else:
        assert clean_report(temperature=str(value), symptoms=symptoms) == expected
