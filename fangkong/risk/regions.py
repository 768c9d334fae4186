"""Region codes and addresses: GB/T 2260 code normalisation, address resolution with cpca, and the
region key origin_level matches on.

Codes are normalised to their significant digits: "410000" → "41" (province), "411700" → "4117" (city),
"411721" (county), "411721001000" → "411721001" (township), 12 digits for a village. An area on a code
covers every code starting with it. A sub-county area (township/street/community) is keyed by its county
code and its name, and covers an address in that county whose text after the county starts with the name
(or whose own longer code starts with the area's code).

cpca loads its tables (and pandas) in about a second, so it is imported lazily, once per process.
"""

import re
import threading
from dataclasses import dataclass

_DIGITS = re.compile(r"^\d+$")
# Where an address's text may be cut to find the start of a sub-county name: after a province, city,
# county, banner, street, town or township word ("河南省驻马店市西平县柏城街道东关社区").
_CUT_AFTER = "省市县区旗盟州道镇乡"


def normalize_code(code: str) -> str:
    """Significant digits of a GB/T 2260 / statistical code; "" if it is not one."""
    code = (code or "").strip()
    if not _DIGITS.match(code) or len(code) < 2:
        return ""
    if len(code) == 12:
        code = code[:9] if code.endswith("000") else code
        if len(code) == 9 and code.endswith("000"):
            code = code[:6]
    elif len(code) == 9 and code.endswith("000"):
        code = code[:6]
    if len(code) == 6:
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
    if len(code) not in (2, 4, 6, 9, 12):
        return ""
    return code


def code_prefixes(code: str) -> list[str]:
    """The codes that cover `code`: its 2-, 4-, 6-, 9-digit prefixes and itself."""
    code = normalize_code(code)
    return [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]


def name_starts(text: str) -> list[str]:
    """`text` and every tail of it that starts after an administrative word, for the sub-county match."""
    text = (text or "").replace(" ", "")
    tails = [text]
    tails.extend(text[i + 1:] for i, char in enumerate(text[:-1]) if char in _CUT_AFTER)
    return tails


def name_matches(match_name: str, text: str) -> bool:
    return bool(match_name) and any(tail.startswith(match_name) for tail in name_starts(text))


@dataclass(frozen=True)
class Origin:
    code: str  # 6-digit county adcode
    province: str
    city: str
    county: str
    rest: str  # what follows the county: street, township, community, door
    name: str  # the text as given


@dataclass(frozen=True)
class RegionKey:
    code: str  # normalised code of the area
    match_code: str  # the code origin_level looks up: the area's code, or its county's for a sub-county area
    match_name: str  # the sub-county name, "" for a whole region


# cpca's city column for the counties of a municipality: not a place name.
_PLACEHOLDER_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

_lock = threading.Lock()
_state: dict = {}


def _cpca():
    """cpca and a table of county names used by more than one county, loaded once per process."""
    if "cpca" not in _state:
        with _lock:
            if "cpca" not in _state:
                import cpca
                import opencc

                counts: dict[str, set[str]] = {}
                for info in cpca.ad_2_addr_dict.values():
                    if info.rank == 2:
                        counts.setdefault(info.name, set()).add(info.adcode)
                _state["ambiguous"] = {name for name, codes in counts.items() if len(codes) > 1}
                _state["t2s"] = opencc.OpenCC("t2s")
                _state["cpca"] = cpca
    return _state["cpca"]


def resolve_origin(text: str) -> Origin | None:
    """The county an address lies in, with what follows it; None when no county can be told for sure.

    Traditional characters are read as simplified. A county name shared by several counties (朝阳区 is in
    Beijing and in Changchun) with no province or city before it is not guessed: None, for a human to settle.
    """
    text = " ".join((text or "").split())
    if not text:
        return None
    cpca = _cpca()
    simplified = _state["t2s"].convert(text)
    row = cpca.transform([simplified], pos_sensitive=True).iloc[0]
    adcode = row["adcode"]
    if not isinstance(adcode, str) or len(adcode) < 6 or adcode.endswith("00"):
        return None
    county = row["区"] if isinstance(row["区"], str) else ""
    if not county:
        return None
    if row["省_pos"] == -1 and row["市_pos"] == -1 and county in _state["ambiguous"]:
        return None
    rest = row["地址"] if isinstance(row["地址"], str) else ""
    province = row["省"] if isinstance(row["省"], str) else ""
    city = row["市"] if isinstance(row["市"], str) and row["市"] not in _PLACEHOLDER_CITIES else ""
    return Origin(code=adcode[:6], province=province, city=city, county=county, rest=rest.strip(), name=text)


def region_key(*, code: str, name: str) -> RegionKey:
    """The key an outside-region area is stored under.

    A 9/12-digit code is a sub-county area: keyed by its county and its own name. A 6-digit (or shorter)
    code with a name is the whole region when the name is that region ("西平县", "河南省驻马店市西平县"),
    and a sub-county area when the name goes further ("西平县柏城街道", "柏城街道").
    Raises ValueError for a code that is not a region code.
    """
    normalized = normalize_code(code)
    if not normalized or not known_region(normalized):
        raise ValueError(code)
    name = " ".join((name or "").split())
    if len(normalized) > 6:
        return RegionKey(normalized, normalized[:6], _sub_county_name(name, normalized))
    if not name or len(normalized) < 6:
        return RegionKey(normalized, normalized, "")
    sub = _sub_county_name(name, normalized)
    return RegionKey(normalized, normalized, sub)


def known_region(code: str) -> bool:
    """The province, city or county of a normalised code is in cpca's table of GB/T 2260 codes."""
    head = code[:6]
    return bool(_cpca().adcode_name(head))


def _sub_county_name(name: str, code: str) -> str:
    """What of `name` lies below the county: "" if the name is the county (or above) itself."""
    if not name:
        return ""
    origin = resolve_origin(name)
    if origin is not None and origin.code == code[:6]:
        return origin.rest[:100]
    if origin is not None:
        # The name resolves to another county: the code is what counts; keep the whole name to match on.
        return name[:100]
    # No county recognised in the name: a bare township/community name, unless it names the region itself.
    county = _cpca().adcode_name(code[:6]) or ""
    simplified = _state["t2s"].convert(name)
    if simplified == county:
        return ""
    return simplified[:100]
