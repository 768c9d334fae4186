"""Pages of mass testing for officers and the command HQ: rounds and their coverage (应检尽检), people not yet
sampled, recalls of positive pools and their export, sampling points and labs. Every figure comes from the scoped
selectors: a street officer sees the city's round, and only the street's part of it."""

import csv
import io
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.core.imports import INLINE_MAX_BYTES
from fangkong.core.masking import mask_id_number
from fangkong.core.pagination import page_from_request
from fangkong.core.paths import is_within
from fangkong.territory.models import Level
from fangkong.testing import selectors, services
from fangkong.testing.forms_hq import (
    ExtraPersonForm,
    LabForm,
    LabStaffForm,
    PointForm,
    ReasonForm,
    RoundForm,
    RoundStatusForm,
    SamplesUploadForm,
)

# The recall list's header as a district prints it; the columns are selectors.RECALL_COLUMNS, in that order.
RECALL_HEADERS_ZH = {"id_number": "身份证号", "name": "姓名", "phone": "手机", "household_address": "家庭住址",
                     "grid": "网格", "tube_code": "试管编码", "reason": "原因"}


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


# --- rounds ----------------------------------------------------------------------------------------------------


@login_required
def index(request):
    require_capability_or_404(request.user, "testing.view")
    rounds = list(selectors.round_list(user=request.user)[:200])
    overview = selectors.round_overview(user=request.user, rounds=rounds)
    for round_ in rounds:
        round_.overview = overview[round_.pk]
    return render(request, "testing/hq/index.html", {
        "rounds": rounds,
        "recalls": selectors.recall_list_counted(user=request.user, open_only=True)[:100],
        "cases": selectors.positive_cases(user=request.user)[:50],
        "can_manage": has_capability(request.user, "testing.manage"),
    })


def _round_form(request, units, rules):
    return RoundForm(request.POST or None, units=units, pool_sizes=rules.pool_sizes,
                     default_pool_size=rules.pool_size)


@login_required
def round_new(request):
    require_capability_or_404(request.user, "testing.manage")
    try:
        rules = services.active_rules()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("testing:index")
    units = selectors.round_node_choices(user=request.user)
    form = _round_form(request, units, rules)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            by_pk = {u.pk: u for u in units}
            typed, unknown = selectors.units_by_codes(user=request.user, codes=data["node_codes"])
            if unknown:
                form.add_error("node_codes", _("Not a node of your jurisdiction: %(codes)s.")
                               % {"codes": ", ".join(unknown[:20])})
        if form.is_valid():
            try:
                round_ = services.round_create(code=data["code"], name=data["name"],
                                               nodes=[by_pk[pk] for pk in data["nodes"]] + typed,
                                               starts_at=data["starts_at"], ends_at=data["ends_at"],
                                               pool_size=data["pool_size"], actor=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied:
                form.add_error("nodes", _("You may not run a round there."))
            else:
                messages.success(request, _("Round %(name)s created: %(target)d people to sample.")
                                 % {"name": round_.name, "target": round_.target_total})
                return redirect("testing:round_detail", round_id=round_.pk)
        status = 422
    return render(request, "testing/hq/round_form.html", {"form": form}, status=status)


def _coverage_node(request, round_, root):
    if not request.GET.get("node"):
        return root
    node = selectors.node_in_scope(user=request.user, node_id=request.GET["node"])
    if not is_within(node.path, root.path):
        raise Http404
    return node


@login_required
def round_detail(request, round_id: int):
    require_capability_or_404(request.user, "testing.view")
    user = request.user
    round_ = selectors.round_get(user=user, round_id=round_id)
    context = {
        "round": round_,
        "nodes": list(round_.nodes.order_by("path")),
        "recalls": selectors.recall_list_counted(user=user, round_=round_)[:200],
        "can_manage": has_capability(user, "testing.manage") and selectors.round_may_manage(user=user,
                                                                                           round_=round_),
        "can_report": has_capability(user, "testing.report"),
        "can_export": has_capability(user, "testing.export"),
        "statuses": round_.Status,
    }
    if context["can_report"]:
        root = selectors.coverage_root(user=user, round_=round_)
        node = _coverage_node(request, round_, root)
        context.update({
            "coverage": selectors.coverage(user=user, round_=round_, node=node),
            "breadcrumb": selectors.node_breadcrumb(user=user, node=node, root=root),
            "figures": selectors.round_figures(user=user, round_=round_),
            "by_lab": selectors.turnaround(user=user, round_=round_, by="lab"),
            "by_point": selectors.turnaround(user=user, round_=round_, by="point"),
            "late": list(selectors.late_tubes(user=user, round_=round_)[:200]),
        })
    if context["can_manage"]:
        context.update({"extra_form": ExtraPersonForm(), "upload_form": SamplesUploadForm()})
    return render(request, "testing/hq/round_detail.html", context)


@login_required
@require_POST
def round_status(request, round_id: int):
    require_capability_or_404(request.user, "testing.manage")
    round_ = selectors.round_get(user=request.user, round_id=round_id, action="manage")
    form = RoundStatusForm(request.POST)
    if form.is_valid():
        try:
            services.round_status_set(round_=round_, status=form.cleaned_data["status"], actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Round %(name)s is now %(status)s.")
                             % {"name": round_.name, "status": round_.get_status_display()})
    return redirect("testing:round_detail", round_id=round_.pk)


@login_required
@require_POST
def round_extra(request, round_id: int):
    """Add someone living elsewhere to the round's target by ID number."""
    from fangkong.people.identity import validate_document
    from fangkong.people.selectors import person_by_document

    require_capability_or_404(request.user, "testing.manage")
    round_ = selectors.round_get(user=request.user, round_id=round_id, action="manage")
    form = ExtraPersonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the person's ID number."))
        return redirect("testing:round_detail", round_id=round_.pk)
    try:
        identity = validate_document("resident", form.cleaned_data["id_number"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("testing:round_detail", round_id=round_.pk)
    person = person_by_document(id_type=identity.id_type, id_number=identity.number)
    if person is None:
        messages.error(request, _("Nobody with ID number %(id)s is on file; put them on file first.")
                       % {"id": mask_id_number(identity.number)})
        return redirect("testing:round_detail", round_id=round_.pk)
    try:
        services.round_extra_add(round_=round_, person=person, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    # The person may be filed outside the officer's scope: name them only by the masked number.
    messages.success(request, _("%(id)s is added to the round's target.") % {"id": mask_id_number(identity.number)})
    return redirect("testing:round_detail", round_id=round_.pk)


@login_required
def round_import(request, round_id: int):
    """Sampling records of this round from a file: small files while the page waits, large ones as a job."""
    from fangkong.testing.imports import samples_import, samples_import_start

    require_capability_or_404(request.user, "testing.manage")
    round_ = selectors.round_get(user=request.user, round_id=round_id, action="manage")
    form = SamplesUploadForm(request.POST or None, request.FILES or None)
    report = job = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size <= INLINE_MAX_BYTES:
                report = samples_import(source=upload.read(), round_=round_, actor=request.user,
                                        filename=upload.name)
            else:
                job = samples_import_start(upload=upload, round_=round_, actor=request.user)
        except PermissionDenied:
            raise Http404 from None
    return render(request, "testing/hq/round_import.html",
                  {"round": round_, "form": form, "report": report, "job": job},
                  status=422 if report is not None and report.unreadable else 200)


# --- people not yet sampled ------------------------------------------------------------------------------------


@login_required
def unsampled(request, round_id: int):
    require_capability_or_404(request.user, "testing.view")
    require_capability_or_404(request.user, "people.view")
    user = request.user
    round_ = selectors.round_get(user=user, round_id=round_id)
    root = selectors.coverage_root(user=user, round_=round_)
    node = _coverage_node(request, round_, root)
    page = page_from_request(selectors.unsampled_people(user=user, round_=round_, node=node), request, size=100,
                             descending=False)
    # Within a page, people are shown building by building and door by door, each building with its grid worker.
    people = sorted(page.items, key=lambda p: (p.unit.path, p.household.number if p.household_id else "", p.pk))
    workers = selectors.grid_workers([p.unit for p in people])
    buildings = [{"unit": unit, "worker": workers.get(unit.pk), "people": list(group)}
                 for unit, group in groupby(people, key=lambda p: p.unit)]
    params = request.GET.copy()
    params.pop("after", None)
    return render(request, "testing/hq/unsampled.html", {
        "round": round_, "node": node, "page": page, "buildings": buildings, "params": params.urlencode(),
        "breadcrumb": selectors.node_breadcrumb(user=user, node=node, root=root),
        "can_dispatch": (has_capability(user, "testing.manage") and has_capability(user, "tasks.dispatch")),
    })


@login_required
@require_POST
def unsampled_tasks(request, round_id: int):
    """Give each building with people not yet sampled one task for its grid worker."""
    require_capability_or_404(request.user, "testing.manage")
    round_ = selectors.round_get(user=request.user, round_id=round_id)
    root = selectors.coverage_root(user=request.user, round_=round_)
    node = selectors.node_in_scope(user=request.user, node_id=request.POST.get("node") or root.pk)
    if not is_within(node.path, root.path):
        raise Http404
    try:
        created = services.round_unsampled_tasks(round_=round_, node=node, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if created:
            messages.success(request, _("%(count)d buildings got a task for their grid worker.") % {"count": created})
        else:
            messages.info(request, _("Every building with people not yet sampled already has its task."))
    return redirect(f"{reverse('testing:unsampled', kwargs={'round_id': round_.pk})}?node={node.pk}")


# --- recalls ---------------------------------------------------------------------------------------------------


@login_required
def recall_detail(request, recall_id: int):
    require_capability_or_404(request.user, "testing.view")
    # Names and addresses of people: not for lab or sampler accounts, who see tubes only.
    require_capability_or_404(request.user, "people.view")
    recall = selectors.recall_get(user=request.user, recall_id=recall_id)
    members = sorted(selectors.recall_members(user=request.user, recall=recall),
                     key=lambda m: (m.unit.path, m.person.household.number if m.person and m.person.household_id
                                    else "", m.sample_id))
    return render(request, "testing/hq/recall_detail.html", {
        "recall": recall, "members": members,
        "can_export": has_capability(request.user, "testing.export") and recall.round_id is not None,
    })


@login_required
def recall_export(request, round_id: int):
    """The round's people to recall as CSV, full values: only with a reason, and logged in the access log."""
    from fangkong.accounts.services import access_log_record

    require_capability_or_404(request.user, "testing.export")
    round_ = selectors.round_get(user=request.user, round_id=round_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            rows = list(selectors.recall_rows(user=request.user, round_=round_))
            try:
                access_log_record(actor=request.user, kind="export", obj=round_, fields=selectors.RECALL_COLUMNS,
                                  reason=form.cleaned_data["reason"], ip=_client_ip(request), row_count=len(rows))
            except ValidationError as exc:
                add_service_errors(form, exc)
        if form.is_valid():
            return _recall_csv(round_, rows)
    return render(request, "testing/hq/recall_export.html", {"round": round_, "form": form},
                  status=422 if request.method == "POST" else 200)


def _recall_csv(round_, rows) -> HttpResponse:
    out = io.StringIO()
    # Excel on Windows reads UTF-8 only with a byte-order mark.
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([RECALL_HEADERS_ZH[c] for c in selectors.RECALL_COLUMNS])
    for row in rows:
        writer.writerow([row[c] for c in selectors.RECALL_COLUMNS])
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="recall-{round_.code}-{stamp}.csv"'
    return response


# --- sampling points and labs ----------------------------------------------------------------------------------


@login_required
def point_list(request):
    require_capability_or_404(request.user, "testing.manage")
    return render(request, "testing/hq/point_list.html",
                  {"points": selectors.point_list(user=request.user)[:500]})


@login_required
def point_new(request):
    require_capability_or_404(request.user, "testing.manage")
    units = selectors.unit_choices(user=request.user, min_level=Level.DISTRICT)
    form = PointForm(request.POST or None, units=units)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            unit = {u.pk: u for u in units}[data["unit"]]
            try:
                point = services.point_create(code=data["code"], name=data["name"], unit=unit,
                                              opens_at=data["opens_at"], closes_at=data["closes_at"],
                                              address=data["address"], latitude=data["latitude"],
                                              longitude=data["longitude"], actor=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied:
                form.add_error("unit", _("You may not set up sampling points there."))
            else:
                messages.success(request, _("Sampling point %(name)s set up.") % {"name": point.name})
                return redirect("testing:point_list")
        status = 422
    return render(request, "testing/hq/point_form.html", {"form": form}, status=status)


@login_required
def lab_list(request):
    require_capability_or_404(request.user, "testing.manage")
    labs = list(selectors.lab_list(user=request.user)[:200])
    names = selectors.lab_staff_names(labs=labs)
    for lab in labs:
        lab.staff_names = names.get(lab.pk, [])
    return render(request, "testing/hq/lab_list.html", {
        "labs": labs, "staff_form": LabStaffForm(users=selectors.lab_user_choices()[:500]),
    })


@login_required
def lab_new(request):
    require_capability_or_404(request.user, "testing.manage")
    units = selectors.unit_choices(user=request.user, max_level=Level.STREET)
    form = LabForm(request.POST or None, units=units)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            unit = {u.pk: u for u in units}[data["unit"]]
            try:
                lab = services.lab_create(code=data["code"], name=data["name"], unit=unit, actor=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied:
                form.add_error("unit", _("You may not set up labs there."))
            else:
                messages.success(request, _("Lab %(name)s set up.") % {"name": lab.name})
                return redirect("testing:lab_list")
        status = 422
    return render(request, "testing/hq/lab_form.html", {"form": form}, status=status)


@login_required
@require_POST
def lab_staff_add(request, lab_id: int):
    require_capability_or_404(request.user, "testing.manage")
    lab = selectors.lab_get(user=request.user, lab_id=lab_id, action="manage")
    users = selectors.lab_user_choices()
    form = LabStaffForm(request.POST, users=users[:500])
    if form.is_valid():
        staff_user = users.filter(pk=form.cleaned_data["user"]).first()
        try:
            services.lab_staff_add(lab=lab, user=staff_user, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("%(user)s now works for %(lab)s.") % {"user": staff_user, "lab": lab.name})
    else:
        messages.error(request, _("Choose a lab account."))
    return redirect("testing:lab_list")
