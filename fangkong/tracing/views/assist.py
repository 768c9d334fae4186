"""Assist requests (协查): contacts outside the jurisdiction, sent to the city where they are. The list shows them
masked; the export for the receiving city carries full ID numbers and phones, needs tracing.export and a reason,
and is recorded in the access log."""

import csv
import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import get_visible_or_404, require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.tracing import selectors, services
from fangkong.tracing.models import AssistRequest

EXPORT_STATUSES = (AssistRequest.Status.PENDING, AssistRequest.Status.SENT)
EXPORT_COLUMNS = ("name", "id_type", "id_number", "phone", "region", "region_code", "address", "category",
                  "exposure_at", "reason", "case", "investigated_by", "status", "requested_at")
EXPORT_HEADERS = {
    "name": gettext_lazy("Name"), "id_type": gettext_lazy("ID type"), "id_number": gettext_lazy("ID number"),
    "phone": gettext_lazy("Phone"), "region": gettext_lazy("Where they are"), "region_code": gettext_lazy("Area code"),
    "address": gettext_lazy("Address"), "category": gettext_lazy("Category"),
    "exposure_at": gettext_lazy("Last exposure"), "reason": gettext_lazy("Reason"), "case": gettext_lazy("Case"),
    "investigated_by": gettext_lazy("Investigated by"), "status": gettext_lazy("Status"),
    "requested_at": gettext_lazy("Requested at"),
}


class ExportForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, min_length=2,
                             help_text=gettext_lazy("Recorded in the access log with your name and the time."))
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=(("xlsx", "Excel (.xlsx)"), ("csv", "CSV")),
                               initial="xlsx")


class UpdateForm(forms.Form):
    status = forms.ChoiceField(choices=((AssistRequest.Status.SENT, AssistRequest.Status.SENT.label),
                                        (AssistRequest.Status.ANSWERED, AssistRequest.Status.ANSWERED.label)))
    answer = forms.CharField(label=gettext_lazy("Answer"), max_length=300, required=False)


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _status_filter(value: str) -> str:
    return value if value in AssistRequest.Status.values else ""


LIST_SHOWN = 500


def _list_page(request, *, status: str, export_form, code: int = 200):
    requests = list(selectors.assist_requests(user=request.user, status=status)[:LIST_SHOWN])
    for item in requests:
        item.id_masked = mask_id_number(item.id_number)
        item.phone_masked = mask_phone(item.phone)
    return render(request, "tracing/assist_list.html", {
        "requests": requests, "status": status, "statuses": AssistRequest.Status.choices,
        "capped": len(requests) >= LIST_SHOWN,
        "can_export": has_capability(request.user, "tracing.export"),
        "can_change": has_capability(request.user, "tracing.change"),
        "export_form": export_form, "status_sent": AssistRequest.Status.SENT,
        "status_answered": AssistRequest.Status.ANSWERED, "status_pending": AssistRequest.Status.PENDING,
    }, status=code)


@login_required
def assist_list(request):
    require_capability_or_404(request.user, "tracing.view")
    return _list_page(request, status=_status_filter(request.GET.get("status", "")), export_form=ExportForm())


def _export_rows(user) -> list[dict]:
    rows = []
    requests = (selectors.assist_requests(user=user).filter(status__in=EXPORT_STATUSES)
                .select_related("contact__case__unit"))
    for item in requests:
        contact = item.contact
        rows.append({
            "name": item.name, "id_type": item.id_type, "id_number": item.id_number, "phone": item.phone,
            "region": item.region, "region_code": item.region_code, "address": item.address,
            "category": contact.get_category_display(),
            "exposure_at": timezone.localtime(contact.exposure_at).strftime("%Y-%m-%d %H:%M"),
            "reason": contact.reason, "case": contact.case.number, "investigated_by": contact.case.unit.name,
            "status": item.get_status_display(),
            "requested_at": timezone.localtime(item.created_at).strftime("%Y-%m-%d %H:%M"),
        })
    return rows


@login_required
def assist_export(request):
    require_capability_or_404(request.user, "tracing.export")
    if request.method != "POST":
        return redirect("tracing:assist_list")
    form = ExportForm(request.POST)
    if form.is_valid():
        with transaction.atomic():
            rows = _export_rows(request.user)
            try:
                from fangkong.accounts.services import access_log_record

                access_log_record(actor=request.user, kind="export", obj=None, fields=list(EXPORT_COLUMNS),
                                  reason=form.cleaned_data["reason"], ip=_client_ip(request), row_count=len(rows))
            except ValidationError as exc:
                add_service_errors(form, exc)
        if form.is_valid():
            return _xlsx(rows) if form.cleaned_data["format"] == "xlsx" else _csv(rows)
    return _list_page(request, status="", export_form=form, code=422)


def _filename(ext: str) -> str:
    return f"assist-requests-{timezone.localtime().strftime('%Y%m%d-%H%M')}.{ext}"


def _csv(rows) -> HttpResponse:
    out = io.StringIO()
    out.write("\ufeff")  # Excel on Windows reads UTF-8 only with a byte-order mark.
    writer = csv.writer(out)
    writer.writerow([str(EXPORT_HEADERS[c]) for c in EXPORT_COLUMNS])
    for row in rows:
        writer.writerow([row[c] for c in EXPORT_COLUMNS])
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


def _xlsx(rows) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("assist")
    sheet.append([str(EXPORT_HEADERS[c]) for c in EXPORT_COLUMNS])
    for row in rows:
        # Text, always: an 18-digit ID number or a phone read as a number loses its last digits.
        sheet.append([str(row[c]) for c in EXPORT_COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{_filename("xlsx")}"'
    return response


@login_required
@require_POST
def assist_update(request, assist_id: int):
    require_capability_or_404(request.user, "tracing.change")
    assist = get_visible_or_404(AssistRequest.objects.select_related("contact__case__unit"), user=request.user,
                                action="change", pk=assist_id)
    form = UpdateForm(request.POST)
    back = reverse("tracing:assist_list")
    status_filter = _status_filter(request.POST.get("filter", ""))
    if status_filter:
        back += f"?status={status_filter}"
    if not form.is_valid():
        messages.error(request, _("Choose sent or answered."))
        return redirect(back)
    try:
        services.assist_mark(assist=assist, status=form.cleaned_data["status"], answer=form.cleaned_data["answer"],
                    actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Assist request for %(name)s: %(status)s.") % {
            "name": assist.name, "status": AssistRequest.Status(form.cleaned_data["status"]).label})
    return redirect(back)
