"""The nightly review pack's supervision source: the findings recorded today under the node, serious ones first.
Contract: fangkong.command.review.collect (reads every row under the node; the caller has checked the actor)."""

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.command.models import ReviewItem
from fangkong.command.review.collect import MAX_PER_KIND, Problem
from fangkong.core.days import day_bounds
from fangkong.core.paths import subtree_q
from fangkong.supervision.models import Finding, Severity

_SEVERITY_ORDER = Case(When(severity=Severity.SERIOUS, then=Value(0)), When(severity=Severity.ORDINARY, then=Value(1)),
                       default=Value(2), output_field=IntegerField())


def new_findings(*, node, day, now) -> list[Problem]:
    start, end = day_bounds(day)
    found = (Finding.objects.filter(subtree_q("unit__path", node.path), found_at__gte=start, found_at__lt=end)
             .select_related("site", "assignment").order_by(_SEVERITY_ORDER, "found_at", "pk"))
    total = found.count()
    problems = []
    for finding in found[:MAX_PER_KIND]:
        assignment = getattr(finding, "assignment", None)
        title = _("%(site)s: %(problem)s (%(severity)s)") % {
            "site": finding.site.name, "problem": finding.problem, "severity": finding.get_severity_display()}
        if finding.repeat_of_id:
            title += " · " + _("found again within 30 days")
        if assignment is not None:
            fix = _("Written assignment %(number)s: rectify by %(due)s and report.") % {
                "number": assignment.number, "due": timezone.localtime(assignment.due_at).strftime("%Y-%m-%d %H:%M")}
        else:
            fix = _("Issue the written assignment to the responsible unit.")
        problems.append(Problem(kind=ReviewItem.Kind.FINDING, source_key=f"finding:{finding.pk}",
                                unit_id=finding.unit_id, title=title[:300],
                                owner_id=assignment.owner_id if assignment is not None else None, fix=fix))
    if total > MAX_PER_KIND:
        problems.append(Problem(
            kind=ReviewItem.Kind.FINDING, source_key=f"finding:more:{node.pk}", unit_id=node.pk,
            title=_("…and %(count)d more findings today, not listed one by one.") % {"count": total - MAX_PER_KIND},
            fix=_("Go through the rest in the supervision module's list.")))
    return problems
