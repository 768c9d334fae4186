"""PIPL erasure (people.retention): passages, occupants, arrivals and self-reports stay with their times, origins,
risk levels and dispositions; the traveller's name, document, phone, destination address and itinerary go.
Copies not linked to the person are found through the arrival they were merged into, or by ID number."""

from django.db.models import Q

from fangkong.arrivals.models import Arrival, ArrivalSource, Occupant, SelfReport
from fangkong.people.retention import ANONYMOUS_NAME, Erasure


def anonymise(*, erasure: Erasure) -> dict[str, int]:
    mine = Q(person_id__in=erasure.person_ids)
    if erasure.id_numbers:
        mine |= Q(id_number__in=erasure.id_numbers)  # indexed
    arrival_ids = list(Arrival.objects.filter(mine).values_list("pk", flat=True))
    sources = ArrivalSource.objects.filter(arrival_id__in=arrival_ids)
    occupants = Occupant.objects.filter(
        Q(person_id__in=erasure.person_ids)
        | Q(pk__in=sources.exclude(occupant=None).values("occupant_id"))).exclude(name=ANONYMOUS_NAME)
    reports = SelfReport.objects.filter(
        Q(pk__in=sources.exclude(self_report=None).values("self_report_id"))
        | Q(phone__in=erasure.phones, id_number__in=erasure.id_numbers)).exclude(name=ANONYMOUS_NAME)
    return {
        "arrivals.Occupant": erasure.erase(occupants, name=ANONYMOUS_NAME, id_number="", phone="",
                                           destination_address="", itinerary=[]),
        "arrivals.SelfReport": erasure.erase(reports, name=ANONYMOUS_NAME, id_number="", phone="",
                                             destination_address=""),
        "arrivals.Arrival": erasure.erase(Arrival.objects.filter(pk__in=arrival_ids).exclude(name=ANONYMOUS_NAME),
                                          name=ANONYMOUS_NAME, id_number="", phone="", destination_address=""),
    }
