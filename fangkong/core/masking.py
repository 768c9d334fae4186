"""Masking of personal data for lists and logs (110***********1234)."""

from django.conf import settings


def mask(value: str | None, keep: tuple[int, int]) -> str:
    if not value:
        return ""
    head, tail = keep
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_id_number(value: str | None) -> str:
    return mask(value, settings.MASK_ID_KEEP)


def mask_phone(value: str | None) -> str:
    return mask(value, settings.MASK_PHONE_KEEP)


def mask_name(name: str) -> str:
    """张三丰 → 张**: the surname is enough to tell rows apart in a list."""
    return name[0] + "*" * (len(name) - 1) if name and len(name) > 1 else name


def mask_address(value: str | None) -> str:
    """Keep the area, hide the door: the first 6 characters, then stars."""
    if not value:
        return ""
    return value[:6] + "****" if len(value) > 6 else value
