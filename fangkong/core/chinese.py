"""Simplified → Traditional for texts written ahead of any request (the snapshot's alerts), converted as the zh_Hant
catalogue itself is (OpenCC s2twp, core.management.commands.hant_catalogue), so they read the same."""

from functools import cache

from django.utils import translation


@cache
def hant_converter():
    """OpenCC's Simplified → Traditional (Taiwan, with phrases): the zh_Hant catalogue's conversion."""
    import opencc

    return opencc.OpenCC("s2twp")


def for_active_language(text: str) -> str:
    """`text` (stored in Simplified) as a reader of the active language sees it."""
    if (translation.get_language() or "").lower() in ("zh-hant", "zh-tw", "zh-hk"):
        return hant_converter().convert(text)
    return text
