"""Pages of vaccination: coverage per node and age band (from the dashboard snapshot), importing doses with the
report of rejected rows, and the HQ's product list."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.core.imports import INLINE_MAX_BYTES
from fangkong.core.masking import mask_id_number
from fangkong.core.pagination import page_from_request
from fangkong.territory.selectors import unit_breadcrumb, unit_get
from fangkong.vaccination import selectors, services
from fangkong.vaccination.forms import DosesUploadForm, ProductForm
from fangkong.vaccination.imports import doses_import, doses_import_start
from fangkong.vaccination.models import Product


@login_required
def coverage_page(request, unit_id: int | None = None):
    require_capability_or_404(request.user, "vaccination.view")
    unit = unit_get(user=request.user, unit_id=unit_id or request.user.scope_id)
    band = request.GET.get("band", "60_plus")
    if band not in selectors.BANDS:
        band = "60_plus"
    result = selectors.coverage(user=request.user, unit=unit)
    return render(request, "vaccination/coverage.html", {
        "unit": unit, "coverage": result, "band": band, "bands": selectors.BANDS,
        "rows": [(child, child.bands[band]) for child in result.children],
        "breadcrumb": unit_breadcrumb(user=request.user, unit=unit)[:-1],
        "measure_labels": [selectors.MEASURE_LABELS[m] for m in selectors.MEASURES],
        "band_labels": selectors.BAND_LABELS,
        "may_import": has_capability(request.user, "vaccination.import"),
    })


@login_required
def import_page(request):
    """Small files are imported while the page waits, then the report opens; large ones go to the worker."""
    require_capability_or_404(request.user, "vaccination.import")
    form = DosesUploadForm(request.POST or None, request.FILES or None)
    report = record = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size <= INLINE_MAX_BYTES:
                report = doses_import(data=upload.read(), filename=upload.name, actor=request.user)
                if report.record is not None and not report.unreadable:
                    return redirect("vaccination:import_detail", dose_import_id=report.record.pk)
            else:
                record = doses_import_start(upload=upload, actor=request.user)
        except PermissionDenied:
            raise Http404 from None
    return render(request, "vaccination/import.html", {"form": form, "report": report, "record": record},
                  status=422 if report is not None and report.unreadable else 200)


@login_required
def import_list(request):
    require_capability_or_404(request.user, "vaccination.import")
    page = page_from_request(selectors.import_list(user=request.user), request, size=50)
    return render(request, "vaccination/import_list.html", {"page": page})


@login_required
def import_detail(request, dose_import_id: int):
    require_capability_or_404(request.user, "vaccination.import")
    record = selectors.import_get(user=request.user, dose_import_id=dose_import_id)
    rows = [{"line": r["line"], "message": r["message"],
             "id_number": mask_id_number(_value(r, ("id_number", "身份证号", "身份证号码", "证件号码", "证件号"))),
             "name": _value(r, ("name", "姓名"))} for r in record.rejected[:1000]]
    return render(request, "vaccination/import_detail.html", {"record": record, "rows": rows})


def _value(rejected: dict, names) -> str:
    values = rejected.get("values") or {}
    lowered = {k.strip().lower(): v for k, v in values.items()}
    return next((lowered[n] for n in names if lowered.get(n)), "")


@login_required
def import_rejected_csv(request, dose_import_id: int):
    """The rejected rows as they were in the file, with the reason first: corrected and imported again.
    They hold ID numbers, so the download is logged."""
    from fangkong.accounts.models import AccessLog
    from fangkong.accounts.services import access_log_record

    require_capability_or_404(request.user, "vaccination.import")
    record = selectors.import_get(user=request.user, dose_import_id=dose_import_id)
    columns: list[str] = list(record.header)
    for row in record.rejected:
        columns.extend(k for k in row.get("values", {}) if k not in columns)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Line"), _("Problem"), *columns])
    for row in record.rejected:
        values = row.get("values", {})
        writer.writerow([row["line"], row["message"], *(values.get(c, "") for c in columns)])
    with transaction.atomic():
        access_log_record(actor=request.user, kind=AccessLog.Kind.EXPORT, obj=record, fields=",".join(columns),
                          reason=_("Rejected rows of a vaccination import, to correct them"),
                          ip=request.META.get("REMOTE_ADDR") or None, row_count=len(record.rejected))
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejected-{record.pk}.csv"'
    return response


@login_required
def products_page(request):
    require_capability_or_404(request.user, "vaccination.view")
    may_edit = services.may_edit_products(request.user)
    form = ProductForm(request.POST or None) if may_edit else None
    if request.method == "POST":
        if not may_edit:
            raise Http404
        if form.is_valid():
            try:
                product = services.product_save(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": product.name})
                return redirect("vaccination:products")
    return render(request, "vaccination/products.html", {
        "products": Product.objects.all(), "form": form, "may_edit": may_edit},
        status=422 if form is not None and form.errors else 200)
