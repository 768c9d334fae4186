"""The code a pass carries: its number, signed (django.core.signing) so a checkpoint can tell a forged one,
and drawn as a QR code (segno) in the page as inline SVG."""

import segno
from django.core import signing
from django.utils.safestring import mark_safe

FREIGHT_SALT = "fangkong.passes.freight"
ESCORT_SALT = "fangkong.passes.escort"


class ForgedCode(ValueError):
    """The code's signature does not match: forged, altered or from another installation."""


def sign(number: str, *, salt: str) -> str:
    return signing.Signer(salt=salt).sign(number)


def unsign(code: str, *, salt: str) -> str:
    try:
        return signing.Signer(salt=salt).unsign(" ".join((code or "").split()).replace(" ", ""))
    except signing.BadSignature:
        raise ForgedCode(code) from None


def qr_svg(data: str) -> str:
    """An inline <svg> of the QR code (no XML declaration, no style attribute: the CSP allows it)."""
    return mark_safe(segno.make(data, error="m").svg_inline(scale=4, dark="#000", light="#fff",  # noqa: S308
                                                            title="QR"))
