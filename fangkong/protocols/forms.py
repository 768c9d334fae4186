import json
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.protocols.engine.rules import CATEGORIES, LEVELS, POOL_SIZES, RELEASE_RULES
from fangkong.protocols.models import Category
from fangkong.protocols.presenters import LEVEL_LABELS, RELEASE_RULE_LABELS, STAGE_STATUS_LABELS

_NUMBER = {"class": "num", "inputmode": "numeric"}


class CopyForm(forms.Form):
    name = forms.CharField(label=_("Name of the copy"), max_length=100)


class JsonRulesForm(forms.Form):
    rules = forms.CharField(label=_("Rules (JSON)"), widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}))
    note = forms.CharField(label=_("What changed and why"), max_length=300, required=False)

    def clean_rules(self):
        text = self.cleaned_data["rules"]
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("Not valid JSON: line %(line)d, column %(column)d: %(message)s"),
                                        params={"line": exc.lineno, "column": exc.colno, "message": exc.msg}) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(_("The rules must be a JSON object."))
        return data


def _test_days(text: str) -> list[int]:
    parts = [p for p in re.split(r"[\s,，、;；]+", text or "") if p]
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise forms.ValidationError(_("Write day numbers separated by commas, e.g. 1, 2, 3, 5, 7.")) from None


class RulesForm(forms.Form):
    """The numbers of a rule set, one field per number; each category has its stages plus one empty row to add one.

    Field names follow the engine's paths ("close_contact-0-days" for plans.close_contact.stages[0].days), so a
    rule the engine refuses is shown at the field it names.
    """

    description = forms.CharField(label=_("Description and sources"), widget=forms.Textarea(attrs={"rows": 4}),
                                  required=False)
    note = forms.CharField(label=_("What changed and why"), max_length=300, required=False)
    lookback_days = forms.IntegerField(label=_("Close-contact look-back (days)"), widget=forms.NumberInput(_NUMBER))
    fever_threshold = forms.DecimalField(label=_("Fever threshold (°C)"), decimal_places=1, max_digits=3)
    release_ct = forms.DecimalField(label=_("Release Ct threshold"), decimal_places=1, max_digits=3)
    report_hours = forms.IntegerField(label=_("Report an infection within (hours)"))
    lockdown_hours = forms.IntegerField(label=_("Lock down risk places within (hours)"))
    negative_test_hours = forms.IntegerField(label=_("Negative test valid at checkpoints (hours)"))
    pool_recheck_hours = forms.IntegerField(label=_("Re-check a positive pool's members within (hours)"))
    round_result_hours = forms.IntegerField(label=_("A round's tube has its result within (hours)"))
    trace_first_contact_hours = forms.IntegerField(label=_("Tracer reaches a new case within (hours)"))
    trace_core_hours = forms.IntegerField(label=_("Core tracing information within (hours)"))
    trace_report_hours = forms.IntegerField(label=_("Full tracing report within (hours)"))
    serial_interval_mean = forms.DecimalField(label=_("Serial interval, mean (days)"), decimal_places=1,
                                              max_digits=3)
    serial_interval_sd = forms.DecimalField(label=_("Serial interval, standard deviation (days)"),
                                            decimal_places=1, max_digits=3)
    pool_size = forms.TypedChoiceField(label=_("Default pool size"), coerce=int,
                                       choices=[(n, str(n)) for n in POOL_SIZES])
    pool_sizes = forms.TypedMultipleChoiceField(label=_("Allowed pool sizes"), coerce=int,
                                                choices=[(n, str(n)) for n in POOL_SIZES],
                                                widget=forms.CheckboxSelectMultiple)
    levels = forms.MultipleChoiceField(label=_("Risk levels"), choices=[(lv, LEVEL_LABELS[lv]) for lv in LEVELS],
                                       widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, rules: dict, description: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.rules = rules
        self.extra = rules.get("extra") or {}
        for name in ("lookback_days", "fever_threshold", "release_ct", "report_hours", "lockdown_hours",
                     "negative_test_hours", "pool_recheck_hours", "round_result_hours", "trace_first_contact_hours",
                     "trace_core_hours", "trace_report_hours", "serial_interval_mean", "serial_interval_sd",
                     "pool_size", "pool_sizes", "levels"):
            self.fields[name].initial = rules.get(name)
        self.fields["description"].initial = description
        status_choices = [(code, label) for code, label in STAGE_STATUS_LABELS.items()]
        level_choices = [("", "—")] + [(lv, LEVEL_LABELS[lv]) for lv in (*LEVELS, "lifted")]
        self.categories = []
        plans = rules.get("plans") or {}
        for category in CATEGORIES:
            plan = plans.get(category) or {}
            stages = plan.get("stages") or []
            prefix = category
            self.fields[f"{prefix}-first_contact_hours"] = forms.IntegerField(
                label=_("First contact within (hours)"), required=False, initial=plan.get("first_contact_hours", 2))
            self.fields[f"{prefix}-transfer_hours"] = forms.IntegerField(
                label=_("Transfer within (hours)"), required=False, initial=plan.get("transfer_hours"))
            self.fields[f"{prefix}-release_rule"] = forms.ChoiceField(
                label=_("Release rule"), required=False, initial=plan.get("release_rule", ""),
                choices=[(code, RELEASE_RULE_LABELS[code]) for code in RELEASE_RULES])
            self.fields[f"{prefix}-note"] = forms.CharField(label=_("Note"), required=False, max_length=500,
                                                            initial=plan.get("note", ""))
            slots = []
            for index in range(len(stages) + 1):
                stage = stages[index] if index < len(stages) else {}
                self.fields[f"{prefix}-{index}-status"] = forms.ChoiceField(
                    label=_("Status"), required=False, choices=status_choices, initial=stage.get("status", ""))
                self.fields[f"{prefix}-{index}-days"] = forms.IntegerField(
                    label=_("Days"), required=False, initial=stage.get("days"))
                self.fields[f"{prefix}-{index}-test_days"] = forms.CharField(
                    label=_("Test days"), required=False, max_length=100,
                    initial=", ".join(str(d) for d in stage.get("test_days") or []))
                slots.append(index)
            self.categories.append({"code": category, "label": Category(category).label, "slots": slots,
                                    "covered": bool(stages)})
        lifting = rules.get("risk_lifting") or []
        self.lifting_slots = list(range(len(lifting) + 1))
        for index in self.lifting_slots:
            rule = lifting[index] if index < len(lifting) else {}
            self.fields[f"lifting-{index}-from_level"] = forms.ChoiceField(
                label=_("From"), required=False, choices=level_choices, initial=rule.get("from_level", ""))
            self.fields[f"lifting-{index}-to_level"] = forms.ChoiceField(
                label=_("To"), required=False, choices=level_choices, initial=rule.get("to_level", ""))
            self.fields[f"lifting-{index}-days"] = forms.IntegerField(
                label=_("Days without a new infection"), required=False, initial=rule.get("days_without_infection"))
            self.fields[f"lifting-{index}-round"] = forms.BooleanField(
                label=_("Negative round required"), required=False, initial=rule.get("negative_round_required"))

    def general_fields(self):
        return [self[name] for name in ("lookback_days", "fever_threshold", "release_ct", "report_hours",
                                        "lockdown_hours", "negative_test_hours", "pool_recheck_hours",
                                        "round_result_hours", "trace_first_contact_hours", "trace_core_hours",
                                        "trace_report_hours", "serial_interval_mean", "serial_interval_sd",
                                        "pool_size")]

    def field_rows(self):
        """The bound fields grouped for the template: per category its hours and its stage rows."""
        groups = []
        for category in self.categories:
            code = category["code"]
            groups.append({
                **category,
                "first_contact_hours": self[f"{code}-first_contact_hours"],
                "transfer_hours": self[f"{code}-transfer_hours"],
                "release_rule": self[f"{code}-release_rule"],
                "note": self[f"{code}-note"],
                "stages": [(i + 1, self[f"{code}-{i}-status"], self[f"{code}-{i}-days"], self[f"{code}-{i}-test_days"])
                           for i in category["slots"]],
            })
        return groups

    def lifting_rows(self):
        return [(self[f"lifting-{i}-from_level"], self[f"lifting-{i}-to_level"], self[f"lifting-{i}-days"],
                 self[f"lifting-{i}-round"]) for i in self.lifting_slots]

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if name.endswith("-test_days"):
                try:
                    data[name] = _test_days(value)
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return data

    def rules_dict(self) -> dict:
        """The rules as the engine reads them; stage rows left empty are dropped, as are categories with none."""
        data = self.cleaned_data
        rules = {name: data.get(name) for name in ("lookback_days", "report_hours", "lockdown_hours",
                                                   "negative_test_hours", "pool_recheck_hours",
                                                   "round_result_hours", "trace_first_contact_hours",
                                                   "trace_core_hours", "trace_report_hours", "pool_size")}
        rules["fever_threshold"] = str(data["fever_threshold"]) if data.get("fever_threshold") is not None else None
        rules["release_ct"] = str(data["release_ct"]) if data.get("release_ct") is not None else None
        for name in ("serial_interval_mean", "serial_interval_sd"):
            rules[name] = str(data[name]) if data.get(name) is not None else None
        rules["pool_sizes"] = list(data.get("pool_sizes") or [])
        rules["levels"] = list(data.get("levels") or [])
        plans = {}
        for category in self.categories:
            code = category["code"]
            stages = []
            for index in category["slots"]:
                days, tests = data.get(f"{code}-{index}-days"), data.get(f"{code}-{index}-test_days") or []
                if days is None and not tests:
                    continue
                stages.append({"status": data.get(f"{code}-{index}-status") or "", "days": days, "test_days": tests})
            if stages:
                plans[code] = {"stages": stages, "first_contact_hours": data.get(f"{code}-first_contact_hours"),
                               "transfer_hours": data.get(f"{code}-transfer_hours"),
                               "release_rule": data.get(f"{code}-release_rule") or "",
                               "note": data.get(f"{code}-note") or ""}
        rules["plans"] = plans
        lifting = []
        for index in self.lifting_slots:
            from_level = data.get(f"lifting-{index}-from_level")
            days = data.get(f"lifting-{index}-days")
            if not from_level and days is None:
                continue
            lifting.append({"from_level": from_level, "to_level": data.get(f"lifting-{index}-to_level"),
                            "days_without_infection": days,
                            "negative_round_required": bool(data.get(f"lifting-{index}-round"))})
        rules["risk_lifting"] = lifting
        rules["extra"] = self.extra
        return rules


_STAGE_PATH = re.compile(r"^plans\.(\w+)\.stages(?:\[(\d+)\])?(?:\.(\w+))?")
_PLAN_PATH = re.compile(r"^plans\.(\w+)\.(\w+)$")
_LIFTING_PATH = re.compile(r"^risk_lifting\[(\d+)\](?:\.(\w+))?")
_LIFTING_FIELDS = {"from_level": "from_level", "to_level": "to_level", "days_without_infection": "days",
                   "negative_round_required": "round"}


def form_field_for(path: str, form: RulesForm) -> str | None:
    """The RulesForm field showing the engine's `path`, or None (then the error goes at the top)."""
    name = None
    if match := _STAGE_PATH.match(path):
        category, index, field = match.groups()
        field = field if field in ("status", "days", "test_days") else "days"
        name = f"{category}-{index or 0}-{field}"
    elif match := _PLAN_PATH.match(path):
        name = f"{match[1]}-{match[2]}"
    elif match := _LIFTING_PATH.match(path):
        name = f"lifting-{match[1]}-{_LIFTING_FIELDS.get(match[2] or '', 'from_level')}"
    else:
        name = path
    return name if name in form.fields else None
