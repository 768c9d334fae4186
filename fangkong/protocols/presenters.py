"""Rules as readable rows and labels for the pages (no business rules: the engine decides, this only shows)."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.people.models import ManagementStatus
from fangkong.protocols.engine.rules import CATEGORIES, rules_diff
from fangkong.protocols.models import Category

STAGE_STATUS_LABELS = {
    "central_isolation": ManagementStatus.CENTRAL_ISOLATION.label,
    "home_isolation": ManagementStatus.HOME_ISOLATION.label,
    "home_monitoring": ManagementStatus.HOME_MONITORING.label,
    "": gettext_lazy("Tests only (status unchanged)"),
}
LEVEL_LABELS = {"high": gettext_lazy("High"), "medium": gettext_lazy("Medium"), "low": gettext_lazy("Low"),
                "lifted": gettext_lazy("Lifted")}
RELEASE_RULE_LABELS = {
    "": gettext_lazy("None"),
    "linked_close_contact_negative": gettext_lazy(
        "Released on the last day if the linked close contact's first 2 tests are negative; upgraded to close "
        "contact if one is positive"),
}
FIELD_LABELS = {
    "lookback_days": gettext_lazy("Close-contact look-back (days)"),
    "fever_threshold": gettext_lazy("Fever threshold (°C)"),
    "pool_size": gettext_lazy("Default pool size"),
    "pool_sizes": gettext_lazy("Allowed pool sizes"),
    "levels": gettext_lazy("Risk levels"),
    "report_hours": gettext_lazy("Report an infection within (hours)"),
    "lockdown_hours": gettext_lazy("Lock down risk places within (hours)"),
    "release_ct": gettext_lazy("Release Ct threshold"),
    "negative_test_hours": gettext_lazy("Negative test valid at checkpoints (hours)"),
    "pool_recheck_hours": gettext_lazy("Re-check a positive pool's members within (hours)"),
    "round_result_hours": gettext_lazy("A round's tube has its result within (hours)"),
    "trace_first_contact_hours": gettext_lazy("Tracer reaches a new case within (hours)"),
    "trace_core_hours": gettext_lazy("Core tracing information within (hours)"),
    "trace_report_hours": gettext_lazy("Full tracing report within (hours)"),
    "serial_interval_mean": gettext_lazy("Serial interval, mean (days)"),
    "serial_interval_sd": gettext_lazy("Serial interval, standard deviation (days)"),
    "driver_test_hours": gettext_lazy("Freight drivers' negative test within (hours)"),
    "fever_clinic_result_hours": gettext_lazy("Fever clinic test result within (hours)"),
    "terminal_disinfection_hours": gettext_lazy("Terminal disinfection of a case's places within (hours)"),
    "first_contact_hours": gettext_lazy("First contact within (hours)"),
    "transfer_hours": gettext_lazy("Transfer within (hours)"),
    "release_rule": gettext_lazy("Release rule"),
    "note": gettext_lazy("Note"),
    "status": gettext_lazy("Status"),
    "days": gettext_lazy("Days"),
    "test_days": gettext_lazy("Test days"),
    "from_level": gettext_lazy("From"),
    "to_level": gettext_lazy("To"),
    "days_without_infection": gettext_lazy("Days without a new infection"),
    "negative_round_required": gettext_lazy("Negative round required"),
    "extra": gettext_lazy("Other numbers"),
}

# The numbers other modules read from `extra`; an unknown key is shown as it is.
EXTRA_LABELS = {
    "supplies_low_cover_days": gettext_lazy("Warn when stock covers fewer days than"),
    "core_tracing_hours": gettext_lazy("Core tracing information within (hours)"),
    "area_testing_hours": gettext_lazy("Area-wide testing within (hours)"),
    "observation_recheck_minutes": gettext_lazy("Fever re-measured after (minutes)"),
    "isolation_rooms_per_10000": gettext_lazy("Isolation rooms in reserve per 10,000 residents"),
    "release_tests": gettext_lazy("Negative tests to release an infected person"),
    "release_test_gap_hours": gettext_lazy("Hours between release tests"),
    "release_days": gettext_lazy("Release test days (home isolation)"),
    "release_home_isolation": gettext_lazy("Infected persons isolated at home"),
    "positive_ct_below": gettext_lazy("Positive if Ct below"),
    "lifting_round_within_days": gettext_lazy("Negative round within days before lifting"),
    "last_contact_days": gettext_lazy("Days since the last close contact before lifting"),
    "copresence_cell_m": gettext_lazy("Co-presence cell (metres)"),
    "copresence_minutes": gettext_lazy("Co-presence: minutes in the same cell"),
    "copresence_cell_hours": gettext_lazy("Co-presence: hours either party spent in the cell"),
    "copresence_window_days": gettext_lazy("Co-presence: window (days)"),
    "pool_prevalence_max_percent": gettext_lazy("Pooling best below prevalence (%)"),
    "pool_size_controlled": gettext_lazy("Pool size in controlled areas"),
    "pool_size_precaution": gettext_lazy("Pool size in precaution areas"),
}


def extra_rows(rules: dict) -> list[tuple[str, str]]:
    rows = []
    for key, value in sorted((rules.get("extra") or {}).items()):
        if isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        rows.append((str(EXTRA_LABELS.get(key, key)), value))
    return rows


@dataclass
class StageRow:
    number: int
    status: str
    days: int
    first_day: int
    last_day: int
    test_days: list[int]
    test_days_overall: list[int]


@dataclass
class PlanRow:
    category: str
    label: str
    stages: list[StageRow]
    total_days: int
    first_contact_hours: int | None
    transfer_hours: int | None
    release_rule: str
    note: str

    @property
    def covered(self) -> bool:
        return bool(self.stages)


def plan_rows(rules: dict) -> list[PlanRow]:
    """One row per category, in the engine's order; a category the rules do not cover has no stages."""
    rows = []
    for category in CATEGORIES:
        plan = (rules.get("plans") or {}).get(category)
        stages, first = [], 1
        for number, stage in enumerate((plan or {}).get("stages") or [], start=1):
            days = stage.get("days") or 0
            tests = list(stage.get("test_days") or [])
            stages.append(StageRow(number, str(STAGE_STATUS_LABELS.get(stage.get("status", ""), stage.get("status"))),
                                   days, first, first + days - 1, tests, [first + d - 1 for d in tests]))
            first += days
        plan = plan or {}
        rows.append(PlanRow(
            category=category, label=str(Category(category).label), stages=stages, total_days=first - 1,
            first_contact_hours=plan.get("first_contact_hours"), transfer_hours=plan.get("transfer_hours"),
            release_rule=str(RELEASE_RULE_LABELS.get(plan["release_rule"], "")) if plan.get("release_rule") else "",
            note=plan.get("note") or ""))
    return rows


def general_rows(rules: dict) -> list[tuple[str, str]]:
    names = ("lookback_days", "fever_threshold", "release_ct", "report_hours", "lockdown_hours", "negative_test_hours",
             "pool_recheck_hours", "round_result_hours", "trace_first_contact_hours", "trace_core_hours",
             "trace_report_hours", "serial_interval_mean", "serial_interval_sd", "driver_test_hours",
             "fever_clinic_result_hours", "terminal_disinfection_hours", "pool_size", "pool_sizes", "levels")
    rows = []
    for name in names:
        value = rules.get(name)
        if name == "levels":
            value = " / ".join(str(LEVEL_LABELS.get(v, v)) for v in value or ())
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        rows.append((str(FIELD_LABELS[name]), value))
    return rows


def lifting_rows(rules: dict) -> list[dict]:
    return [{"from": LEVEL_LABELS.get(r["from_level"], r["from_level"]),
             "to": LEVEL_LABELS.get(r["to_level"], r["to_level"]),
             "days": r["days_without_infection"], "round": r["negative_round_required"]}
            for r in rules.get("risk_lifting") or ()]


_PATH = re.compile(r"^plans\.(?P<category>\w+)(?:\.stages(?:\[(?P<stage>\d+)\])?)?(?:\.(?P<field>\w+))?")
_LIFTING = re.compile(r"^risk_lifting(?:\[(?P<index>\d+)\])?(?:\.(?P<field>\w+))?")


def path_label(path: str) -> str:
    """"plans.close_contact.stages[0].days" → "Close contact · stage 1 · Days"."""
    match = _PATH.match(path)
    if match:
        parts = [str(Category(match["category"]).label) if match["category"] in Category.values else match["category"]]
        if match["stage"] is not None:
            parts.append(_("stage %(number)d") % {"number": int(match["stage"]) + 1})
        if match["field"]:
            parts.append(str(FIELD_LABELS.get(match["field"], match["field"])))
        return " · ".join(parts)
    match = _LIFTING.match(path)
    if match:
        parts = [_("Risk level lifting")]
        if match["index"] is not None:
            parts.append(_("rule %(number)d") % {"number": int(match["index"]) + 1})
        if match["field"]:
            parts.append(str(FIELD_LABELS.get(match["field"], match["field"])))
        return " · ".join(parts)
    head, _dot, rest = path.partition(".")
    if head == "extra" and rest:
        return str(EXTRA_LABELS.get(rest, rest))
    label = str(FIELD_LABELS.get(head, head))
    return f"{label} · {rest}" if rest else label


def _show(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if value in STAGE_STATUS_LABELS and isinstance(value, str) and value:
        return str(STAGE_STATUS_LABELS[value])
    return str(value) if value != "" else "—"


def version_changes(old: dict | None, new: dict) -> list[tuple[str, str, str]]:
    """(label, before, after) for every value that differs between two versions' rules."""
    if old is None:
        return []
    return [(path_label(path), _show(before), _show(after)) for path, before, after in rules_diff(old, new)]
