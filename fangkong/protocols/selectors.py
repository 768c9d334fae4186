"""Reads of rule sets (global, behind protocols.view) and measures (scoped by the person's node)."""

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from fangkong.accounts.roles import has_capability
from fangkong.protocols.engine.measures import TEST, Measures, measures_for
from fangkong.protocols.engine.rules import CATEGORIES, Rules, rules_from_dict
from fangkong.protocols.models import Measure, Reminder, RuleSet, RuleSetVersion

# Versions never change, so their parsed rules can be kept for the life of the process. The source is kept beside
# them: a key can come back with other rules when a rolled-back transaction's id is reused (SQLite reuses rowids),
# or after a restore.
_RULES_CACHE: dict[int, tuple[dict, Rules]] = {}


def version_rules(version: RuleSetVersion) -> Rules:
    cached = _RULES_CACHE.get(version.pk)
    if cached is None or cached[0] != version.rules:
        cached = _RULES_CACHE[version.pk] = (version.rules, rules_from_dict(version.rules))
    return cached[1]


def current_version(rule_set: RuleSet) -> RuleSetVersion:
    return rule_set.versions.order_by("-number").first()


def active_version() -> RuleSetVersion:
    """The one active rule set's current version; RuleSetVersion.DoesNotExist when none is active."""
    version = (RuleSetVersion.objects.filter(rule_set__is_active=True).select_related("rule_set")
               .order_by("-number").first())
    if version is None:
        raise RuleSetVersion.DoesNotExist("no active rule set")
    return version


def active_rules() -> Rules:
    return version_rules(active_version())


# A fresh install before an administrator activates a rule set: the engine's defaults, with no plans.
_DEFAULT_RULES = {"lookback_days": 4, "fever_threshold": "37.3"}


def active_rules_or_defaults() -> Rules:
    """The active rules, or the engine's defaults when none is active, for modules that only read a number or two
    (tracing's deadlines, a fever threshold); measures themselves need an active rule set."""
    try:
        return active_rules()
    except RuleSetVersion.DoesNotExist:
        return rules_from_dict(dict(_DEFAULT_RULES))


def _require_view(user) -> None:
    if not has_capability(user, "protocols.view"):
        raise Http404


def ruleset_list(*, user) -> QuerySet:
    _require_view(user)
    return RuleSet.objects.select_related("copied_from").order_by("-is_active", "-is_preset", "name")


def ruleset_get(*, user, rule_set_id: int) -> RuleSet:
    _require_view(user)
    try:
        return RuleSet.objects.select_related("copied_from").get(pk=rule_set_id)
    except RuleSet.DoesNotExist:
        raise Http404 from None


def ruleset_versions(*, rule_set: RuleSet) -> list[RuleSetVersion]:
    return list(rule_set.versions.select_related("created_by").order_by("-number"))


# --- measures ----------------------------------------------------------------------------------------------


def measures_of(*, user, person) -> QuerySet:
    """The person's measures the user may see, newest first, with the governing rule set."""
    return (Measure.objects.visible_to(user).filter(person=person).select_related("version__rule_set")
            .order_by("-started_at", "-pk"))


def measure_plan(*, measure: Measure) -> Measures:
    """What the engine planned for this measure: its stages, dates and the tasks numbered as their dedupe keys."""
    return measures_for(category=measure.category, day_one=measure.day_one, registered_at=measure.started_at,
                        rules=version_rules(measure.version), tz=timezone.get_default_timezone())


def measure_next_test(*, measure: Measure, now: datetime | None = None) -> datetime | None:
    if measure.status != Measure.Status.ACTIVE:
        return None
    now = now or timezone.now()
    return next((t.due_at for t in measure_plan(measure=measure).tasks if t.kind == TEST and t.due_at > now), None)


def work_day(due_at: datetime):
    """The local day a task's work belongs to: due at midnight means the day before."""
    return timezone.localtime(due_at - timedelta(microseconds=1)).date()




def due_tomorrow(*, user, day=None) -> QuerySet:
    """Tomorrow's reminded protocol work in the user's scope (tests and stage ends), for keyset pages by id
    (reminders are flagged in due order, so id order is close to it)."""
    day = day or timezone.localdate() + timedelta(days=1)
    return (Reminder.objects.visible_to(user).filter(work_day=day)
            .select_related("measure__person", "task__owner").order_by("pk"))


def categories() -> tuple[str, ...]:
    return CATEGORIES
