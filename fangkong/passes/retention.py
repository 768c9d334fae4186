"""PIPL erasure (people.retention): a pass keeps its number, status, validity, route and scans; the driver's or
escort's name, document and phone go, matched by the person on file or by ID number. A pass still valid is left
alone: someone is driving or sitting with a patient on it."""

from django.db.models import Q

from fangkong.passes.models import EscortPass, FreightPass
from fangkong.people.retention import ANONYMOUS_NAME, Erasure


def anonymise(*, erasure: Erasure) -> dict[str, int]:
    over = Q(valid_to__lt=erasure.now) | Q(status__in=["revoked", "rejected"])
    freight = FreightPass.objects.filter(over, driver_id_number__in=erasure.id_numbers)
    escort = EscortPass.objects.filter(over).filter(
        Q(escort_person_id__in=erasure.person_ids) | Q(escort_id_number__in=erasure.id_numbers))
    return {
        "passes.FreightPass": erasure.erase(freight, driver_name=ANONYMOUS_NAME, driver_id_number="",
                                            driver_phone=""),
        "passes.EscortPass": erasure.erase(escort, escort_name=ANONYMOUS_NAME, escort_id_number="",
                                           escort_phone=""),
    }
