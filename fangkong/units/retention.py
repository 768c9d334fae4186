"""PIPL erasure (people.retention): a fever-clinic report keeps its clinic, day, temperature, symptoms, disposition
and tasks for the fever figures; the phone and the travel-and-risk history typed for the person go. A closed-loop
event keeps its kind, time and measure, without its note. (Rosters and loop members hold no copy: they point at the
person.)"""

from fangkong.people.retention import Erasure
from fangkong.units.models import FeverReport, LoopEvent


def anonymise(*, erasure: Erasure) -> dict[str, int]:
    ids = erasure.person_ids
    return {
        "units.FeverReport": erasure.erase(FeverReport.objects.filter(person_id__in=ids).exclude(phone="", history=""),
                                           phone="", history=""),
        "units.LoopEvent": erasure.erase(LoopEvent.objects.filter(person_id__in=ids).exclude(note=""), note=""),
    }
