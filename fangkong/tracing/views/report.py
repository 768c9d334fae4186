"""The case report (流调报告): the case, its timeline, contacts by category, links and timeliness, as a page and as
a PDF (WeasyPrint, Noto CJK from the system's fonts). ID numbers and phones are masked in both."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from fangkong.accounts.scope import require_capability_or_404
from fangkong.tracing import selectors
from fangkong.tracing.reports import report_context


@login_required
def case_report(request, case_id: int):
    require_capability_or_404(request.user, "tracing.view")
    case = selectors.case_get(user=request.user, case_id=case_id)
    return render(request, "tracing/report.html", report_context(case, request.user))


def _no_fetch(url, *args, **kwargs):
    # The PDF template carries its own styles and the system's fonts: nothing is fetched, from anywhere.
    raise ValueError(f"not fetched: {url[:80]}")


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


@login_required
def case_report_pdf(request, case_id: int):
    require_capability_or_404(request.user, "tracing.view")
    case = selectors.case_get(user=request.user, case_id=case_id)
    html = render_to_string("tracing/report_pdf.html", report_context(case, request.user), request=request)
    pdf = render_pdf(html)
    response = HttpResponse(pdf, content_type="application/pdf")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'inline; filename="report-{case.number}-{stamp}.pdf"'
    return response
