"""The COVID-19 protocol presets of DOMAIN.md, as data (data/presets.json), loaded by migration 0002."""

import json
from pathlib import Path

from fangkong.protocols.engine.rules import rules_from_dict, rules_to_dict

PRESETS_FILE = Path(__file__).parent / "data" / "presets.json"


def load_presets() -> tuple[str, list[dict]]:
    """(key of the preset active on a fresh install, presets with their rules checked and normalised)."""
    data = json.loads(PRESETS_FILE.read_text(encoding="utf-8"))
    presets = [{**preset, "rules": rules_to_dict(rules_from_dict(preset["rules"]))} for preset in data["presets"]]
    return data["active"], presets


def install_presets(RuleSet, RuleSetVersion) -> int:  # noqa: N803 (historical models from a migration)
    """Create the presets that are missing; an existing preset keeps its versions. Returns how many were made."""
    active, presets = load_presets()
    made = 0
    any_active = RuleSet.objects.filter(is_active=True).exists()
    for preset in presets:
        if RuleSet.objects.filter(preset_key=preset["key"]).exists():
            continue
        rule_set = RuleSet.objects.create(
            name=preset["name"], description=preset["description"], preset_key=preset["key"], is_preset=True,
            is_active=not any_active and preset["key"] == active,
        )
        RuleSetVersion.objects.create(rule_set=rule_set, number=1, rules=preset["rules"],
                                      note="预置方案（数字来源见说明）")
        made += 1
    return made
