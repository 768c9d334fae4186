"""A volunteer's personal link to "my shifts": a django.core.signing token carrying the volunteer's id and the link
version it was made for. Revoking bumps the version, so every earlier link stops working at once."""

from django.core import signing

SALT = "fangkong.workforce.volunteer-link"


def volunteer_token(volunteer) -> str:
    return signing.dumps({"v": volunteer.pk, "n": volunteer.link_version}, salt=SALT, compress=True)


def volunteer_from_token(token: str):
    """The approved volunteer whose link this is, or None (forged, revoked, replaced, or no longer approved)."""
    from fangkong.workforce.models import Volunteer

    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    volunteer = Volunteer.objects.select_related("unit").filter(pk=data.get("v")).first()
    if (volunteer is None or volunteer.link_revoked or volunteer.link_version != data.get("n")
            or volunteer.status != Volunteer.Status.APPROVED):
        return None
    return volunteer
