"""Needs past their deadline for the nightly review (复盘会): one problem per unmet need, urgent ones first."""

from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.command.models import ReviewItem
from fangkong.command.review.collect import MAX_PER_KIND, Problem, common_node_id
from fangkong.core.paths import subtree_q
from fangkong.supplies.models.living import OPEN_NEED_STATUSES, Need


def unmet_needs(*, node, day, now) -> list[Problem]:
    overdue = (Need.objects.filter(subtree_q("unit__path", node.path))
               .filter(status__in=OPEN_NEED_STATUSES, due_at__lt=now))
    listed = list(overdue.select_related("household__unit", "task").order_by("-urgent", "due_at", "pk")[:MAX_PER_KIND])
    problems = []
    for need in listed:
        title = _("%(household)s: %(kind)s need unmet past its deadline (due %(due)s, %(status)s)") % {
            "household": need.household, "kind": need.get_kind_display(),
            "due": timezone.localtime(need.due_at).strftime("%Y-%m-%d %H:%M"), "status": need.get_status_display()}
        fix = (_("Deliver it first thing: the grid worker confirms with the household and the supplies office sends "
                 "a delivery round.") if need.urgent
               else _("Put it in the next purchase batch and deliver it tomorrow."))
        problems.append(Problem(kind=ReviewItem.Kind.OTHER, source_key=f"living_need:{need.pk}", unit_id=need.unit_id,
                                title=title, owner_id=need.task.owner_id if need.task_id else None, fix=fix))
    if len(listed) == MAX_PER_KIND:
        rest = overdue.exclude(pk__in=[n.pk for n in listed]).aggregate(n=Count("pk"), low=Min("unit__path"),
                                                                        high=Max("unit__path"))
        if rest["n"]:
            problems.append(Problem(
                kind=ReviewItem.Kind.OTHER, source_key=f"living_need:more:{node.pk}",
                unit_id=common_node_id(rest["low"], rest["high"], node.pk),
                title=_("…and %(count)d more household needs unmet past their deadline.") % {"count": rest["n"]},
                fix=_("Go through the rest in the needs list.")))
    return problems
