"""Scoped reads of epidemiological investigation.

A tracer sees the cases of their jurisdiction. A case's contacts who live outside the viewer's scope are shown
only as assist rows (where they are, their category and control status), never with their personal data.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fangkong.accounts.scope import get_visible_or_404
from fangkong.core.paths import is_within, subtree_q
from fangkong.tracing.models import AssistRequest, Case, Contact, DetectionHit, DetectionRun, Link


def case_list(*, user, query: str = "", state: str = "") -> QuerySet:
    """Cases visible to the user, newest result first; `state` "open" (report not done), "late" (a step past its
    deadline and not done) or "" for all."""
    cases = Case.objects.visible_to(user).select_related("person", "tracer", "unit").order_by("-reported_at", "-pk")
    query = " ".join((query or "").split())
    if query:
        from fangkong.people.selectors import person_search

        people = person_search(user=user, query=query).order_by().values("pk")
        cases = cases.filter(Q(number__iexact=query) | Q(person__in=people))
    if state == "open":
        cases = cases.filter(report_done_at__isnull=True)
    elif state == "late":
        cases = cases.filter(late_q(timezone.now()))
    return cases


def late_q(now: datetime.datetime) -> Q:
    """Cases with a step past the protocol's deadline and not done (deadlines of the active rule set)."""
    from fangkong.tracing.services import active_rules

    rules = active_rules()
    hours = datetime.timedelta(hours=1)
    return (Q(first_contact_at__isnull=True, reported_at__lt=now - rules.trace_first_contact_hours * hours)
            | Q(core_done_at__isnull=True, reported_at__lt=now - rules.trace_core_hours * hours)
            | Q(report_done_at__isnull=True, reported_at__lt=now - rules.trace_report_hours * hours))


def case_get(*, user, case_id: int, action: str = "view") -> Case:
    return get_visible_or_404(Case.objects.select_related("person__unit", "person__household", "unit", "tracer"),
                              user=user, action=action, pk=case_id)


def case_by_person(*, person) -> Case | None:
    return Case.objects.filter(person=person).first()


@dataclass
class ContactRow:
    contact: Contact
    # False: the contact lives outside the viewer's scope; show only where they are and their status.
    visible: bool
    place: str  # the contact's node (or region, for an assist request)


def case_contacts(*, user, case: Case) -> list[ContactRow]:
    contacts = (Contact.objects.filter(case=case).select_related("person__unit", "unit", "via__person", "assist",
                                                                 "measure")
                .order_by("category", "-exposure_at", "pk"))
    scope = user.scope_path or ""
    rows = []
    for contact in contacts:
        if contact.person_id is None:
            assist = getattr(contact, "assist", None)
            rows.append(ContactRow(contact, True, assist.region if assist else ""))
            continue
        visible = is_within(contact.unit.path, scope)
        rows.append(ContactRow(contact, visible, contact.unit.name))
    return rows


def contact_counts(*, case: Case) -> dict[str, int]:
    counts = dict(Contact.objects.filter(case=case).values_list("category").annotate(n=Count("pk")))
    return {category: counts.get(category, 0) for category in Contact.Category.values}


def close_contacts_of(*, case: Case) -> QuerySet:
    """The case's close contacts, through whom a secondary contact may be added."""
    return (Contact.objects.filter(case=case, category=Contact.Category.CLOSE)
            .select_related("person", "assist").order_by("pk"))


def case_links(*, case: Case) -> dict[str, list[Link]]:
    return {
        "sources": list(Link.objects.filter(infectee=case).select_related("infector__person")),
        "infected": list(Link.objects.filter(infector=case).select_related("infectee__person")),
    }


def detection_runs(*, case: Case) -> list[DetectionRun]:
    return list(case.detection_runs.select_related("job").annotate(
        hits_count=Count("hits"), proposed_count=Count("hits", filter=Q(hits__status=DetectionHit.Status.PROPOSED)))
        .order_by("-created_at")[:10])


def run_get(*, user, run_id: int, action: str = "view") -> DetectionRun:
    return get_visible_or_404(DetectionRun.objects.select_related("case__unit", "case__person"), user=user,
                              action=action, pk=run_id)


def run_hits(*, run: DetectionRun, limit: int = 500) -> list[DetectionHit]:
    return list(run.hits.select_related("person__unit", "contact")[:limit])


def assist_requests(*, user, status: str = "") -> QuerySet:
    requests = (AssistRequest.objects.visible_to(user).select_related("contact__case", "contact__case__unit")
                .order_by("status", "-created_at", "pk"))
    if status:
        requests = requests.filter(status=status)
    return requests


# --- for other apps --------------------------------------------------------------------------------------------------


def person_panel(*, user, person) -> dict | None:
    """The person's page: their case, and the cases they are a contact of (those the viewer may see)."""
    from fangkong.accounts.roles import has_capability

    if not has_capability(user, "tracing.view"):
        return None
    case = Case.objects.visible_to(user).filter(person=person).first()
    contacts = list(Contact.objects.filter(person=person).select_related("case").order_by("-created_at")[:10])
    visible_cases = set(Case.objects.visible_to(user).filter(pk__in=[c.case_id for c in contacts])
                        .values_list("pk", flat=True))
    if case is None and not contacts:
        return None
    return {"case": case, "contacts": [(c, c.case_id in visible_cases) for c in contacts]}


def risk_criteria(area, now):
    """For risk's downgrade proposals: the last infection (first positive sampling) under the area's node."""
    unit = getattr(area, "unit", None)
    if unit is None:
        return None
    last = (Case.objects.filter(subtree_q("unit__path", unit.path)).order_by("-first_positive_at")
            .values_list("first_positive_at", flat=True).first())
    return {"last_infection_at": last}


def overview_alerts(*, user, root):
    """Cases whose tracing is past a protocol deadline, under the overview's node."""
    from django.urls import reverse
    from django.utils.translation import ngettext

    from fangkong.core.alerts import Alert

    late = Case.objects.visible_to(user).filter(subtree_q("unit__path", root.path)).filter(
        late_q(timezone.now())).count()
    if not late:
        return []
    text = ngettext("%(count)d case's tracing is past its deadline.",
                    "%(count)d cases' tracing is past its deadline.", late)
    return [Alert("tracing.late", text % {"count": late}, reverse("tracing:index") + "?state=late", late)]


def tracers_for(*, unit) -> list:
    """Active tracers whose jurisdiction covers `unit` (who may be given a case there)."""
    from fangkong.accounts.models import User
    from fangkong.core.paths import path_ids

    return list(User.objects.filter(role="tracer", is_active=True, scope_id__in=path_ids(unit.path))
                .order_by("username"))


def recent_rates(*, path: str, days: int = 7, now=None) -> tuple[float, float]:
    """(new cases per day over the last `days`, close and secondary contacts on file per case over the last 14
    days) under the node `path`: what the isolation forecast expects to come."""
    now = now or timezone.now()
    in_node = subtree_q("unit__path", path)
    cases = Case.objects.filter(in_node, reported_at__gte=now - datetime.timedelta(days=days)).count()
    recent = Case.objects.filter(in_node, reported_at__gte=now - datetime.timedelta(days=14))
    contacts = Contact.objects.filter(case__in=recent, person__isnull=False,
                                      category__in=(Contact.Category.CLOSE, Contact.Category.SECONDARY)).count()
    n = recent.count()
    return cases / days, (contacts / n if n else 0.0)


def city_serial_intervals():
    """The serial intervals of every linked pair on file with both onsets known (the command centre's Rt uses
    them for the whole city: the interval is the pathogen's, not a district's)."""
    from fangkong.tracing.engine.chains import serial_intervals

    onsets = dict(Case.objects.filter(onset_date__isnull=False).values_list("pk", "onset_date"))
    pairs = [(a, b) for a, b in Link.objects.values_list("infector_id", "infectee_id") if a in onsets and b in onsets]
    return serial_intervals(pairs, onsets)
