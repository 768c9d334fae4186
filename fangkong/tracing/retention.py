"""PIPL erasure (people.retention): a case keeps its number, classification, dates and Ct values, a contact its
category, exposure time and status, so the curves, the graph and the timeliness figures still hold. What goes: the
case's summary and the free text of its itinerary and exposures, the contact's reason, the assist request's copy of
the person (matched by the contact, or by ID number), and the co-presence files uploaded for the case."""

from django.db.models import Q

from fangkong.people.retention import ANONYMOUS_NAME, Erasure
from fangkong.tracing.models import AssistRequest, Case, Contact, DetectionHit, DetectionRun, Exposure, PlaceVisit


def anonymise(*, erasure: Erasure) -> dict[str, int]:
    ids = erasure.person_ids
    case_ids = list(Case.objects.filter(person_id__in=ids).values_list("pk", flat=True))
    assists = AssistRequest.objects.filter(Q(contact__person_id__in=ids) | Q(id_number__in=erasure.id_numbers))
    runs = DetectionRun.objects.filter(case_id__in=case_ids).exclude(path="")
    erasure.delete_files(list(runs.values_list("path", flat=True)))
    return {
        "tracing.Case": erasure.erase(Case.objects.filter(pk__in=case_ids).exclude(summary=""), summary=""),
        "tracing.PlaceVisit": erasure.erase(
            PlaceVisit.objects.filter(case_id__in=case_ids).exclude(address="", note=""), address="", note=""),
        "tracing.Exposure": erasure.erase(Exposure.objects.filter(case_id__in=case_ids).exclude(description=""),
                                          description=""),
        "tracing.Contact": erasure.erase(Contact.objects.filter(person_id__in=ids).exclude(reason=""), reason=""),
        "tracing.AssistRequest": erasure.erase(assists.exclude(name=ANONYMOUS_NAME), name=ANONYMOUS_NAME,
                                               id_number="", phone="", address="", answer=""),
        "tracing.DetectionHit": erasure.erase(DetectionHit.objects.filter(person_id__in=ids).exclude(person_key=""),
                                              person_key=""),
        "tracing.DetectionRun": erasure.erase(runs, path=""),
    }
