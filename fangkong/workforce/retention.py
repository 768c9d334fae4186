"""PIPL erasure (people.retention): a volunteer record of the person (matched by ID number: volunteers are not
linked to the archive) keeps its community, status, dates and shifts; name, document, phone, health declaration
and the free text go, and their personal link stops working. An approved volunteer whose link still works is
still serving and is left alone."""

from django.db.models import Q

from fangkong.people.retention import ANONYMOUS_NAME, Erasure, placeholder
from fangkong.workforce.models import Volunteer


def anonymise(*, erasure: Erasure) -> dict[str, int]:
    serving = Q(status=Volunteer.Status.APPROVED, link_revoked=False)
    volunteers = Volunteer.objects.filter(id_number__in=erasure.id_numbers).exclude(serving)
    # The ID number is unique among volunteers: a per-row placeholder keeps it so.
    return {"workforce.Volunteer": erasure.erase(
        volunteers, name=ANONYMOUS_NAME, id_number=placeholder(), phone="", skills="", availability="",
        health_note="", reason="", ip_hash="", link_revoked=True)}
