"""The report as a workbook: a cover sheet, one sheet per figure section, the 14-day trend and one per list; the
header row frozen, numbers stored as numbers, dates as dates."""

import datetime
import io

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.command.reports.context import ReportContext

_HEADER_FILL = "FFE8E8E8"
_MAX_WIDTH = 60


def _sheet_name(value) -> str:
    name = str(value)
    for bad in "[]:*?/\\":
        name = name.replace(bad, " ")
    return name[:31]


def _excel_value(value):
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _width(value) -> int:
    text = "" if value is None else str(value)
    # A CJK character takes about two columns of Excel's default font.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _table(sheet, headers: list, rows: list[list], *, percent_columns=(), freeze: str = "B2") -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="FF999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    sheet.append([str(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    for row in rows:
        sheet.append([_excel_value(v) for v in row])
    widths = [_width(h) for h in headers]
    for row in sheet.iter_rows(min_row=2):
        for index, cell in enumerate(row):
            cell.border = border
            if index in percent_columns:
                cell.number_format = "0.0%"
            elif isinstance(cell.value, datetime.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
            widths[index] = max(widths[index], _width(cell.value if not isinstance(cell.value, datetime.date)
                                                       else "2026-12-01 00:00"))
    for index, width in enumerate(widths):
        sheet.column_dimensions[sheet.cell(row=1, column=index + 1).column_letter].width = min(width + 2, _MAX_WIDTH)
    sheet.freeze_panes = freeze


def report_xlsx(report: ReportContext) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    cover = workbook.active
    cover.title = _sheet_name(pgettext("daily report sheet", "Summary"))
    cover.append([report.title])
    cover["A1"].font = Font(bold=True, size=14)
    cover.append([_("Node"), report.unit.name])
    cover.append([_("Day"), report.day])
    cover.append([_("Figures as of"), timezone.localtime(report.snapshot.taken_at).replace(tzinfo=None)])
    cover.append([_("Generated"), timezone.localtime(report.generated_at).replace(tzinfo=None)])
    if report.target:
        cover.append([_("Inflection-point target"), report.target["line"]])
    if report.analysis.available:
        rt = report.analysis.rt
        cover.append([_("Trend"), report.analysis.trend_line])
        if rt and rt.get("status") == "ok" and rt.get("mean") is not None:
            cover.append([_("Latest Rt"), rt["mean"], rt.get("q025"), rt.get("q975"), rt.get("t_end")])
        doubling = report.analysis.doubling
        if doubling:
            label = _("Halving time (days)") if doubling.get("kind") == "halving" else _("Doubling time (days)")
            cover.append([label, doubling.get("days"), doubling.get("low"), doubling.get("high")])
        total = report.analysis.forecast_total
        if total:
            cover.append([_("Forecast new cases (14 days)"), total["median"], total["q025"], total["q975"]])
        peak = report.analysis.isolation_peak
        if peak:
            cover.append([_("Isolation rooms needed at the worst"), peak["rooms"], peak["low"], peak["high"],
                          peak["date"]])
        if report.analysis.assumption:
            cover.append([_("Assumption"), report.analysis.assumption])
    if report.failed:
        cover.append([_("Figures missing"), ", ".join(report.failed)])
    cover["B3"].number_format = "yyyy-mm-dd"
    cover["B4"].number_format = cover["B5"].number_format = "yyyy-mm-dd hh:mm"
    cover.column_dimensions["A"].width = 22
    cover.column_dimensions["B"].width = 24

    for table in report.tables:
        sheet = workbook.create_sheet(_sheet_name(table.section.sheet))
        columns = table.section.columns
        headers = [_("Node")] + [c.label for c in columns]
        rows = [[row.unit.name] + list(row.values) for row in table.rows]
        percent = {i + 1 for i, c in enumerate(columns) if c.percent}
        _table(sheet, headers, rows, percent_columns=percent)

    trend = workbook.create_sheet(_sheet_name(_("Trend (14 days)")))
    _table(trend, [_("Day"), _("By onset"), _("By report"), _("found under control"), _("found in the community"),
                   _("Imported cases")],
           [[d.day, d.onset, d.report, d.controlled, d.community, d.imported] for d in report.trend])

    for listed, title in ((report.overdue, _("Overdue tasks")), (report.findings, _("Unresolved findings")),
                          (report.review_items, _("Review items")),
                          (report.releases, _("Releases tomorrow")), (report.arrivals, _("Arrivals today"))):
        sheet = workbook.create_sheet(_sheet_name(title))
        _table(sheet, [label for _name, label in listed.columns],
               [[row[name] for name, _label in listed.columns] for row in listed.rows], freeze="A2")
        if listed.capped:
            sheet.append([_("The first %(shown)d of %(total)d are listed.") % {"shown": len(listed.rows),
                                                                               "total": listed.total}])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

