"""The demo city: a fictional prefecture-level city, 汾川市 (141200), built to look like the seeds' cities.

city › districts (区/县) › streets (街道/镇) › communities (社区/村) › grids of ~300 households › buildings
› households › residents, with a responsible person for every grid, community, street and district, one
user per role, and a few open household visits in the inbox of the grid worker `grid1`.

Everything is planned in memory from the seed (ids and paths included) and written in bulk: the territory
and the staff in one transaction, then the residents street by street, one transaction per street. A street
that is already written is skipped, so an interrupted build continues where it stopped.
"""

import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import get_hasher, make_password
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from fangkong.accounts.models import AccessLog, ApiToken, User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEntry
from fangkong.core.paths import child_path, subtree_q
from fangkong.demo.ids import People, SequenceAllocator, resident_id
from fangkong.demo.models import DemoBuild
from fangkong.demo.names import SURNAMES, NamePicker
from fangkong.people.models import Household, IdType, ManagementStatus, Person, PersonTag, StatusChange, Tag
from fangkong.people.search import name_keys, reversed_key
from fangkong.tasks.models import Task
from fangkong.territory.models import Level, Responsibility, Unit, UnitTally

# The later modules' scenes, in build order: seed_<x>(city=, district=, seed=) -> {"users": [...], ...} and the
# line the build log prints for it. Each module's wipe_<x>(units=) runs before the city goes, in SCENE_WIPES order
# (rows that point at others first).
SCENES: tuple[tuple[str, Callable[[dict], str]], ...] = (
    ("fangkong.demo.supervision_scene.seed_supervision",
     lambda r: "supervision: yesterday's unannounced visit, three written assignments (one closed, one overdue)"),
    ("fangkong.demo.supplies_scene.seed_supplies",
     lambda r: "supplies: a warehouse and its points over a week, a low stock, donations, household needs"),
    ("fangkong.demo.vaccination_scene.seed_vaccination",
     lambda r: f"vaccination: {r.get('doses', 0)} doses of the first district's residents"),
    ("fangkong.demo.workforce_scene.seed_workforce",
     lambda r: "workforce: volunteers, a published 14-day checkpoint roster, a flagged draft, a party branch"),
    ("fangkong.demo.passes_scene.seed_passes",
     lambda r: "passes: freight passes on their routes and their checkpoint scans, hospital escorts"),
    ("fangkong.demo.notices_scene.seed_notices",
     lambda r: "notices: the city's and a district's notices, one superseded; compound gates"),
    ("fangkong.demo.units_scene.seed_units",
     lambda r: "units: a refinery in closed loop, a school applying to reopen, a smelter back at work"),
    ("fangkong.demo.clinics_scene.seed_clinics",
     lambda r: f"clinics: a fever clinic's two weeks ({r.get('reports', 0)} patients, a rise today), "
               f"{r.get('case_orders', 0)} disinfection orders for cases, a market's routine disinfection"),
    ("fangkong.demo.residents_scene.seed_residents",
     lambda r: "residents: check-ins, a proxy report, a fever alert; sign in at /residents/ as "
               f"{r.get('resident', {}).get('id_number', '—')}"),
)
SCENE_WIPES: tuple[str, ...] = (
    "fangkong.demo.clinics_scene.wipe_clinics",
    "fangkong.demo.vaccination_scene.wipe_vaccination",
    "fangkong.demo.passes_scene.wipe_passes",
    "fangkong.demo.notices_scene.wipe_notices",
    "fangkong.demo.residents_scene.wipe_residents",
    "fangkong.demo.units_scene.wipe_units",
    "fangkong.demo.supervision_scene.wipe_supervision",
    "fangkong.demo.supplies_scene.wipe_supplies",
    "fangkong.demo.isolation_sites.wipe_isolation",
    "fangkong.demo.tracing_cases.wipe_tracing",
    "fangkong.demo.testing_round.wipe_testing_round",
    "fangkong.demo.workforce_scene.wipe_workforce",
    "fangkong.demo.outbreak.wipe_outbreak",
)

SIZES = {"tiny": 2_000, "small": 20_000, "medium": 300_000, "large": 10_000_000}

CITY_NAME = "汾川市"
# GB/T 2260 has no fictional codes, and people.identity refuses a resident ID whose area code was never assigned:
# the fictional city takes the code space of 临汾 (one of the seeds' cities), its districts fictional names.
CITY_CODE = "141000"
URBAN_DISTRICT_CODES = ["141002", "141081", "141082"]
COUNTY_CODES = [f"1410{n}" for n in range(21, 35)]
HOUSEHOLDS_PER_GRID = 300
PERSONS_PER_HOUSEHOLD = 2.58  # what the household mix below averages
PERSONS_PER_STREET = 25_000
GRIDS_PER_COMMUNITY = 4
OCCUPANCY = 0.93
PARTY_MEMBER_SHARE = 0.05
FAMOUS_RESIDENT = "陈纲"  # always present, in grid1, so that a demo search has a known answer

URBAN_DISTRICTS = ["汾城区", "河东区", "鼓楼区"]
COUNTIES = [
    "清水县", "石门县", "白杨县", "临泉县", "云岭县", "柏林县", "青川县", "古塬县", "安平县", "浮云县", "西河县",
    "北岭县", "永宁县", "枣林县",
]
STREET_WORDS = [
    "解放路", "鼓楼", "车站", "西关", "东关", "南关", "北关", "城北", "城南", "新华", "人民路", "五一", "和平", "建设",
    "文化", "河滨", "工业园", "向阳", "朝阳", "红旗", "中山路", "滨河", "南街", "北街", "东城", "西城", "长安",
    "迎春", "汾河", "金殿", "屯里", "乔李", "大阳", "段店", "贾得", "县底", "枕头", "土门", "吴村", "刘村",
]
TOWN_WORDS = [
    "城关", "北王", "南岭", "东庄", "西张", "马坊", "店头", "河口", "龙泉", "石桥", "柳林", "杨树", "双井", "高河",
    "安乐", "太平", "永和", "新堡", "官庄", "古城", "三泉", "沙窝", "平原", "峪口", "李家", "大宁", "乡宁", "吉县",
]
COMMUNITY_WORDS = [
    "幸福", "和平", "光明", "东风", "红旗", "向阳", "团结", "胜利", "花园", "滨河", "锦绣", "翠苑", "金桥", "银河",
    "春晖", "育才", "丽景", "康乐", "平阳", "府东", "府西", "书院", "贡院", "洪家楼", "铁路", "电力", "煤机", "焦化",
    "纺织", "华苑", "汾滨", "兴华", "振兴", "新村", "尚书", "东湖", "西湖", "南苑", "北苑", "美景",
]
VILLAGE_SUFFIXES = ["庄", "湾", "沟", "坪", "堡", "寨", "营", "屯", "河", "峪"]
ORDINALS = "一二三四五六七八九十"


@dataclass
class BuildingPlan:
    unit: Unit
    number: int
    entrances: int
    floors: int


@dataclass
class GridPlan:
    unit: Unit
    buildings: list[BuildingPlan] = field(default_factory=list)


@dataclass
class CommunityPlan:
    unit: Unit
    grids: list[GridPlan] = field(default_factory=list)


@dataclass
class StreetPlan:
    unit: Unit
    district: Unit
    index: int  # in the whole city: the street's own random stream
    slot: int  # in its district: its slice of ID sequence codes
    slots: int
    communities: list[CommunityPlan] = field(default_factory=list)

    def grids(self) -> Iterable[GridPlan]:
        for community in self.communities:
            yield from community.grids


@dataclass
class CityPlan:
    city: Unit
    districts: list[Unit]
    streets: list[StreetPlan]
    units: list[Unit]  # parents before children

    def grids(self) -> list[GridPlan]:
        return [grid for street in self.streets for grid in street.grids()]


@dataclass
class DemoUser:
    username: str
    role: str
    password: str
    scope: Unit
    display_name: str = ""


@dataclass
class BuildReport:
    size: str
    persons_target: int
    resumed: bool = False
    phases: list[tuple[str, float]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    users: list[DemoUser] = field(default_factory=list)
    grid_worker_count: int = 0


class DemoExists(Exception):
    """The demo city is already there (or something stands in its way); the message says what to do."""


# ---------------------------------------------------------------------------------------------------------
# Planning: the tree, in memory, with ids and paths.


def plan_city(*, persons: int, seed: int, first_unit_id: int) -> CityPlan:
    rng = random.Random(f"{seed}:territory")
    next_id = iter(range(first_unit_id, 1 << 62))
    units: list[Unit] = []

    def add(parent: Unit | None, level: int, name: str, code: str) -> Unit:
        unit_id = next(next_id)
        unit = Unit(id=unit_id, parent_id=parent.id if parent else None, level=level, name=name, code=code,
                    path=child_path(parent.path if parent else "", unit_id), depth=parent.depth + 1 if parent else 0)
        units.append(unit)
        return unit

    district_count = min(len(URBAN_DISTRICTS) + len(COUNTIES), max(2, round(persons / 800_000)))
    street_count = max(district_count, round(persons / PERSONS_PER_STREET))
    grid_count = max(1, round(persons / (HOUSEHOLDS_PER_GRID * PERSONS_PER_HOUSEHOLD)))
    community_count = max(street_count, round(grid_count / GRIDS_PER_COMMUNITY))
    grid_count = max(grid_count, community_count)
    # Grids of about 300 households, sized so that the city comes out close to the number asked for.
    doors_per_grid = round(persons / (grid_count * PERSONS_PER_HOUSEHOLD * OCCUPANCY))

    city = add(None, Level.CITY, CITY_NAME, CITY_CODE)
    urban_count = min(len(URBAN_DISTRICTS), max(1, district_count // 3))
    districts, streets = [], []
    streets_per_district = _spread(street_count, district_count)
    communities_per_street = iter(_spread(community_count, street_count))
    grids_per_community = iter(_spread(grid_count, community_count))
    for d_index, n_streets in enumerate(streets_per_district):
        urban = d_index < urban_count
        if urban:
            d_name, d_code = URBAN_DISTRICTS[d_index], URBAN_DISTRICT_CODES[d_index]
        else:
            d_name, d_code = COUNTIES[d_index - urban_count], COUNTY_CODES[d_index - urban_count]
        district = add(city, Level.DISTRICT, d_name, d_code)
        districts.append(district)
        street_names = _names(rng, STREET_WORDS if urban else TOWN_WORDS, n_streets)
        for s_index in range(n_streets):
            suffix = "街道" if urban or s_index == 0 else rng.choice(["镇", "镇", "乡"])
            s_code = f"{d_code}{s_index + 1 if urban or s_index == 0 else 100 + s_index:03d}"
            street = add(district, Level.STREET, street_names[s_index] + suffix, s_code)
            street.hotline = f"0979-81{len(streets) + 1:05d}"  # the street's 防控热线, shown to its residents
            plan = StreetPlan(unit=street, district=district, index=len(streets), slot=s_index, slots=n_streets)
            streets.append(plan)
            n_communities = next(communities_per_street)
            rural = not urban and suffix != "街道"
            community_names = _village_names(rng, n_communities) if rural else [
                name + "社区" for name in _names(rng, COMMUNITY_WORDS, n_communities)
            ]
            for c_index in range(n_communities):
                c_code = f"{s_code}{(200 if rural else 0) + c_index + 1:03d}"
                community = CommunityPlan(add(street, Level.COMMUNITY, community_names[c_index], c_code))
                plan.communities.append(community)
                building_number = 0
                for g_index in range(next(grids_per_community)):
                    grid_unit = add(community.unit, Level.GRID, f"第{g_index + 1}网格", f"{c_code}G{g_index + 1:02d}")
                    grid = GridPlan(grid_unit)
                    community.grids.append(grid)
                    doors = 0
                    while doors < doors_per_grid:
                        building_number += 1
                        entrances = rng.choice((1, 2, 2, 3, 3, 4)) if not rural else 1
                        floors = rng.choice((5, 6, 6, 6, 7, 11, 18)) if not rural else rng.choice((2, 3, 3, 4))
                        floors = max(1, min(floors, -(-(doors_per_grid - doors) // (entrances * 2))))
                        unit = add(grid.unit, Level.BUILDING, f"{building_number}号楼",
                                   f"{c_code}B{building_number:03d}")
                        grid.buildings.append(BuildingPlan(unit, building_number, entrances, floors))
                        doors += entrances * floors * 2
    return CityPlan(city=city, districts=districts, streets=streets, units=units)


def _spread(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _names(rng: random.Random, words: Sequence[str], count: int) -> list[str]:
    pool = list(words)
    rng.shuffle(pool)
    names = pool[:count]
    round_ = 0
    while len(names) < count:
        round_ += 1
        names += [f"{word}{ORDINALS[(round_ - 1) % 10]}" for word in pool[: count - len(names)]]
    return names


def _village_names(rng: random.Random, count: int) -> list[str]:
    seen, names = set(), []
    surnames = [s for s, w in SURNAMES if w >= 3 and len(s) == 1]
    while len(names) < count:
        name = rng.choice(surnames) + rng.choice(("家", "", "")) + rng.choice(VILLAGE_SUFFIXES)
        if name in seen:
            name += ORDINALS[len(names) % 10]
        seen.add(name)
        names.append(name + "村")
    return names


# ---------------------------------------------------------------------------------------------------------
# Residents of one street.

PERSON_COLUMNS = (
    "id", "name", "name_simplified", "name_pinyin", "name_initials", "id_type", "id_number", "id_number_rev",
    "birth_date", "sex", "phone", "phone_rev", "household_id", "unit_id", "address", "status",
)
HOUSEHOLD_COLUMNS = ("id", "unit_id", "number", "address")
TAG_COLUMNS = ("id", "person_id", "tag")
RESPONSIBILITY_COLUMNS = ("id", "unit_id", "household_id", "role", "user_id", "name", "phone")

# Household mix (share of households): composition, and what it averages to ≈ PERSONS_PER_HOUSEHOLD.
HOUSEHOLD_MIX = [
    ("elderly_alone", 0.078), ("single", 0.17), ("couple", 0.20), ("one_child", 0.25), ("two_children", 0.12),
    ("three_generations", 0.10), ("single_parent", 0.05), ("three_children", 0.032),
]


RESIDENT_ID, NORMAL = IdType.RESIDENT.value, ManagementStatus.NORMAL.value
PARTY_MEMBER = Responsibility.Role.PARTY_MEMBER.value


@dataclass
class StreetRows:
    households: list[tuple] = field(default_factory=list)
    persons: list[tuple] = field(default_factory=list)
    tags: list[tuple] = field(default_factory=list)
    party_members: list[tuple] = field(default_factory=list)


class IdCounter:
    def __init__(self, start: int):
        self.value = start

    def take(self) -> int:
        value = self.value
        self.value += 1
        return value


class Residents:
    """Generates households and people; name search keys are cached per name (names repeat a lot)."""

    def __init__(self, today: date):
        self.today = today
        self._keys: dict[str, tuple[str, str, str]] = {}
        self._mix = [kind for kind, _ in HOUSEHOLD_MIX]
        self._mix_cum = []
        total = 0.0
        for _, share in HOUSEHOLD_MIX:
            total += share
            self._mix_cum.append(total)

    def keys(self, name: str) -> tuple[str, str, str]:
        keys = self._keys.get(name)
        if keys is None:
            k = name_keys(name)
            keys = self._keys[name] = (k.simplified, k.pinyin, k.initials)
        return keys

    def street(self, plan: StreetPlan, *, seed: int, ids: dict[str, IdCounter], famous: bool = False) -> StreetRows:
        rng = random.Random(f"{seed}:street:{plan.index}")
        names = NamePicker(rng)
        people = People(rng, self.today)
        sequences = SequenceAllocator(plan.slot, plan.slots)
        area = plan.district.code
        rows = StreetRows()
        street_name = plan.unit.name
        for community in plan.communities:
            prefix = street_name + community.unit.name
            for grid in community.grids:
                for building in grid.buildings:
                    b_id = building.unit.id
                    for entrance in range(1, building.entrances + 1):
                        for floor in range(1, building.floors + 1):
                            for door in (1, 2):
                                if rng.random() > OCCUPANCY:
                                    continue
                                number = f"{entrance}单元{floor}{door:02d}"
                                address = f"{prefix}{building.number}号楼{number}"
                                h_id = ids["household"].take()
                                rows.households.append((h_id, b_id, number, address))
                                members = self._members(rng, people)
                                if famous:
                                    members[0] = ("head", 58, "M", False)
                                self._people(rows, rng, names, people, sequences, area, h_id, b_id, address,
                                             members, ids, famous)
                                famous = False
                                if rng.random() < PARTY_MEMBER_SHARE:
                                    name = names.full(rng.choice("MF"), self.today.year - people.age(25, 70))
                                    rows.party_members.append((ids["responsibility"].take(), b_id, h_id,
                                                               PARTY_MEMBER, None, name,
                                                               people.mobile()))
        return rows

    def _members(self, rng: random.Random, people: People) -> list[tuple[str, int, str, bool]]:
        """(relation, age, sex, alone) for each member; the head first."""
        kind = self._mix[min(len(self._mix) - 1, _bisect(self._mix_cum, rng.random() * self._mix_cum[-1]))]
        if kind == "elderly_alone":
            return [("head", people.age(65, 99), rng.choice("MFF"), True)]
        if kind == "single":
            return [("head", people.age(18, 64), rng.choice("MMF"), False)]
        if kind == "single_parent":
            head = ("head", people.age(25, 55), rng.choice("MFF"), False)
            return [head, *self._children(rng, head[1], 1)]
        head_age = people.age(22, 90) if kind == "couple" else people.age(25, 58)
        head_sex = "M" if rng.random() < 0.8 else "F"
        spouse_age = max(20, head_age + rng.randint(-6, 3))
        members = [("head", head_age, head_sex, False), ("spouse", spouse_age, "F" if head_sex == "M" else "M", False)]
        children = {"one_child": 1, "two_children": 2, "three_children": 3, "three_generations": 1}.get(kind, 0)
        members += self._children(rng, min(head_age, spouse_age), children)
        if kind == "three_generations":
            for _ in range(rng.choice((1, 1, 2))):
                members.append(("grandparent", min(99, head_age + rng.randint(24, 32)), rng.choice("MF"), False))
        return members

    @staticmethod
    def _children(rng: random.Random, parent_age: int, count: int) -> list[tuple[str, int, str, bool]]:
        children = []
        for _ in range(count):
            age = parent_age - rng.randint(22, 36)
            if age < 0:
                age = rng.randint(0, max(0, parent_age - 20))
            children.append(("child", min(age, 30), rng.choice("MF"), False))
        return children

    def _people(self, rows, rng, names, people, sequences, area, h_id, b_id, address, members, ids, famous):
        family_name = None
        for index, (relation, age, sex, alone) in enumerate(members):
            birth = people.birth_date(age)
            male = sex == "M"
            if relation in ("head", "child") and family_name is None:
                family_name = names.surname()
            surname = family_name if relation in ("head", "child") else None
            name = FAMOUS_RESIDENT if famous and index == 0 else names.full(sex, birth.year, surname)
            simplified, pinyin, initials = self.keys(name)
            id_number = resident_id(area, birth, sequences.next(birth, male))
            phone = people.mobile() if age >= 14 and (age < 75 or rng.random() < 0.6) else ""
            p_id = ids["person"].take()
            rows.persons.append((
                p_id, name, simplified, pinyin, initials, RESIDENT_ID, id_number, reversed_key(id_number),
                birth.isoformat(), sex, phone, reversed_key(phone), h_id, b_id, address, NORMAL,
            ))
            for tag in _tags(rng, age, sex, alone):
                rows.tags.append((ids["tag"].take(), p_id, tag.value))


def _bisect(cum: list[float], value: float) -> int:
    for index, edge in enumerate(cum):
        if value < edge:
            return index
    return len(cum) - 1


def _tags(rng: random.Random, age: int, sex: str, alone: bool) -> list[str]:
    tags = []
    if alone:
        tags.append(Tag.ELDERLY_ALONE)
    r = rng.random()
    chronic = 0.02 if age < 40 else 0.10 if age < 60 else 0.25 if age < 70 else 0.35
    if r < chronic:
        tags.append(Tag.CHRONIC)
    if age < 6:
        tags.append(Tag.INFANT)
    elif sex == "F" and 22 <= age <= 40 and rng.random() < 0.04:
        tags.append(Tag.PREGNANT)
    r = rng.random()
    if r < (0.015 if age < 65 else 0.05):
        tags.append(Tag.DISABLED)
    if 22 <= age <= 60:
        r = rng.random()
        if r < 0.012:
            tags.append(Tag.MEDICAL)
        elif r < 0.015:
            tags.append(Tag.COLD_CHAIN)
        elif r < 0.030:
            tags.append(Tag.TRANSPORT)
        elif r < 0.031:
            tags.append(Tag.QUARANTINE_STAFF)
    return tags


# ---------------------------------------------------------------------------------------------------------
# Writing.


def _extra_columns(model, columns: Sequence[str], now) -> tuple[list[str], list]:
    """Columns the generator leaves out, with their values: timestamps and whatever defaults the model has."""
    names, values = [], []
    for f in model._meta.concrete_fields:
        if f.attname in columns:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        elif f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        else:
            raise ValueError(f"{model.__name__}.{f.name} has no default; the demo loader must fill it")
        names.append(f.column)
        values.append(f.get_db_prep_save(value, connection))
    return names, values


def write_rows(model, columns: Sequence[str], rows: list[tuple]) -> None:
    """PostgreSQL: COPY. SQLite: one prepared INSERT run over all rows (executemany).

    The ids are set by the caller. On SQLite, bulk_create spent four times the CPU of executemany on the same
    rows (Python-side field preparation, 49 rows per statement under SQLite's 999-parameter limit), which is the
    difference between the medium city taking one minute or four.
    """
    if not rows:
        return
    extra_names, extra_values = _extra_columns(model, columns, timezone.now())
    db_columns = [model._meta.get_field(c).column for c in columns] + extra_names
    extra = tuple(extra_values)
    table = connection.ops.quote_name(model._meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(c) for c in db_columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + extra)
        else:
            placeholders = ", ".join(["%s"] * len(db_columns))
            cursor.executemany(f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})",
                               [row + extra for row in rows])


def _reset_sequences(models) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def _tune_sqlite() -> None:
    # The demo can be rebuilt; a crash mid-build loses only the street being written.
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")


# ---------------------------------------------------------------------------------------------------------
# Staff: responsible people and users.

PASSWORDS = {
    Role.ADMIN: "demo-admin-2020", Role.HQ: "demo-hq-2020", Role.OFFICER: "demo-officer-2020",
    Role.GRID_WORKER: "demo-grid-2020", Role.CHECKPOINT: "demo-checkpoint-2020",
    Role.ISOLATION: "demo-isolation-2020", Role.TRACER: "demo-tracer-2020", Role.LAB: "demo-lab-2020",
    Role.INSPECTOR: "demo-inspector-2020", Role.SUPPLIES: "demo-supplies-2020",
}


def demo_users(plan: CityPlan) -> list[DemoUser]:
    """The fixed logins (grid workers apart): one per role, scoped where that role works."""
    city, first, second = plan.city, plan.districts[0], plan.districts[-1]
    street = plan.streets[0].unit
    return [
        DemoUser("admin", Role.ADMIN, PASSWORDS[Role.ADMIN], city, "系统管理员"),
        DemoUser("hq", Role.HQ, PASSWORDS[Role.HQ], city, "市指挥部值班"),
        DemoUser("officer", Role.OFFICER, PASSWORDS[Role.OFFICER], first, f"{first.name}防控办"),
        DemoUser("officer2", Role.OFFICER, PASSWORDS[Role.OFFICER], second, f"{second.name}防控办"),
        DemoUser("street", Role.OFFICER, PASSWORDS[Role.OFFICER], street, f"{street.name}防控办"),
        DemoUser("checkpoint", Role.CHECKPOINT, PASSWORDS[Role.CHECKPOINT], first, "高速站口检测点"),
        DemoUser("isolation", Role.ISOLATION, PASSWORDS[Role.ISOLATION], first, "集中隔离点"),
        DemoUser("tracer", Role.TRACER, PASSWORDS[Role.TRACER], city, "市疾控流调"),
        DemoUser("lab", Role.LAB, PASSWORDS[Role.LAB], city, "检测机构"),
        DemoUser("inspector", Role.INSPECTOR, PASSWORDS[Role.INSPECTOR], city, "市督导组"),
        DemoUser("supplies", Role.SUPPLIES, PASSWORDS[Role.SUPPLIES], first, f"{first.name}物资保障组"),
    ]


def _quick_hash(password: str) -> str:
    # The demo passwords are printed on the screen, so a slow hash protects nothing here and would cost seconds
    # per password on a small machine. Django re-hashes each with the preferred hasher at its first login.
    try:
        hasher = get_hasher("pbkdf2_sha256")
    except ValueError:
        return make_password(password)
    return hasher.encode(password, hasher.salt(), iterations=10_000)


def _write_staff(plan: CityPlan, *, seed: int, today: date, report: BuildReport) -> None:
    rng = random.Random(f"{seed}:staff")
    names, people = NamePicker(rng), People(rng, today)
    hashes = {password: _quick_hash(password) for password in set(PASSWORDS.values())}
    user_id = IdCounter(_next_id(User))
    responsibility_id = IdCounter(_next_id(Responsibility))
    users, responsibilities = [], []
    now = timezone.now()
    fixed = demo_users(plan)
    for spec in fixed:
        users.append(User(id=user_id.take(), username=spec.username, password=hashes[spec.password], role=spec.role,
                          scope_id=spec.scope.id, display_name=spec.display_name, phone=people.mobile(),
                          date_joined=now))

    def person(sex=None):
        sex = sex or rng.choice("MMF")
        return names.full(sex, today.year - people.age(28, 58)), people.mobile()

    for district in plan.districts:
        name, phone = person("M")
        responsibilities.append(Responsibility(id=responsibility_id.take(), unit_id=district.id, name=name,
                                               phone=phone, role=Responsibility.Role.AREA_LEADER))
    grid_number = 0
    for street in plan.streets:
        name, phone = person()
        responsibilities.append(Responsibility(id=responsibility_id.take(), unit_id=street.unit.id, name=name,
                                               phone=phone, role=Responsibility.Role.AREA_LEADER))
        for community in street.communities:
            name, phone = person()
            responsibilities.append(Responsibility(id=responsibility_id.take(), unit_id=community.unit.id,
                                                   name=name, phone=phone, role=Responsibility.Role.LIAISON_CADRE))
            for grid in community.grids:
                grid_number += 1
                name, phone = person(rng.choice("MFF"))
                user = User(id=user_id.take(), username=f"grid{grid_number}",
                            password=hashes[PASSWORDS[Role.GRID_WORKER]], role=Role.GRID_WORKER,
                            scope_id=grid.unit.id, display_name=name, phone=phone, date_joined=now)
                users.append(user)
                responsibilities.append(Responsibility(id=responsibility_id.take(), unit_id=grid.unit.id, name=name,
                                                       phone=phone, role=Responsibility.Role.GRID_WORKER,
                                                       user_id=user.id))
                if grid_number == 1:
                    fixed.append(DemoUser(user.username, Role.GRID_WORKER, PASSWORDS[Role.GRID_WORKER],
                                          grid.unit, name))
    User.objects.bulk_create(users, batch_size=500)
    Responsibility.objects.bulk_create(responsibilities, batch_size=500)
    report.users = fixed
    report.grid_worker_count = grid_number


# ---------------------------------------------------------------------------------------------------------
# The build.


def existing_build() -> DemoBuild | None:
    return DemoBuild.objects.select_related("city").order_by("-id").first()


def build_city(*, size: str, seed: int = 2020, persons: int | None = None, reset: bool = False,
               progress: Callable[[Iterable], Iterable] | None = None,
               log: Callable[[str], None] | None = None) -> BuildReport:
    """Build (or resume) the demo city. Raises DemoExists when a finished or different demo is in the way."""
    persons = persons or SIZES[size]
    report = BuildReport(size=size, persons_target=persons)
    log = log or (lambda _message: None)
    progress = progress or (lambda items: items)
    today = timezone.localdate()

    def phase(name: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        report.phases.append((name, elapsed))
        log(f"{name}: {elapsed:.1f} s")

    started = time.perf_counter()
    build = existing_build()
    if reset:
        wipe_demo()
        build = None
        phase("reset", started)
    elif build is not None:
        if build.finished_at is not None:
            raise DemoExists(
                f"A demo city is already built ({build}). Run again with --reset to wipe it and build a new one."
            )
        if (build.size, build.persons_target, build.seed) != (size, persons, seed):
            raise DemoExists(
                f"An unfinished demo build is in the database ({build}); resume it with the same "
                "--size/--persons/--seed, or start over with --reset."
            )
    _tune_sqlite()

    started = time.perf_counter()
    if build is None:
        _refuse_collisions()
        first_unit_id = _next_id(Unit)
        plan = plan_city(persons=persons, seed=seed, first_unit_id=first_unit_id)
        with transaction.atomic():
            Unit.objects.bulk_create(plan.units, batch_size=1000)
            build = DemoBuild.objects.create(city_id=plan.city.id, size=size, persons_target=persons, seed=seed,
                                             first_unit_id=first_unit_id)
            from fangkong.demo.geometry import seed_geometry

            seed_geometry(plan.city)
            phase(f"territory ({len(plan.units)} units, synthetic polygons down to the grids)", started)
            started = time.perf_counter()
            _write_staff(plan, seed=seed, today=today, report=report)
            _reset_sequences([Unit, User, Responsibility])
        phase(f"responsibilities and users ({report.grid_worker_count} grid workers)", started)
    else:
        report.resumed = True
        plan = plan_city(persons=persons, seed=seed, first_unit_id=build.first_unit_id)
        report.users = demo_users(plan)
        grid1 = plan.streets[0].communities[0].grids[0].unit
        report.users.append(DemoUser("grid1", Role.GRID_WORKER, PASSWORDS[Role.GRID_WORKER], grid1,
                                     User.objects.filter(username="grid1").values_list("display_name", flat=True)
                                     .first() or ""))
        report.grid_worker_count = len(plan.grids())
        phase("plan (resuming)", started)

    started = time.perf_counter()
    residents = Residents(today)
    done = _streets_done(plan)
    ids = {
        "household": IdCounter(_next_id(Household)), "person": IdCounter(_next_id(Person)),
        "tag": IdCounter(_next_id(PersonTag)), "responsibility": IdCounter(_next_id(Responsibility)),
    }
    written = 0
    for street in progress(plan.streets):
        if street.unit.id in done:
            continue
        rows = residents.street(street, seed=seed, ids=ids, famous=street.index == 0)
        with transaction.atomic():
            write_rows(Household, HOUSEHOLD_COLUMNS, rows.households)
            write_rows(Person, PERSON_COLUMNS, rows.persons)
            write_rows(PersonTag, TAG_COLUMNS, rows.tags)
            write_rows(Responsibility, RESPONSIBILITY_COLUMNS, rows.party_members)
        written += len(rows.persons)
    _reset_sequences([Household, Person, PersonTag, Responsibility])
    phase(f"residents ({written} written, {len(done)} streets already there)", started)

    started = time.perf_counter()
    with transaction.atomic():
        _inbox_for_grid1(plan, today)
        build.finished_at = timezone.now()
        build.save(update_fields=["finished_at"])
    phase("inbox of grid1", started)
    started = time.perf_counter()
    from fangkong.demo.outbreak import seed_outbreak

    seed_outbreak(city=plan.city, grid1=plan.streets[0].communities[0].grids[0].unit)
    phase("keep imports out: risk areas, a checkpoint and its shifts, three cars", started)
    started = time.perf_counter()
    from fangkong.demo.testing_round import seed_testing_round

    testing = seed_testing_round(city=plan.city, district=plan.districts[0],
                                 community=plan.streets[0].communities[0].unit, seed=seed)
    report.users += testing["users"]
    phase("mass testing: today's round, two points, a lab, one positive tube recalled", started)
    started = time.perf_counter()
    from fangkong.demo.tracing_cases import seed_tracing

    seed_tracing(community=plan.streets[0].communities[0].unit)
    phase("tracing: a cluster of three cases, their contacts and an assist request", started)
    started = time.perf_counter()
    from fangkong.demo.isolation_sites import seed_isolation

    seed_isolation(district=plan.districts[0])
    phase("isolation: two sites, the checkpoint's family received, the contacts in the queue", started)
    started = time.perf_counter()
    from fangkong.demo.epidemic import seed_epidemic

    epidemic = seed_epidemic(city=plan.city, seed=seed)
    phase(f"epidemic history: {epidemic['cases']} cases over four weeks, {epidemic['links']} links", started)
    for seed_path, line in SCENES:
        started = time.perf_counter()
        result = import_string(seed_path)(city=plan.city, district=plan.districts[0], seed=seed)
        report.users += result.get("users", [])
        phase(line(result), started)
    if size == "large":
        from fangkong.demo.testing_round import seed_round_samples_by_file

        started = time.perf_counter()
        seed_round_samples_by_file(log=log)
        phase("mass testing: the first district's morning, by file", started)
    started = time.perf_counter()
    _analyze()
    phase("planner statistics (ANALYZE)", started)
    started = time.perf_counter()
    from fangkong.territory.tallies import tallies_refresh

    tallies_refresh()
    phase("node tallies", started)
    started = time.perf_counter()
    from fangkong.command.snapshot import snapshot_take

    snapshot_take()
    phase("dashboard snapshot", started)
    started = time.perf_counter()
    from fangkong.command.jobs import generate_review_pack, send_daily_report

    generate_review_pack()
    send_daily_report()
    phase("tonight's review pack and today's daily report", started)
    report.counts = demo_counts(plan.city)
    return report


def _analyze() -> None:
    """After a bulk load the planner has no statistics until autovacuum gets round to it (on the 10 M city it
    had not after half an hour): without them PostgreSQL counts a grid's 800 residents with a sequential scan
    of all 10 M (≈1 s instead of milliseconds). SQLite's planner uses sqlite_stat1 the same way."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _refuse_collisions() -> None:
    if Unit.objects.filter(code=CITY_CODE).exists():
        raise DemoExists(f"A jurisdiction node with the demo city's code {CITY_CODE} already exists; "
                         "use an empty database, or --reset if it is an earlier demo.")
    taken = list(User.objects.filter(username__in=[u for u in _fixed_usernames()]).values_list("username", flat=True))
    taken += list(User.objects.filter(username__regex=r"^grid[0-9]+$").values_list("username", flat=True)[:3])
    if taken:
        raise DemoExists(f"Usernames the demo needs are taken: {', '.join(sorted(taken))}. Use an empty database.")


def _fixed_usernames() -> list[str]:
    return ["admin", "hq", "officer", "officer2", "street", "checkpoint", "isolation", "tracer", "lab", "inspector",
            "supplies"]


def _streets_done(plan: CityPlan) -> set[int]:
    """Streets whose residents are written: each street is one transaction, so one household says all."""
    done = set()
    for street in plan.streets:
        if Household.objects.filter(subtree_q("unit__path", street.unit.path)).exists():
            done.add(street.unit.id)
    return done


def _inbox_for_grid1(plan: CityPlan, today: date) -> None:
    grid1 = plan.streets[0].communities[0].grids[0]
    worker = User.objects.get(username="grid1")
    households = Household.objects.filter(subtree_q("unit__path", grid1.unit.path)).select_related("unit")
    now = timezone.now()
    dues = [timedelta(hours=-3), timedelta(hours=2), timedelta(hours=6), timedelta(days=1), timedelta(days=2)]
    tasks = []
    for household, due in zip(households.order_by("id")[: len(dues)], dues, strict=False):
        if Task.objects.filter(dedupe_key=f"demo:household_visit:{household.id}").exists():
            continue
        tasks.append(Task(kind="household_visit", title=f"入户走访：{household.unit.name}{household.number}",
                          detail="地毯式摸排：核对户内人员、联系电话和健康状况。", unit=household.unit,
                          household=household, owner=worker, owner_role=Role.GRID_WORKER, due_at=now + due,
                          dedupe_key=f"demo:household_visit:{household.id}"))
    Task.objects.bulk_create(tasks)


def demo_counts(city: Unit) -> dict[str, int]:
    in_city = subtree_q("unit__path", city.path)
    counts = {Level(level).label: n for level, n in _level_counts(city)}
    counts.update(
        households=Household.objects.filter(in_city).count(),
        persons=Person.objects.filter(in_city).count(),
        tags=PersonTag.objects.filter(subtree_q("person__unit__path", city.path)).count(),
        responsibilities=Responsibility.objects.filter(in_city).count(),
        users=User.objects.filter(subtree_q("scope__path", city.path)).count(),
        tasks=Task.objects.filter(in_city).count(),
    )
    return counts


def _level_counts(city: Unit):
    rows = Unit.objects.filter(subtree_q("path", city.path)).values("level").annotate(n=Count("id")).order_by("level")
    return [(row["level"], row["n"]) for row in rows]


# ---------------------------------------------------------------------------------------------------------
# Reset.


def wipe_demo() -> None:
    """Delete every demo build's city: its tree, households, residents, staff and tasks.

    Raw deletes (no per-row signals), in foreign-key order, in one transaction; if another app's rows still point
    at the demo city the database refuses at commit and nothing is deleted.
    """
    recorded = DemoBuild.objects.filter(city__isnull=False).values("city_id")
    cities = list(Unit.objects.filter(Q(code=CITY_CODE) | Q(id__in=recorded), parent__isnull=True))
    try:
        with transaction.atomic():
            for city in cities:
                _wipe_city(city)
            DemoBuild.objects.all().delete()
    except IntegrityError as exc:
        raise DemoExists(
            "Other records still refer to the demo city, so it was left as it was. "
            f"Wipe the whole database instead (fangkong flush). Database said: {exc}"
        ) from exc


def _wipe_city(city: Unit) -> None:
    path = city.path
    units = Unit.objects.filter(subtree_q("path", path)).values("id")
    users = User.objects.filter(subtree_q("scope__path", path)).values("id")
    persons = Person.objects.filter(unit_id__in=units).values("id")
    for wipe in SCENE_WIPES:
        import_string(wipe)(units=units)
    from fangkong.command.models import DailyReport, NodeFigures, ReviewItem, Snapshot

    for queryset in (
        NodeFigures.objects.filter(unit_id__in=units),
        DailyReport.objects.filter(unit_id__in=units),
        ReviewItem.objects.filter(unit_id__in=units),
        Task.objects.filter(unit_id__in=units),
        Task.objects.filter(owner_id__in=users),
        StatusChange.objects.filter(person_id__in=persons),
        PersonTag.objects.filter(person_id__in=persons),
        Responsibility.objects.filter(unit_id__in=units),
        UnitTally.objects.filter(unit_id__in=units),
        Person.objects.filter(unit_id__in=units),
        Household.objects.filter(unit_id__in=units),
        AuditEntry.objects.filter(subtree_q("unit_path", path)),
        AccessLog.objects.filter(actor_id__in=users),
        ApiToken.objects.filter(user_id__in=users),
        User.objects.filter(id__in=users),
    ):
        queryset._raw_delete(queryset.db)
    # A snapshot of nothing but the demo city would stay the "latest" one, and every dashboard would read it as empty.
    Snapshot.objects.exclude(pk__in=NodeFigures.objects.values("snapshot_id")).delete()
    # Children first: parent_id protects the tree row by row.
    for depth in sorted(set(Unit.objects.filter(subtree_q("path", path)).values_list("depth", flat=True)),
                        reverse=True):
        qs = Unit.objects.filter(subtree_q("path", path), depth=depth)
        qs._raw_delete(qs.db)
