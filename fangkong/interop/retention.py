"""PIPL erasure (people.retention): a lab inbox item keeps its lab, tube code, result, Ct values, reason and status;
the raw FHIR resources as received (Observation, Specimen, Patient: they carry the ID number and the name) and the
ID number go. Inbox items are matched by the ID number the lab sent."""

from fangkong.interop.models import InboxItem
from fangkong.people.retention import Erasure


def anonymise(*, erasure: Erasure) -> dict[str, int]:
    items = InboxItem.objects.filter(id_number__in=erasure.id_numbers)
    return {"interop.InboxItem": erasure.erase(items, observation={}, specimen=None, patient=None, id_number="",
                                               detail="")}
