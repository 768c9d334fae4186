"""Search keys a Chinese user expects: 陳綱 finds 陈纲, "zs" finds 张三, "1234" finds an ID or phone ending.

Keys are derived when a person is written (people.services) and by the demo's bulk loader,
so a search is an indexed prefix lookup, never a scan.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import opencc
from pypinyin import lazy_pinyin

_t2s = opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    return _t2s.convert(text)


@lru_cache(maxsize=65536)
def _char_pinyin(char: str) -> str:
    return lazy_pinyin(char, errors=lambda c: [c.lower()])[0].lower()


# Surnames read differently from the character's everyday reading (曾 is zēng as a surname, not céng).
_SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "仇": "qiu", "解": "xie", "查": "zha", "区": "ou", "朴": "piao", "覃": "qin",
    "盖": "ge", "乐": "yue", "尉": "yu", "缪": "miao", "翟": "zhai", "种": "chong", "召": "shao", "秘": "bi",
    "万": "wan", "葛": "ge", "任": "ren", "沈": "shen", "石": "shi", "柏": "bai", "薄": "bo", "员": "yun",
}


@dataclass(frozen=True)
class NameKeys:
    simplified: str
    pinyin: str
    initials: str


def name_keys(name: str) -> NameKeys:
    simplified = to_simplified(name.strip())
    # Per character, so surnames' heteronyms aside, keys are stable and cheap to cache in bulk loads.
    chars = [c for c in simplified if not c.isspace()]
    syllables = [_char_pinyin(c) for c in chars]
    if chars and chars[0] in _SURNAME_READINGS:
        syllables[0] = _SURNAME_READINGS[chars[0]]
    return NameKeys(
        simplified=simplified,
        pinyin="".join(syllables),
        initials="".join(s[0] for s in syllables if s),
    )


def reversed_key(value: str | None) -> str:
    return (value or "")[::-1].upper()


_DIGITS = re.compile(r"^[0-9]{3,18}[0-9Xx]?$")
_LATIN = re.compile(r"^[A-Za-z]+$")


def classify_query(query: str) -> tuple[str, str]:
    """("digits", "1234") | ("latin", "zs") | ("name", "陈纲") — what kind of search the user typed."""
    query = query.strip()
    if _DIGITS.match(query):
        return "digits", query.upper()
    if _LATIN.match(query):
        return "latin", query.lower()
    return "name", to_simplified(query)
