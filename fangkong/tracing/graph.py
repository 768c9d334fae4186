"""The transmission graph as ECharts wants it: nodes (cases and, when asked, their contacts), edges (case → contact,
infector → infectee) and a summary of each cluster.

Only cases the user may see are named. A link to a case outside the user's scope keeps the chain whole through
an anonymous node ("a case outside your jurisdiction", no number, no page). A contact who lives outside the scope
is shown with their district and status only, without a page.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.paths import is_within
from fangkong.tracing.engine.chains import cluster_growth, clusters, generations, serial_intervals
from fangkong.tracing.models import Case, Contact, Link

DEFAULT_LIMIT = 600

# Legend groups, in the legend's order: (status, label, colour).
CASE_STATUSES = (
    ("confirmed", gettext_lazy("Confirmed case"), "#c0392b"),
    ("asymptomatic", gettext_lazy("Asymptomatic infection"), "#e67e22"),
    ("severe", gettext_lazy("Severe or critical"), "#6c1010"),
    ("recovered", gettext_lazy("Recovered"), "#7f8c8d"),
    ("died", gettext_lazy("Died"), "#2c3e50"),
    ("outside", gettext_lazy("Case outside your jurisdiction"), "#bdc3c7"),
)
CONTACT_STATUSES = (
    ("controlled", gettext_lazy("Contact under control"), "#2980b9"),
    ("assist", gettext_lazy("Contact: assist request"), "#8e44ad"),
    ("released", gettext_lazy("Contact released"), "#27ae60"),
    ("became_case", gettext_lazy("Contact became a case"), "#d35400"),
)
_CONTACT_GROUP = {
    Contact.Status.CONTROLLED: "controlled",
    Contact.Status.ASSIST: "assist",
    Contact.Status.RELEASED: "released",
    Contact.Status.NOT_REQUIRED: "released",
    Contact.Status.UPGRADED: "released",
    Contact.Status.BECAME_CASE: "became_case",
}


def case_status(classification: str, clinical: str) -> str:
    if clinical in (Case.Clinical.SEVERE, Case.Clinical.CRITICAL):
        return "severe"
    if clinical in (Case.Clinical.RECOVERED, Case.Clinical.DIED):
        return clinical
    return classification


def contact_status(status: str) -> str:
    return _CONTACT_GROUP.get(status, "controlled")


@dataclass
class ClusterSummary:
    id: int  # the smallest case id of the cluster
    size: int
    first_reported: datetime.date | None
    last_reported: datetime.date | None
    growth: list[tuple[datetime.date, int]]
    max_generation: int
    generation_sizes: dict[int, int]
    serial_count: int
    serial_mean: float | None
    serial_sd: float | None
    numbers: list[str]  # the visible cases' numbers, earliest first

    def as_dict(self) -> dict:
        return {
            "id": self.id, "size": self.size,
            "first_reported": self.first_reported.isoformat() if self.first_reported else None,
            "last_reported": self.last_reported.isoformat() if self.last_reported else None,
            "growth": [[day.isoformat(), size] for day, size in self.growth],
            "max_generation": self.max_generation,
            "generation_sizes": {str(k): v for k, v in sorted(self.generation_sizes.items())},
            "serial_intervals": {"count": self.serial_count, "mean": self.serial_mean, "sd": self.serial_sd},
            "numbers": self.numbers,
        }


def _legend() -> list[dict]:
    return ([{"kind": "case", "status": s, "label": str(label), "color": color} for s, label, color in CASE_STATUSES]
            + [{"kind": "contact", "status": s, "label": str(label), "color": color}
               for s, label, color in CONTACT_STATUSES])


def _summaries(members: dict[int, list[int]], edges, cases: dict[int, dict], gens: dict[int, int]) -> list:
    out = []
    onsets = {pk: row["onset_date"] for pk, row in cases.items()}
    reported = {pk: timezone.localtime(row["reported_at"]).date() for pk, row in cases.items()}
    by_root = defaultdict(list)
    for edge in edges:
        by_root[edge[2]].append(edge[:2])
    for root, pks in members.items():
        visible = [pk for pk in pks if pk in cases]
        days = sorted(reported[pk] for pk in visible)
        intervals = serial_intervals(by_root[root], onsets)
        sizes = defaultdict(int)
        for pk in visible:
            sizes[gens.get(pk, 0)] += 1
        out.append(ClusterSummary(
            id=root, size=len(visible), first_reported=days[0] if days else None,
            last_reported=days[-1] if days else None, growth=cluster_growth(reported, visible),
            max_generation=max((gens.get(pk, 0) for pk in visible), default=0), generation_sizes=dict(sizes),
            serial_count=intervals.count,
            serial_mean=round(intervals.mean, 2) if intervals.mean is not None else None,
            serial_sd=round(intervals.sd, 2) if intervals.sd is not None else None,
            numbers=[cases[pk]["number"] for pk in sorted(visible, key=lambda pk: (reported[pk], pk))]))
    out.sort(key=lambda c: (-c.size, c.first_reported or datetime.date.max, c.id))
    return out


def graph_for(user, case: Case | None = None, include_contacts: bool = True, limit: int = DEFAULT_LIMIT) -> dict:
    """Nodes, edges, legend and clusters for the user's view of the transmission graph.

    With `case`: that case's cluster. Without: every cluster in the user's scope, largest first, as many whole
    clusters as fit in `limit` nodes (`truncated` says when some were left out)."""
    visible = {row["pk"]: row for row in Case.objects.visible_to(user).values(
        "pk", "number", "classification", "clinical_status", "onset_date", "reported_at", "unit__name")}
    links = list(Link.objects.values_list("infector_id", "infectee_id", "confidence"))
    # Links touching the user's cases; the other end may be outside the scope.
    links = [link for link in links if link[0] in visible or link[1] in visible]
    pairs = [(a, b) for a, b, _c in links]
    roots = clusters(visible.keys(), pairs)
    members: dict[int, list[int]] = defaultdict(list)
    for pk, root in roots.items():
        members[root].append(pk)
    gens = generations(roots.keys(), pairs)
    edges_by_root = [(a, b, roots[a]) for a, b in pairs]
    summaries = _summaries(members, edges_by_root, visible, gens)

    truncated = False
    if case is not None:
        chosen = [s for s in summaries if s.id == roots.get(case.pk)]
    else:
        per_case = {}
        if include_contacts:
            per_case = dict(Contact.objects.filter(case_id__in=visible.keys()).values_list("case_id")
                            .annotate(n=Count("pk")).order_by())
        chosen, room = [], max(1, limit)
        for summary in summaries:
            size = sum(1 + per_case.get(pk, 0) for pk in members[summary.id])
            if size > room and chosen:
                truncated = True
                continue
            chosen.append(summary)
            room -= size
    chosen_pks = {pk for s in chosen for pk in members[s.id]}

    nodes, edges = [], []
    for pk in sorted(chosen_pks, key=lambda pk: (roots[pk], pk)):
        row = visible.get(pk)
        if row is None:
            nodes.append({"id": f"c{pk}", "kind": "case", "status": "outside", "label": _("Outside your jurisdiction"),
                          "detail": "", "url": "", "cluster": roots[pk], "generation": gens.get(pk, 0)})
            continue
        nodes.append({
            "id": f"c{pk}", "kind": "case", "status": case_status(row["classification"], row["clinical_status"]),
            "label": row["number"], "detail": row["unit__name"],
            "url": reverse("tracing:case_detail", kwargs={"case_id": pk}), "cluster": roots[pk],
            "generation": gens.get(pk, 0),
            "reported_at": timezone.localtime(row["reported_at"]).strftime("%Y-%m-%d %H:%M"),
        })
    confidence_labels = dict(Link.Confidence.choices)
    for a, b, confidence in links:
        if a in chosen_pks and b in chosen_pks:
            edges.append({"source": f"c{a}", "target": f"c{b}", "kind": "link", "confidence": confidence,
                          "label": str(confidence_labels.get(confidence, confidence))})
    if include_contacts:
        contact_nodes, contact_edges = _contacts(user, [pk for pk in chosen_pks if pk in visible],
                                                 room=max(0, limit - len(nodes)))
        truncated = truncated or contact_nodes is None
        nodes += contact_nodes or []
        edges += contact_edges or []
    return {"nodes": nodes, "edges": edges, "legend": _legend(), "clusters": [s.as_dict() for s in chosen],
            "truncated": truncated, "case": case.pk if case is not None else None}


def _contacts(user, case_pks: list[int], *, room: int) -> tuple[list | None, list]:
    """Contact nodes of these cases; (None, []) when they would not fit in `room`."""
    from fangkong.tracing.reports import districts_of

    contacts = list(Contact.objects.filter(case_id__in=case_pks)
                    .select_related("person", "unit", "assist").order_by("case_id", "category", "pk"))
    if len(contacts) > room:
        return None, []
    scope = user.scope_path or ""
    districts = districts_of({c.unit.pk: c.unit for c in contacts if c.unit_id}.values())
    categories = dict(Contact.Category.choices)
    nodes, edges = [], []
    for contact in contacts:
        status = contact_status(contact.status)
        if contact.person_id is None:
            assist = getattr(contact, "assist", None)
            label = f"{assist.name} ({assist.region})" if assist and assist.region else (assist.name if assist
                                                                                         else "")
            url, detail = "", contact.get_status_display()
        elif is_within(contact.unit.path, scope):
            label = contact.person.name
            url = reverse("people:person", kwargs={"person_id": contact.person_id})
            detail = contact.get_status_display()
        else:
            label = _("Contact in %(district)s") % {"district": districts.get(contact.unit_id, "")}
            url, detail = "", contact.get_status_display()
        nodes.append({"id": f"p{contact.pk}", "kind": "contact", "status": status, "label": label,
                      "detail": detail, "category": contact.category, "url": url, "case": contact.case_id})
        source = f"p{contact.via_id}" if contact.via_id else f"c{contact.case_id}"
        edges.append({"source": source, "target": f"p{contact.pk}", "kind": "contact",
                      "category": contact.category, "label": str(categories[contact.category])})
    return nodes, edges


def serial_interval_pairs(user) -> dict:
    """The linked pairs among the user's cases with both onsets known, and their summary (for Rt)."""
    visible = dict(Case.objects.visible_to(user).values_list("pk", "onset_date"))
    numbers = dict(Case.objects.filter(pk__in=visible.keys()).values_list("pk", "number"))
    pairs = [(a, b) for a, b in Link.objects.values_list("infector_id", "infectee_id")
             if a in visible and b in visible]
    summary = serial_intervals(pairs, visible)
    rows = [{"infector": numbers[a], "infectee": numbers[b], "infector_onset": visible[a],
             "infectee_onset": visible[b], "days": (visible[b] - visible[a]).days}
            for a, b in pairs if visible[a] and visible[b]]
    rows.sort(key=lambda r: (r["infectee_onset"], r["infectee"]))
    return {"pairs": rows, "count": summary.count, "mean": summary.mean, "sd": summary.sd}
