"""Scoped reads of vaccination: a person's doses, the imports and their reports, coverage from the dashboard
snapshot (never counted on page view)."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.scope import get_visible_or_404, may_act
from fangkong.core.paths import subtree_q
from fangkong.vaccination.models import Dose, DoseImport

BANDS = ("all", "0_17", "18_59", "60_79", "80_plus", "60_plus")
MEASURES = ("dose1", "full", "booster")
BAND_LABELS = {"all": _("All ages"), "0_17": _("Aged 0–17"), "18_59": _("Aged 18–59"), "60_79": _("Aged 60–79"),
               "80_plus": _("Aged 80 and over"), "60_plus": _("Aged 60 and over")}
MEASURE_LABELS = {"dose1": _("At least one dose"), "full": _("Full course (2 doses)"),
                  "booster": _("Booster (3rd dose)")}


def person_doses(*, user, person):
    return Dose.objects.visible_to(user, "view").filter(person=person).select_related("product")


def person_panel(*, user, person) -> dict | None:
    if not may_act(user, "vaccination", "view"):
        return None
    return {"doses": list(person_doses(user=user, person=person))}


def import_list(*, user):
    return DoseImport.objects.visible_to(user, "import").select_related("unit", "started_by", "job")


def import_get(*, user, dose_import_id: int) -> DoseImport:
    """A dose import's report, for those who import doses in its node (404 otherwise)."""
    return get_visible_or_404(DoseImport.objects.select_related("unit", "started_by", "job"), user=user,
                              action="import", pk=dose_import_id)


@dataclass
class BandFigures:
    band: str
    residents: int
    counts: dict  # measure → people

    @property
    def label(self):
        return BAND_LABELS[self.band]

    def share(self, measure: str) -> float | None:
        return self.counts.get(measure, 0) / self.residents if self.residents else None

    @property
    def cells(self) -> list[tuple[str, int, float | None]]:
        return [(m, self.counts.get(m, 0), self.share(m)) for m in MEASURES]


@dataclass
class NodeCoverage:
    unit: object
    bands: dict[str, BandFigures] = field(default_factory=dict)


def _node(unit, figures: dict) -> NodeCoverage:
    node = NodeCoverage(unit=unit)
    for band in BANDS:
        suffix = "" if band == "all" else f".{band}"
        node.bands[band] = BandFigures(band, figures.get(f"vaccination.residents{suffix}", 0),
                                       {m: figures.get(f"vaccination.{m}{suffix}", 0) for m in MEASURES})
    return node


@dataclass
class Coverage:
    snapshot: object | None
    node: NodeCoverage | None
    children: list[NodeCoverage] = field(default_factory=list)


def coverage(*, user, unit) -> Coverage:
    """`unit`'s coverage and its children's from the latest dashboard snapshot, inside the user's scope; `unit`
    itself must be visible to the user (the view gets it with territory.selectors.unit_get)."""
    from fangkong.command.models import NodeFigures
    from fangkong.command.selectors import latest_snapshot

    snapshot = latest_snapshot()
    if snapshot is None or not may_act(user, "vaccination", "view"):
        return Coverage(snapshot=snapshot, node=None)
    # Not NodeFigures.visible_to: that asks for command.view, and a grid worker sees coverage without the dashboard.
    rows = (NodeFigures.objects.filter(snapshot=snapshot).filter(subtree_q("unit__path", user.scope_path))
            .filter(Q(unit=unit) | Q(parent_id=unit.pk)).select_related("unit").defer("series", "analysis"))
    node, children = None, []
    for row in rows:
        view = _node(row.unit, row.figures)
        if row.unit_id == unit.pk:
            node = view
        else:
            children.append(view)
    children.sort(key=lambda n: (n.unit.code, n.unit.pk))
    return Coverage(snapshot=snapshot, node=node, children=children)
