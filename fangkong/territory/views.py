import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import form_submit
from fangkong.core.imports import INLINE_MAX_BYTES
from fangkong.core.pagination import page_from_request
from fangkong.territory import selectors, services
from fangkong.territory.forms import CoverageForm, HotlineForm, ImportForm, ResponsibilityForm, SearchForm
from fangkong.territory.models import Level, Responsibility

CHILDREN_PER_PAGE = 50



@login_required
@vary_on_headers("HX-Request")
def tree(request):
    return _unit_page(request, selectors.unit_scope_root(user=request.user))


@login_required
@vary_on_headers("HX-Request")
def unit(request, unit_id):
    return _unit_page(request, selectors.unit_get(user=request.user, unit_id=unit_id))


def _unit_page(request, unit, form=None, status=200, hotline_form=None):
    user = request.user
    children = page_from_request(selectors.unit_children(user=user, unit=unit), request, size=CHILDREN_PER_PAGE,
                                 descending=False)
    if request.htmx and request.GET.get("after"):
        return render(request, "territory/unit.html#children", {
            "unit": unit, "children": children, "show_people_counts": has_capability(user, "people.view")})
    may_change = has_capability(user, "territory.change")
    context = {
        "unit": unit,
        "breadcrumb": selectors.unit_breadcrumb(user=user, unit=unit),
        "children": children,
        "responsibilities": selectors.responsibility_list(user=user, unit=unit),
        "form": form or (ResponsibilityForm(unit=unit, actor=user) if may_change else None),
        "hotline_form": hotline_form or (HotlineForm(initial={"hotline": unit.hotline}) if may_change else None),
        "may_change": may_change,
        "search_form": SearchForm(),
        "show_people_counts": has_capability(user, "people.view"),
    }
    return render(request, "territory/unit.html", context, status=status)


@login_required
@require_POST
def hotline_set(request, unit_id):
    """The node office's public number (防控热线), shown to its residents on their page."""
    require_capability_or_404(request.user, "territory.change")
    unit = selectors.unit_get(user=request.user, unit_id=unit_id)
    form = HotlineForm(request.POST)
    if form_submit(form, lambda d: services.unit_update(unit=unit, hotline=d["hotline"], actor=request.user)):
        messages.success(request, _("Hotline saved."))
        return redirect("territory:unit", unit_id=unit.pk)
    return _unit_page(request, unit, hotline_form=form, status=422)


def _responsibilities_response(request, unit, form, notice=""):
    if not request.htmx:
        if notice:
            messages.success(request, notice)
        return redirect("territory:unit", unit_id=unit.pk)
    context = {
        "notice": notice,
        "unit": unit,
        "responsibilities": selectors.responsibility_list(user=request.user, unit=unit),
        "form": form,
        "may_change": True,
    }
    return render(request, "territory/unit.html#responsibilities", context)


@login_required
@require_POST
def responsibility_add(request, unit_id):
    unit = selectors.unit_get(user=request.user, unit_id=unit_id, action="change")
    form = ResponsibilityForm(request.POST, unit=unit, actor=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            responsibility = services.responsibility_assign(
                unit=unit, role=data["role"], name=data["name"], phone=data["phone"], user=data["user"],
                household=data.get("household"), actor=request.user)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            notice = _("%(name)s is now responsible here as %(role)s.") % {
                "name": responsibility.name, "role": responsibility.get_role_display()}
            return _responsibilities_response(request, unit, ResponsibilityForm(unit=unit, actor=request.user),
                                              notice)
    if not request.htmx:
        return _unit_page(request, unit, form=form, status=422)
    return _responsibilities_response(request, unit, form)


@login_required
@require_POST
def responsibility_remove(request, unit_id, responsibility_id):
    unit = selectors.unit_get(user=request.user, unit_id=unit_id, action="change")
    responsibility = selectors.responsibility_get(user=request.user, unit=unit, responsibility_id=responsibility_id,
                                                  action="change")
    try:
        services.responsibility_remove(responsibility=responsibility, actor=request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    notice = _("%(name)s is no longer responsible here.") % {"name": responsibility.name}
    return _responsibilities_response(request, unit, ResponsibilityForm(unit=unit, actor=request.user), notice)


@login_required
def search(request):
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = selectors.unit_search(user=request.user, query=query)
    if results and results[0].code == query and not request.htmx:
        return redirect("territory:unit", unit_id=results[0].pk)
    return render(request, "territory/search.html", {"search_form": form, "query": query, "results": results})


@login_required
@vary_on_headers("HX-Request")
def coverage(request):
    require_capability_or_404(request.user, "territory.view")
    form = CoverageForm(request.GET or None)
    role, level = form.values() if form.is_bound else (Responsibility.Role.GRID_WORKER, Level.GRID)
    report = selectors.coverage_gaps(user=request.user, role=role, level=level)
    gaps = page_from_request(report.gaps, request, size=100, descending=False)
    context = {"form": form if form.is_bound else CoverageForm(initial={"role": role, "level": level}),
               "report": report, "gaps": gaps, "role_label": Responsibility.Role(role).label,
               "level_label": Level(level).label}
    if request.htmx and request.GET.get("after"):
        return render(request, "territory/coverage.html#gaps", context)
    return render(request, "territory/coverage.html", context)


@login_required
def import_tree(request):
    require_capability_or_404(request.user, "territory.import")
    report = job = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, actor=request.user)
        if form.is_valid() and form.cleaned_data["file"].size > INLINE_MAX_BYTES:
            job = services.tree_import_start(upload=form.cleaned_data["file"], actor=request.user,
                                             root=form.cleaned_data["under"])
        elif form.is_valid():
            report = services.tree_import_csv(source=form.cleaned_data["file"], actor=request.user,
                                              root=form.cleaned_data["under"])
            if report.ok:
                messages.success(request, _("Import done: %(created)d nodes created, %(updated)d updated.")
                                 % {"created": report.created, "updated": report.updated})
                if request.htmx:
                    return HttpResponseClientRedirect(request.path)
                return redirect("territory:import")
    else:
        form = ImportForm(actor=request.user)
    return render(request, "territory/import.html", {"form": form, "report": report, "job": job},
                  status=422 if report is not None and not report.ok else 200)


class _Echo:
    def write(self, value):
        return value


@login_required
def export(request):
    require_capability_or_404(request.user, "territory.export")
    writer = csv.writer(_Echo())
    lines = (writer.writerow(row) for row in selectors.tree_export_rows(user=request.user))
    response = StreamingHttpResponse(_with_bom(lines), content_type="text/csv; charset=utf-8")
    code = request.user.scope.code if request.user.scope_id else "tree"
    response["Content-Disposition"] = f'attachment; filename="territory-{code}.csv"'
    return response


def _with_bom(lines):
    # Excel on Windows reads UTF-8 only with a byte-order mark; our importer accepts it too.
    yield "\ufeff"
    yield from lines
