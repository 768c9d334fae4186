from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.pagination import page_from_request
from fangkong.exports import selectors, services
from fangkong.exports.forms import ExportForm
from fangkong.exports.sources import get_source, sources_for
from fangkong.exports.writers import WRITERS


@never_cache
@login_required
def export_list(request):
    require_capability_or_404(request.user, "exports.run")
    context = {
        "page": page_from_request(selectors.export_list(user=request.user), request, size=50),
        "sources": sources_for(request.user),
        "may_view_log": has_capability(request.user, "accounts.view_access_log"),
    }
    return render(request, "exports/export_list.html", context)


@never_cache
@require_GET
@login_required
def export_row(request, export_id: int):
    """One row of my exports, polled while its job runs; 286 stops the polling once it has ended."""
    export = selectors.export_get(user=request.user, export_id=export_id)
    response = render(request, "exports/export_list.html#row", {"export": export})
    if export.job is None or export.job.is_finished:
        return HttpResponseStopPolling(response.content)
    return response


def _source_for(request):
    require_capability_or_404(request.user, "exports.run")
    code = request.GET.get("source", "")
    try:
        source = get_source(code)
    except ValidationError as exc:
        raise Http404 from exc
    require_capability_or_404(request.user, source.capability)
    return source


def _filter_params(request, source) -> dict:
    return {name: request.GET[name] for name in source.filters if request.GET.get(name)}


@login_required
def export_new(request):
    source = _source_for(request)
    user = request.user
    may_reveal = has_capability(user, "people.reveal")
    choices = selectors.preset_choices(user=user, source=source)
    # The role's usual columns (or all) unless the user picked a preset.
    chosen = next((c for c in choices if c.key == request.GET.get("preset")), choices[0])
    form = ExportForm(request.POST or None, source=source, may_reveal=may_reveal,
                      initial={"columns": chosen.columns})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                _save_and_start(request, source, data)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The export is queued; it appears below when written."))
            return redirect("exports:list")
    query = request.GET.copy()
    query.pop("preset", None)
    context = {
        "source": source, "form": form, "choices": choices, "chosen": chosen, "query": query.urlencode(),
        "filters": _filter_params(request, source), "may_reveal": may_reveal,
    }
    return render(request, "exports/export_new.html", context, status=400 if form.errors else 200)


def _save_and_start(request, source, data) -> None:
    """The preset and the export together, or neither."""
    if data["save_as"]:
        services.preset_save(actor=request.user, source_code=source.code, name=data["save_as"], columns=data["columns"])
    services.export_start(actor=request.user, source_code=source.code, format=data["format"],
                          params=_filter_params(request, source), columns=data["columns"],
                          reveal=data.get("reveal", False), reason=data.get("reason", ""))


@login_required
def export_detail(request, export_id: int):
    export = selectors.export_get(user=request.user, export_id=export_id)
    return render(request, "exports/export_detail.html", {"export": export, "source": get_source(export.source)})


@never_cache
@require_GET
@login_required
def export_download(request, export_id: int):
    export = selectors.export_get(user=request.user, export_id=export_id)
    return download_response(export, actor=request.user)


def download_response(export, *, actor):
    """The file, to its owner; gone once the retention job removed it (410)."""
    if not export.is_downloadable:
        if export.file_deleted_at is not None:
            return HttpResponse(_("This export was removed after its retention period."), status=410,
                                content_type="text/plain; charset=utf-8")
        raise Http404
    path = services.exports_dir() / export.file_name
    if not path.exists():
        raise Http404
    services.export_downloaded(export=export, actor=actor)
    writer = WRITERS[export.format]
    filename = f"{export.source}-{export.created_at:%Y%m%d-%H%M}-{export.pk}.{writer.extension}"
    return FileResponse(open(path, "rb"), as_attachment=True, filename=filename, content_type=writer.content_type)


@require_POST
@login_required
def preset_delete(request, preset_id: int):
    preset = selectors.preset_get(user=request.user, preset_id=preset_id)
    try:
        services.preset_delete(actor=request.user, preset=preset)
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(request, _("Preset deleted."))
    return redirect(f"{reverse('exports:new')}?source={preset.source}")


@vary_on_headers("HX-Request")
@login_required
def export_log(request):
    require_capability_or_404(request.user, "accounts.view_access_log")
    revealed = {"1": True, "0": False}.get(request.GET.get("revealed", ""))
    qs = selectors.export_log_list(user=request.user, source=request.GET.get("source", ""), revealed=revealed)
    name = "exports/export_log.html" + ("#results" if request.htmx else "")
    from fangkong.exports.sources import all_sources

    return render(request, name, {"page": page_from_request(qs, request, size=100), "sources": all_sources()})
