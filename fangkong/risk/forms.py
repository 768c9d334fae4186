from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.risk.models import AreaStatus, RiskLevel


def level_choices():
    """"High risk / sealed area": both names of each level, the data is the same."""
    from fangkong.risk.models import ZONE_NAMES

    return [(value, f"{label}/{ZONE_NAMES[value]}") for value, label in RiskLevel.choices]


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Name or region code"), required=False, max_length=50)
    level = forms.ChoiceField(label=_("Risk level"), required=False,
                              choices=lambda: [("", _("Any level")), *level_choices()])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("Active (declared or downgraded)")), *AreaStatus.choices, ("all", _("All"))])


class DeclareForm(forms.Form):
    TARGETS = [("node", _("A node of our jurisdiction")), ("outside", _("An outside region"))]

    target = forms.ChoiceField(label=_("Where"), choices=TARGETS, initial="node", widget=forms.RadioSelect)
    node = forms.TypedChoiceField(label=_("Node"), required=False, coerce=int, empty_value=None)
    node_code = forms.CharField(label=_("or node code"), required=False, max_length=32,
                                help_text=_("For a building or a node not in the list."))
    code = forms.CharField(label=_("Region code"), required=False, max_length=12,
                           help_text=_("GB/T 2260: 6 digits (410000 province, 411700 city, 411721 county), "
                                       "or a 9/12-digit township code."))
    address = forms.CharField(label=_("or address / name"), required=False, max_length=200,
                              help_text=_("e.g. 河南省驻马店市西平县柏城街道: resolved to its county code "
                                          "before saving."))
    level = forms.ChoiceField(label=_("Risk level"), choices=level_choices, initial=RiskLevel.HIGH)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, nodes=(), allow_outside=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", "—")] + [(n.pk, f"{'· ' * max(n.depth, 0)}{n.name}") for n in nodes]
        if not allow_outside:
            self.fields["target"].choices = self.TARGETS[:1]

    def clean(self):
        data = super().clean()
        if data.get("target") == "node":
            if not data.get("node") and not data.get("node_code"):
                self.add_error("node", _("Choose the node, or enter its code."))
        elif data.get("target") == "outside" and not data.get("code") and not data.get("address"):
            self.add_error("code", _("Enter the region code, or an address to resolve."))
        return data


class ChangeLevelForm(forms.Form):
    level = forms.ChoiceField(label=_("New level"), choices=level_choices)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or Excel file"),
                           help_text=_("Columns: region code, name, level, date "
                                       "(or 地区编码, 名称, 风险等级, 公布日期). "
                                       "Level: 高/中/低, 高风险/中风险/低风险 or 封控区/管控区/防范区."))
