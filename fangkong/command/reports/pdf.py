"""The report as an A4 PDF: WeasyPrint from the template, the system's Noto CJK fonts, nothing fetched; the
14-day curve is an inline SVG drawn here."""

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from fangkong.command.reports.context import ReportContext, TrendDay

CHART_WIDTH, CHART_HEIGHT = 520, 150
_MARGIN_LEFT, _MARGIN_BOTTOM, _MARGIN_TOP = 28, 18, 10
_CONTROLLED, _COMMUNITY = "#3b5b92", "#e39a3b"


def trend_svg(days: list[TrendDay]) -> str:
    """Bars of new cases by report day, the part found under control in dark, the community in light (the legend
    is the template's)."""
    if not days:
        return ""
    top = max(max(d.report for d in days), 1)
    plot_w = CHART_WIDTH - _MARGIN_LEFT - 4
    plot_h = CHART_HEIGHT - _MARGIN_BOTTOM - _MARGIN_TOP
    bottom = _MARGIN_TOP + plot_h
    step = plot_w / len(days)
    bar = step * 0.7
    parts = []
    for i, d in enumerate(days):
        x = _MARGIN_LEFT + i * step + (step - bar) / 2
        base = bottom
        for value, fill in ((d.controlled, _CONTROLLED), (d.community, _COMMUNITY)):
            h = plot_h * value / top
            if h:
                parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                             f'fill="{fill}"/>')
                base -= h
        centre = x + bar / 2
        if d.report:
            parts.append(f'<text x="{centre:.1f}" y="{base - 2:.1f}" font-size="8" text-anchor="middle">'
                         f'{d.report}</text>')
        parts.append(f'<text x="{centre:.1f}" y="{CHART_HEIGHT - 5}" font-size="8" text-anchor="middle">'
                     f'{d.day.month}/{d.day.day}</text>')
    m, right, label_x = _MARGIN_LEFT, CHART_WIDTH - 4, _MARGIN_LEFT - 3
    parts += [
        f'<line x1="{m}" y1="{_MARGIN_TOP}" x2="{m}" y2="{bottom}" stroke="#555" stroke-width="0.6"/>',
        f'<line x1="{m}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#555" stroke-width="0.6"/>',
        f'<text x="{label_x}" y="{_MARGIN_TOP + 8}" font-size="8" text-anchor="end">{top}</text>',
        f'<text x="{label_x}" y="{bottom}" font-size="8" text-anchor="end">0</text>',
    ]
    return mark_safe(f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" '
                     f'viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" '
                     f'aria-label="{escape(_("New cases by report day"))}">{"".join(parts)}</svg>')


def report_html(report: ReportContext) -> str:
    colours = {"controlled": _CONTROLLED, "community": _COMMUNITY}
    return render_to_string("command/report_pdf.html", {"r": report, "chart": trend_svg(report.trend),
                                                        "colours": colours})


def report_pdf(report: ReportContext) -> bytes:
    from fangkong.tracing.views.report import render_pdf

    return render_pdf(report_html(report))
