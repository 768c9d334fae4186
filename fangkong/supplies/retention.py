"""PIPL erasure (people.retention): living needs and deliveries keep their kind, items, quantities, dates and
statuses for the supply figures. What goes: the needs these people asked for (by their phone, or their name in
their household) lose the contact, prescription and free-text notes, and the deliveries that met them their note and
photo (the file is deleted); once a household has nobody left on file, all its needs and deliveries do."""

from django.db.models import Q

from fangkong.people.retention import Erasure
from fangkong.supplies.models import DeliveryStop, Need


def anonymise(*, erasure: Erasure) -> dict[str, int]:
    emptied = erasure.emptied_household_ids
    needs = Need.objects.filter(
        Q(household_id__in=emptied)
        | Q(household_id__in=erasure.household_ids, contact_name__in=erasure.names)
        | Q(contact_phone__in=erasure.phones))
    stop_ids = list(needs.exclude(stop=None).values_list("stop_id", flat=True))
    stops = DeliveryStop.objects.filter(Q(pk__in=stop_ids) | Q(household_id__in=emptied)).exclude(note="", photo="")
    erasure.delete_files([stop.photo for stop in stops.exclude(photo="").only("pk", "photo")]
                         if not erasure.dry_run else [])
    return {
        "supplies.Need": erasure.erase(
            needs.exclude(prescription_note="", note="", contact_name="", contact_phone="", ip_hash=""),
            prescription_note="", note="", contact_name="", contact_phone="", ip_hash=""),
        "supplies.DeliveryStop": erasure.erase(stops, note="", photo=""),
    }
