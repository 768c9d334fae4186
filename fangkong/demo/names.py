"""Weighted Chinese names for the demo city.

Surname weights follow the shape of the 2020 census ranking (per mille of the population, rounded);
given-name characters and whole given names lean by birth cohort, so a 1950s 建国 and a 2010s 梓涵 both appear.
曾 (zēng as a surname) and other heteronym surnames are in the list on purpose: search must read them right.
"""

import random
from bisect import bisect
from itertools import accumulate

import opencc

SURNAMES: list[tuple[str, float]] = [
    ("王", 71), ("李", 70), ("张", 68), ("刘", 54), ("陈", 46), ("杨", 31), ("黄", 24), ("赵", 23), ("吴", 20),
    ("周", 19), ("徐", 15), ("孙", 15), ("马", 13), ("朱", 13), ("胡", 12), ("郭", 12), ("何", 12), ("高", 11),
    ("林", 11), ("罗", 10), ("郑", 9), ("梁", 9), ("谢", 8), ("宋", 8), ("唐", 8), ("许", 7), ("韩", 7), ("冯", 7),
    ("邓", 7), ("曹", 7), ("彭", 6), ("曾", 6), ("肖", 6), ("田", 6), ("董", 5), ("袁", 5), ("潘", 5), ("于", 5),
    ("蒋", 5), ("蔡", 5), ("余", 5), ("杜", 5), ("叶", 4), ("程", 4), ("苏", 4), ("魏", 4), ("吕", 4), ("丁", 4),
    ("任", 4), ("沈", 4), ("姚", 4), ("卢", 4), ("姜", 4), ("崔", 3), ("钟", 3), ("谭", 3), ("陆", 3), ("汪", 3),
    ("范", 3), ("金", 3), ("石", 3), ("廖", 3), ("贾", 3), ("夏", 3), ("韦", 3), ("付", 3), ("方", 3), ("白", 3),
    ("邹", 3), ("孟", 3), ("熊", 3), ("秦", 3), ("邱", 3), ("江", 3), ("尹", 3), ("薛", 2), ("闫", 2), ("段", 2),
    ("雷", 2), ("侯", 2), ("龙", 2), ("史", 2), ("陶", 2), ("黎", 2), ("贺", 2), ("顾", 2), ("毛", 2), ("郝", 2),
    ("龚", 2), ("邵", 2), ("万", 2), ("钱", 2), ("严", 2), ("覃", 1), ("武", 2), ("戴", 2), ("莫", 1), ("孔", 1),
    ("向", 1), ("汤", 1), ("乔", 1), ("葛", 1), ("单", 0.5), ("解", 0.5), ("仇", 0.3), ("查", 0.3), ("翟", 0.5),
    ("柏", 0.3), ("蒿", 0.1), ("晋", 0.3), ("鲁", 0.5), ("弓", 0.1), ("欧阳", 0.3), ("司马", 0.05), ("诸葛", 0.05),
    ("上官", 0.05), ("东方", 0.03),
]

# Characters that read well in either position of a two-character given name.
MALE_CHARS: list[tuple[str, float]] = [
    ("伟", 30), ("强", 18), ("军", 18), ("勇", 15), ("杰", 15), ("涛", 12), ("明", 14), ("超", 10), ("刚", 10),
    ("平", 10), ("辉", 10), ("鹏", 9), ("华", 12), ("飞", 8), ("斌", 8), ("宇", 10), ("浩", 10), ("凯", 7),
    ("健", 7), ("俊", 8), ("峰", 8), ("磊", 9), ("林", 7), ("波", 7), ("东", 8), ("国", 10), ("建", 10),
    ("志", 10), ("文", 10), ("海", 8), ("永", 7), ("成", 7), ("立", 6), ("新", 6), ("德", 6), ("春", 5),
    ("晨", 6), ("轩", 6), ("博", 6), ("子", 8), ("泽", 6), ("睿", 5), ("航", 5), ("嘉", 5), ("昊", 5),
    ("振", 5), ("庆", 5), ("荣", 4), ("亮", 5), ("纲", 3), ("云", 5), ("兴", 4), ("跃", 3), ("晓", 5),
    ("一", 5), ("天", 5), ("家", 5), ("锦", 3), ("瑞", 4), ("恒", 3),
]
FEMALE_CHARS: list[tuple[str, float]] = [
    ("芳", 18), ("娜", 14), ("敏", 14), ("静", 16), ("丽", 16), ("艳", 12), ("娟", 12), ("霞", 12), ("秀", 12),
    ("英", 14), ("玲", 12), ("燕", 12), ("红", 12), ("梅", 10), ("兰", 8), ("萍", 8), ("婷", 10), ("雪", 8),
    ("琳", 7), ("倩", 7), ("颖", 7), ("慧", 10), ("佳", 8), ("欣", 10), ("怡", 10), ("雨", 8), ("思", 7),
    ("晓", 8), ("晨", 5), ("文", 6), ("玉", 10), ("桂", 6), ("凤", 6), ("淑", 6), ("珍", 6), ("华", 8),
    ("春", 5), ("月", 5), ("云", 6), ("洁", 6), ("蕾", 4), ("莉", 5), ("宁", 5), ("诗", 5), ("涵", 7),
    ("梓", 5), ("子", 6), ("可", 4), ("馨", 5), ("瑶", 5), ("悦", 5), ("彤", 4), ("琪", 4), ("亚", 4),
    ("群", 3), ("萱", 4), ("雅", 5), ("丹", 5),
]

# Whole given names typical of a birth cohort; picked instead of free characters a third of the time.
COHORT_NAMES: dict[str, dict[int, list[str]]] = {
    "M": {
        1930: ["德福", "德胜", "福生", "长贵", "守义", "振邦", "树林", "有才"],
        1950: ["建国", "建华", "国庆", "跃进", "卫东", "援朝", "国强", "志刚", "红军", "建军"],
        1970: ["伟", "勇", "军", "永刚", "海涛", "建伟", "志强", "小军", "卫国", "红兵"],
        1985: ["磊", "超", "鹏", "浩", "杰", "帅", "晓东", "俊杰", "文博", "亮"],
        2000: ["浩然", "子豪", "宇航", "一鸣", "俊熙", "皓轩", "嘉豪", "博文"],
        2010: ["梓睿", "子轩", "浩宇", "宇轩", "沐阳", "一诺", "奕辰", "梓豪", "子墨"],
    },
    "F": {
        1930: ["秀英", "桂英", "玉兰", "淑珍", "凤英", "桂兰", "秀珍", "玉珍", "翠花"],
        1950: ["秀兰", "桂芳", "淑华", "红梅", "凤兰", "丽华", "建华", "桂香", "玉梅"],
        1970: ["丽", "艳", "静", "红", "丽娟", "海燕", "晓红", "艳华", "秀梅", "春梅"],
        1985: ["婷", "娜", "敏", "静", "倩", "婷婷", "丹丹", "晓燕", "雪梅", "佳"],
        2000: ["欣怡", "雨涵", "思雨", "梦琪", "佳怡", "诗涵", "雨欣", "可欣"],
        2010: ["梓涵", "一诺", "欣妍", "若汐", "语桐", "梓萱", "诗涵", "子涵", "可馨"],
    },
}

# One resident in this many has a name on file in traditional characters (returnees, or records keyed that way).
TRADITIONAL_ONE_IN = 60

_s2t = opencc.OpenCC("s2t")


class NamePicker:
    """Draws names from the weighted lists with its own random source; deterministic for a seed."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._surnames, self._surname_cum = _cumulative(SURNAMES)
        self._chars = {sex: _cumulative(table) for sex, table in (("M", MALE_CHARS), ("F", FEMALE_CHARS))}
        self._cohorts = {sex: sorted(table.items()) for sex, table in COHORT_NAMES.items()}

    def surname(self) -> str:
        return self._pick(self._surnames, self._surname_cum)

    def given(self, sex: str, birth_year: int) -> str:
        sex = sex if sex in self._chars else "M"
        rng = self.rng
        if rng.random() < 0.35:
            return rng.choice(_cohort_for(self._cohorts[sex], birth_year))
        chars, cum = self._chars[sex]
        first = self._pick(chars, cum)
        if rng.random() < 0.15:
            return first
        return first + self._pick(chars, cum)

    def full(self, sex: str, birth_year: int, surname: str | None = None) -> str:
        name = (surname or self.surname()) + self.given(sex, birth_year)
        if self.rng.randrange(TRADITIONAL_ONE_IN) == 0:
            return to_traditional(name)
        return name

    def _pick(self, values, cum):
        return values[bisect(cum, self.rng.random() * cum[-1])]


def _cumulative(table):
    values = [value for value, _weight in table]
    return values, list(accumulate(weight for _value, weight in table))


def _cohort_for(cohorts, birth_year: int) -> list[str]:
    chosen = cohorts[0][1]
    for start, names in cohorts:
        if birth_year >= start:
            chosen = names
    return chosen


_traditional_cache: dict[str, str] = {}


def to_traditional(name: str) -> str:
    if name not in _traditional_cache:
        _traditional_cache[name] = _s2t.convert(name)
    return _traditional_cache[name]
