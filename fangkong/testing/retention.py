"""PIPL erasure (people.retention): a sample keeps its tube, round, time and result for the figures; the copy of
the person's name, document and phone goes. Samples taken from someone not on file are matched by ID number."""

from django.db.models import Q

from fangkong.people.models import IdType
from fangkong.people.retention import ANONYMOUS_NAME, Erasure, placeholder
from fangkong.testing.models import Round, Sample


def anonymise(*, erasure: Erasure) -> dict[str, int]:
    mine = Q(person_id__in=erasure.person_ids)
    if erasure.id_numbers:
        # Every column of the one-sample-per-round index (round, id_type, id_number) is given, so the database
        # looks these up instead of reading ten million samples per batch. (Re-checks outside a round are always
        # of people on file: the person id finds them.)
        mine |= Q(person__isnull=True, round_id__in=list(Round.objects.values_list("pk", flat=True)),
                  id_type__in=IdType.values, id_number__in=erasure.id_numbers)
    samples = Sample.objects.filter(mine).exclude(name=ANONYMOUS_NAME, phone="")
    # The ID number is under that unique constraint: a per-row placeholder keeps it unique.
    return {"testing.Sample": erasure.erase(samples, name=ANONYMOUS_NAME, phone="", id_number=placeholder())}
