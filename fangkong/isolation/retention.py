"""PIPL erasure (people.retention): a stay keeps its site, room, category, dates and status, its health checks
their readings and alerts, its care requests their times; the free text about the person goes."""

from fangkong.isolation.models import CareRequest, HealthCheck, Stay
from fangkong.people.retention import Erasure


def anonymise(*, erasure: Erasure) -> dict[str, int]:
    stays = Stay.objects.filter(person_id__in=erasure.person_ids)
    return {
        "isolation.Stay": erasure.erase(stays.exclude(received_by=""), received_by=""),
        "isolation.HealthCheck": erasure.erase(HealthCheck.objects.filter(stay__in=stays).exclude(note=""), note=""),
        "isolation.CareRequest": erasure.erase(CareRequest.objects.filter(stay__in=stays).exclude(text="", answer=""),
                                               text="", answer=""),
    }
