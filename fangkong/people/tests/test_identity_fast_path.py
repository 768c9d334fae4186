"""people.identity.resident_id_ok, the per-row check of bulk imports, accepts exactly what validate_document does."""

from django.utils import timezone

from fangkong.people.tests.conftest import make_id


def test_identity_fast_path_agrees_with_validate_document():
    import random

    from django.core.exceptions import ValidationError

    from fangkong.people.identity import resident_id_ok, validate_document

    today = timezone.localdate()
    rng = random.Random(4)
    candidates = [make_id(seq=f"{n:03d}") for n in range(50)]
    candidates += [c[:-1] + rng.choice("0123456789X") for c in candidates]
    candidates += [f"{rng.choice(['110101', '999999', '411721'])}{rng.choice(['1990', '1870', '2999'])}"
                   f"{rng.choice(['0229', '0230', '1301', '0101'])}{rng.randint(0, 999):03d}{rng.choice('0123456789X')}"
                   for _n in range(300)]
    candidates += ["11010119900307123x", " 110101199003071230", "1101011990030712", ""]
    for number in candidates:
        try:
            validate_document("resident", number)
            accepted = True
        except ValidationError:
            accepted = False
        assert not resident_id_ok(number, today) or accepted, number
        if accepted and number == number.strip().upper():
            assert resident_id_ok(number, today), number
