"""The press figures (新闻发布会): what a spokesperson reads for one day 0–24h, in the standard wording, from the
dashboard snapshot as the user may see it. A figure the user's role may not see, or one whose module failed in the
snapshot, is left out of the text; it is never read out as 0.

The day's new cases come from the series by report day; the split by classification needs the series
"report_confirmed"/"report_asymptomatic" and is said only when the snapshot has them.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.command.figures import GROUP_CAPABILITY, collector_of
from fangkong.command.reports.context import series_after, series_on
from fangkong.command.selectors import NodeView, dashboard
from fangkong.territory.models import Unit


@dataclass
class PressFigures:
    unit: Unit
    day: datetime.date
    snapshot_taken_at: datetime.datetime | None
    text: str = ""
    rows: list[tuple[str, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _month_day(day: datetime.date) -> str:
    return formats.date_format(day, "MONTH_DAY_FORMAT")


def _sees(board, group: str) -> bool:
    failed = set((board.snapshot.errors or {}) if board.snapshot else {})
    return GROUP_CAPABILITY.get(group, "") in board.caps and collector_of(group) not in failed


def _cases_sentences(node: NodeView, unit: Unit, day: datetime.date, rows: list) -> list[str]:
    day_text = _month_day(day)
    new = series_on(node, "report", day)
    controlled = series_on(node, "controlled", day)
    # The collector writes a classification's series once the node has such a case: either one means both are kept.
    split = "report_confirmed" in node.series or "report_asymptomatic" in node.series
    end = pgettext("press text", ".")
    rows.append((_("New infections"), new))
    if new == 0:
        first = _("%(day)s 0–24h: %(node)s reported no new infection") % {"day": day_text, "node": unit.name} + end
    else:
        if split:
            confirmed, asymptomatic = (series_on(node, "report_confirmed", day),
                                       series_on(node, "report_asymptomatic", day))
            rows += [(_("of which confirmed cases"), confirmed), (_("of which asymptomatic infections"), asymptomatic)]
            first = _("%(day)s 0–24h: %(node)s reported %(confirmed)d new confirmed cases and %(asymptomatic)d "
                      "asymptomatic infections") % {"day": day_text, "node": unit.name, "confirmed": confirmed,
                                                    "asymptomatic": asymptomatic}
        else:
            first = _("%(day)s 0–24h: %(node)s reported %(n)d new infections") % {
                "day": day_text, "node": unit.name, "n": new}
        community = max(new - controlled, 0)
        rows += [(_("found among people under control"), controlled), (_("found in community screening"), community)]
        first += _("; %(controlled)d of them were found among people under control and %(community)d in community "
                   "screening") % {"controlled": controlled, "community": community} + end
    if split:
        confirmed = max(int(node.figures.get("cases.confirmed", 0)) - series_after(node, "report_confirmed", day), 0)
        asymptomatic = max(int(node.figures.get("cases.asymptomatic", 0))
                           - series_after(node, "report_asymptomatic", day), 0)
        rows += [(_("Confirmed cases reported in total"), confirmed),
                 (_("Asymptomatic infections reported in total"), asymptomatic)]
        second = _("As of 24:00 on %(day)s, %(confirmed)d confirmed cases and %(asymptomatic)d asymptomatic "
                   "infections had been reported in total") % {"day": day_text, "confirmed": confirmed,
                                                                "asymptomatic": asymptomatic} + end
    else:
        total = max(int(node.figures.get("cases.total", 0)) - series_after(node, "report", day), 0)
        rows.append((_("Infections reported in total"), total))
        second = _("As of 24:00 on %(day)s, %(n)d infections had been reported in total") % {
            "day": day_text, "n": total} + end
    return [first, second]


def _current_sentences(board, node: NodeView, rows: list) -> list[str]:
    """Figures of the moment the snapshot was taken (people under management, close contacts)."""
    taken = timezone.localtime(board.snapshot.taken_at)
    when = _("%(hour)d:00 on %(day)s") % {"hour": taken.hour, "day": _month_day(taken.date())}
    sentences, end = [], pgettext("press text", ".")
    if _sees(board, "people"):
        parts = []
        for key, label, clause in (
                ("people.status.central_isolation", _("People in centralised isolation"),
                 _("%(n)d people in centralised isolation")),
                ("people.status.home_isolation", _("People in home isolation"), _("%(n)d in home isolation")),
                ("people.status.home_monitoring", _("People under home health monitoring"),
                 _("%(n)d under home health monitoring"))):
            n = int(node.figures.get(key, 0))
            rows.append((label, n))
            parts.append(clause % {"n": n})
        sentences.append(_("As of %(when)s, there were %(items)s") % {
            "when": when, "items": pgettext("press list separator", ", ").join(parts)} + end)
    if _sees(board, "contacts"):
        n = int(node.figures.get("contacts.close", 0))
        rows.append((_("Close contacts traced in total"), n))
        sentences.append(_("In total %(n)d close contacts have been traced") % {"n": n} + end)
    return sentences


def press_figures(*, user, unit: Unit, day: datetime.date) -> PressFigures:
    """The press figures of `unit` (visible to the user: the view got it with get_visible_or_404) for `day`."""
    board = dashboard(user=user, unit=unit)
    result = PressFigures(unit=unit, day=day, snapshot_taken_at=board.snapshot.taken_at if board.snapshot else None)
    if board.snapshot is None or board.node is None:
        result.warnings.append(_("There are no figures yet: the dashboard snapshot has not been taken."))
        return result
    day_end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0)))
    taken = timezone.localtime(board.snapshot.taken_at)
    if board.stale:
        result.warnings.append(_("The figures are from %(time)s and may be out of date: check that the dashboard "
                                 "worker is running.") % {"time": taken.strftime("%Y-%m-%d %H:%M")})
    if board.snapshot.taken_at < day_end:
        result.warnings.append(_("The snapshot (%(time)s) was taken before the end of that day: its figures are "
                                 "not final.") % {"time": taken.strftime("%Y-%m-%d %H:%M")})
    sentences = []
    if _sees(board, "cases"):
        sentences += _cases_sentences(board.node, unit, day, result.rows)
    sentences += _current_sentences(board, board.node, result.rows)
    # Sentences ending in a full-width stop (Chinese) run on without a space; others are spaced.
    result.text = ("" if pgettext("press text", ".") == "。" else " ").join(sentences)
    if not sentences:
        result.warnings.append(_("Your role may see none of the figures a press briefing reads."))
    return result
