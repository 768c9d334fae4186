"""Chinese licence plates (GA 36-2018): province abbreviation, issuing-authority letter, then the serial.

Ordinary plates have a 5-character serial (letters and digits, never I or O; the last may be 挂/学/警/港/澳);
new-energy plates have 6: small cars D or F then a letter or digit and four digits (京AD12345), large vehicles
five digits then D or F (京A12345D).
"""

import re

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"  # I and O look like 1 and 0 and are never issued
_ORDINARY = re.compile(rf"^[{PROVINCES}][{_LETTER}][{_LETTER}0-9]{{4}}[{_LETTER}0-9挂学警港澳]$")
_NEW_ENERGY_SMALL = re.compile(rf"^[{PROVINCES}][{_LETTER}][DF][{_LETTER}0-9][0-9]{{4}}$")
_NEW_ENERGY_LARGE = re.compile(rf"^[{PROVINCES}][{_LETTER}][0-9]{{5}}[DF]$")


class PlateError(ValueError):
    """`code` says what is wrong: empty, province, authority, length, format."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def normalize_plate(value: str) -> str:
    """The plate in canonical form (upper case, no spaces or dots), or PlateError."""
    plate = re.sub(r"[\s·.\-]", "", value or "").upper()
    if not plate:
        raise PlateError("empty")
    if plate[0] not in PROVINCES:
        raise PlateError("province")
    if len(plate) < 2 or not re.match(rf"[{_LETTER}]", plate[1]):
        raise PlateError("authority")
    if len(plate) not in (7, 8):
        raise PlateError("length")
    pattern = _ORDINARY if len(plate) == 7 else None
    if len(plate) == 8:
        if _NEW_ENERGY_SMALL.match(plate) or _NEW_ENERGY_LARGE.match(plate):
            return plate
        raise PlateError("format")
    if not pattern.match(plate):
        raise PlateError("format")
    return plate
