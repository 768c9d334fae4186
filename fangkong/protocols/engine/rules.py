"""A protocol's rules as plain data: what each category of person must do, for how long, tested when.

No Django here: the engine runs from the CLI, a job or a notebook unchanged. Rule sets are stored as the dict
`rules_to_dict` makes; `rules_from_dict` checks one and names the field at fault.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

CATEGORIES = ("close_contact", "secondary_contact", "arrival_high", "arrival_medium", "arrival_low",
              "inbound", "co_present", "loop_break")
# People app status codes a stage may put a person under; "" = tests only, the status does not change.
STAGE_STATUSES = ("central_isolation", "home_isolation", "home_monitoring", "")
LEVELS = ("high", "medium", "low")
POOL_SIZES = (1, 5, 10, 20)
# Rules a plan may carry beyond its days, acted on by the module that owns the data.
RELEASE_RULES = ("", "linked_close_contact_negative")


def gettext_noop(message: str) -> str:
    """Marks a message for the app's catalogue (makemessages finds it) without importing Django."""
    return message


class RulesError(ValueError):
    """A rule set that cannot be used: `field` is the path of the value at fault ("plans.close_contact.stages[0]
    .days"); `template` % `params` is the English message, which the app translates through its catalogue."""

    def __init__(self, field_name: str, template: str, **params):
        self.field = field_name
        self.template = template
        self.params = params
        self.message = template % params if params else template
        super().__init__(f"{field_name}: {self.message}")


@dataclass(frozen=True)
class Stage:
    status: str
    days: int
    test_days: tuple[int, ...] = ()


@dataclass(frozen=True)
class Plan:
    stages: tuple[Stage, ...]
    first_contact_hours: int
    # Hours to move the person into centralised isolation, when the first stage is centralised.
    transfer_hours: int | None = None
    # e.g. edition 9's secondary contact: released on day 7 if the linked close contact's first 2 tests are
    # negative, upgraded to close contact if one is positive (tracing acts on it).
    release_rule: str = ""
    # Free text for people reading the rule set ("centralised if the home is unsuitable"); no effect on dates.
    note: str = ""

    @property
    def days(self) -> int:
        return sum(stage.days for stage in self.stages)


@dataclass(frozen=True)
class Lifting:
    from_level: str
    to_level: str
    days_without_infection: int
    negative_round_required: bool


@dataclass(frozen=True)
class Rules:
    lookback_days: int
    fever_threshold: Decimal
    pool_size: int
    pool_sizes: tuple[int, ...]
    plans: dict[str, Plan]
    risk_lifting: tuple[Lifting, ...]
    levels: tuple[str, ...] = LEVELS
    report_hours: int = 2
    lockdown_hours: int = 24
    release_ct: Decimal = Decimal("35")
    # Checkpoints: a negative test within this many hours lets a traveller pass.
    negative_test_hours: int = 48
    # Mass testing: members of a positive pool re-sampled singly at the door within this many hours; a round's
    # tubes have their result within this many hours of closing, or they are listed as late.
    pool_recheck_hours: int = 2
    round_result_hours: int = 24
    # Tracing: the tracer reaches the case, has the core information (itinerary, close contacts) and the full
    # report within these many hours of the positive result.
    trace_first_contact_hours: int = 2
    trace_core_hours: int = 4
    trace_report_hours: int = 24
    # Epidemic analytics: the serial interval (days) Rt uses until enough linked pairs give an estimate.
    serial_interval_mean: Decimal = Decimal("3.0")
    serial_interval_sd: Decimal = Decimal("2.0")
    # The front line (local practice†): a freight driver on a point-to-point pass is tested this often; a fever
    # clinic's single tube has its result within these hours; a place with a case is disinfected within these.
    driver_test_hours: int = 48
    fever_clinic_result_hours: int = 6
    terminal_disinfection_hours: int = 24
    extra: dict = field(default_factory=dict)


def _int(data: dict, name: str, path: str, *, low: int = 0, high: int = 10_000, default=None) -> int:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except (TypeError, ValueError):
            raise RulesError(path, gettext_noop("must be a whole number")) from None
    if not low <= value <= high:
        raise RulesError(path, gettext_noop("must be between %(low)s and %(high)s"), low=low, high=high)
    return value


def _decimal(data: dict, name: str, path: str, *, low: str, high: str, default=None) -> Decimal:
    try:
        value = Decimal(str(data.get(name, default)))
    except (InvalidOperation, TypeError):
        raise RulesError(path, gettext_noop("must be a number")) from None
    if not Decimal(low) <= value <= Decimal(high):
        raise RulesError(path, gettext_noop("must be between %(low)s and %(high)s"), low=low, high=high)
    return value


def _stage(data: dict, path: str) -> Stage:
    if not isinstance(data, dict):
        raise RulesError(path, gettext_noop("must be an object with status, days and test_days"))
    status = data.get("status", "")
    if status not in STAGE_STATUSES:
        raise RulesError(f"{path}.status", gettext_noop("unknown status “%(status)s”"), status=status)
    days = _int(data, "days", f"{path}.days", low=1, high=60)
    raw_tests = data.get("test_days", [])
    if not isinstance(raw_tests, list | tuple):
        raise RulesError(f"{path}.test_days", gettext_noop("must be a list of day numbers"))
    tests = []
    for index, value in enumerate(raw_tests):
        day = _int({"d": value}, "d", f"{path}.test_days[{index}]", low=1, high=60)
        if day > days:
            raise RulesError(f"{path}.test_days[{index}]",
                             gettext_noop("day %(day)s is outside the stage's %(days)s days"), day=day, days=days)
        tests.append(day)
    if len(set(tests)) != len(tests):
        raise RulesError(f"{path}.test_days", gettext_noop("a day is listed twice"))
    if not status and not tests:
        raise RulesError(path, gettext_noop("a stage without a status must have test days"))
    return Stage(status=status, days=days, test_days=tuple(sorted(tests)))


def _plan(data: dict, path: str) -> Plan:
    if not isinstance(data, dict):
        raise RulesError(path, gettext_noop("must be an object"))
    raw_stages = data.get("stages") or []
    if not isinstance(raw_stages, list | tuple) or not raw_stages:
        raise RulesError(f"{path}.stages", gettext_noop("needs at least one stage"))
    stages = tuple(_stage(stage, f"{path}.stages[{i}]") for i, stage in enumerate(raw_stages))
    transfer = data.get("transfer_hours")
    if transfer in (None, ""):
        transfer = None
    else:
        transfer = _int(data, "transfer_hours", f"{path}.transfer_hours", low=1, high=168)
    release_rule = data.get("release_rule", "") or ""
    if release_rule not in RELEASE_RULES:
        raise RulesError(f"{path}.release_rule", gettext_noop("unknown rule “%(rule)s”"), rule=release_rule)
    note = data.get("note", "") or ""
    if not isinstance(note, str) or len(note) > 500:
        raise RulesError(f"{path}.note", gettext_noop("must be text of at most 500 characters"))
    return Plan(stages=stages, first_contact_hours=_int(data, "first_contact_hours", f"{path}.first_contact_hours",
                                                        low=1, high=168),
                transfer_hours=transfer, release_rule=release_rule, note=note.strip())


def rules_from_dict(data: dict) -> Rules:
    if not isinstance(data, dict):
        raise RulesError("rules", gettext_noop("must be an object"))
    raw_levels = data.get("levels") or list(LEVELS)
    if (not isinstance(raw_levels, list | tuple) or any(level not in LEVELS for level in raw_levels)
            or "high" not in raw_levels):
        raise RulesError("levels", gettext_noop("must list high and optionally medium and low"))
    levels = tuple(level for level in LEVELS if level in raw_levels)
    raw_sizes = data.get("pool_sizes") or list(POOL_SIZES)
    if not isinstance(raw_sizes, list | tuple) or any(
            isinstance(size, bool) or size not in POOL_SIZES for size in raw_sizes):
        raise RulesError("pool_sizes", gettext_noop("each must be 1, 5, 10 or 20"))
    pool_sizes = tuple(sorted(set(raw_sizes)))
    pool_size = _int(data, "pool_size", "pool_size", low=1, high=20, default=10)
    if pool_size not in pool_sizes:
        raise RulesError("pool_size", gettext_noop("must be one of the allowed pool sizes"))
    raw_plans = data.get("plans") or {}
    if not isinstance(raw_plans, dict):
        raise RulesError("plans", gettext_noop("must be an object keyed by category"))
    for category in raw_plans:
        if category not in CATEGORIES:
            raise RulesError(f"plans.{category}", gettext_noop("unknown category"))
    plans = {category: _plan(raw_plans[category], f"plans.{category}") for category in CATEGORIES
             if category in raw_plans}
    raw_lifting = data.get("risk_lifting") or []
    if not isinstance(raw_lifting, list | tuple):
        raise RulesError("risk_lifting", gettext_noop("must be a list of lifting rules"))
    extra = data.get("extra") or {}
    if not isinstance(extra, dict):
        raise RulesError("extra", gettext_noop("must be an object"))
    lifting = []
    for index, rule in enumerate(raw_lifting):
        path = f"risk_lifting[{index}]"
        if not isinstance(rule, dict):
            raise RulesError(path, gettext_noop("must be an object"))
        from_level, to_level = rule.get("from_level"), rule.get("to_level")
        if from_level not in levels or to_level not in (*levels, "lifted"):
            raise RulesError(path, gettext_noop("from_level and to_level must be levels of this rule set"))
        if from_level == to_level or (to_level in LEVELS and LEVELS.index(to_level) < LEVELS.index(from_level)):
            raise RulesError(path, gettext_noop("a lifting rule must go to a lower level"))
        negative_round = rule.get("negative_round_required", False)
        if not isinstance(negative_round, bool):
            raise RulesError(f"{path}.negative_round_required", gettext_noop("must be true or false"))
        lifting.append(Lifting(from_level, to_level, _int(rule, "days_without_infection",
                                                            f"{path}.days_without_infection", low=1, high=60),
                               negative_round))
    return Rules(
        lookback_days=_int(data, "lookback_days", "lookback_days", low=0, high=21),
        fever_threshold=_decimal(data, "fever_threshold", "fever_threshold", low="36.5", high="39.0"),
        pool_size=pool_size, pool_sizes=pool_sizes, plans=plans, risk_lifting=tuple(lifting), levels=levels,
        report_hours=_int(data, "report_hours", "report_hours", low=1, high=72, default=2),
        lockdown_hours=_int(data, "lockdown_hours", "lockdown_hours", low=1, high=168, default=24),
        release_ct=_decimal(data, "release_ct", "release_ct", low="20", high="45", default="35"),
        negative_test_hours=_int(data, "negative_test_hours", "negative_test_hours", low=1, high=168, default=48),
        pool_recheck_hours=_int(data, "pool_recheck_hours", "pool_recheck_hours", low=1, high=48, default=2),
        round_result_hours=_int(data, "round_result_hours", "round_result_hours", low=1, high=72, default=24),
        trace_first_contact_hours=_int(data, "trace_first_contact_hours", "trace_first_contact_hours", low=1,
                                       high=48, default=2),
        trace_core_hours=_int(data, "trace_core_hours", "trace_core_hours", low=1, high=72, default=4),
        trace_report_hours=_int(data, "trace_report_hours", "trace_report_hours", low=1, high=168, default=24),
        serial_interval_mean=_decimal(data, "serial_interval_mean", "serial_interval_mean", low="1.1", high="20",
                                      default="3.0"),
        serial_interval_sd=_decimal(data, "serial_interval_sd", "serial_interval_sd", low="0.1", high="20",
                                    default="2.0"),
        driver_test_hours=_int(data, "driver_test_hours", "driver_test_hours", low=1, high=336, default=48),
        fever_clinic_result_hours=_int(data, "fever_clinic_result_hours", "fever_clinic_result_hours", low=1,
                                       high=72, default=6),
        terminal_disinfection_hours=_int(data, "terminal_disinfection_hours", "terminal_disinfection_hours", low=1,
                                         high=168, default=24),
        extra=dict(extra),
    )


def rules_to_dict(rules: Rules) -> dict:
    return {
        "lookback_days": rules.lookback_days,
        "fever_threshold": str(rules.fever_threshold),
        "pool_size": rules.pool_size,
        "pool_sizes": list(rules.pool_sizes),
        "levels": list(rules.levels),
        "report_hours": rules.report_hours,
        "lockdown_hours": rules.lockdown_hours,
        "release_ct": str(rules.release_ct),
        "negative_test_hours": rules.negative_test_hours,
        "pool_recheck_hours": rules.pool_recheck_hours,
        "round_result_hours": rules.round_result_hours,
        "trace_first_contact_hours": rules.trace_first_contact_hours,
        "trace_core_hours": rules.trace_core_hours,
        "trace_report_hours": rules.trace_report_hours,
        "serial_interval_mean": str(rules.serial_interval_mean),
        "serial_interval_sd": str(rules.serial_interval_sd),
        "driver_test_hours": rules.driver_test_hours,
        "fever_clinic_result_hours": rules.fever_clinic_result_hours,
        "terminal_disinfection_hours": rules.terminal_disinfection_hours,
        "plans": {
            category: {
                "first_contact_hours": plan.first_contact_hours,
                "transfer_hours": plan.transfer_hours,
                "release_rule": plan.release_rule,
                "note": plan.note,
                "stages": [{"status": s.status, "days": s.days, "test_days": list(s.test_days)} for s in plan.stages],
            }
            for category, plan in rules.plans.items()
        },
        "risk_lifting": [
            {"from_level": r.from_level, "to_level": r.to_level, "days_without_infection": r.days_without_infection,
             "negative_round_required": r.negative_round_required}
            for r in rules.risk_lifting
        ],
        "extra": dict(rules.extra),
    }


def _flatten(value, path: str, out: dict) -> None:
    if isinstance(value, dict):
        for key in value:
            _flatten(value[key], f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
        for index, item in enumerate(value):
            _flatten(item, f"{path}[{index}]", out)
    else:
        out[path] = value


def rules_diff(old: dict, new: dict) -> list[tuple[str, object, object]]:
    """What changed between two rule dicts, as (path, old value, new value); None where a value is absent."""
    before, after = {}, {}
    _flatten(old or {}, "", before)
    _flatten(new or {}, "", after)
    paths = list(before) + [path for path in after if path not in before]
    return [(path, before.get(path), after.get(path)) for path in paths if before.get(path) != after.get(path)]
