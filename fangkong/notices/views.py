"""Pages of notices: the public page of a notice and a node's public list (no login), the staff's list and the
publisher's pages (publish, edit as a new version, withdraw, supersede); the gates of compounds and their
GeoJSON for the command map."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import may_act, require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.core.pagination import page_from_request
from fangkong.notices import forms, selectors, services
from fangkong.notices.models import Notice
from fangkong.territory.models import Unit


def _refused(form) -> None:
    form.add_error(None, _("You may not publish for a node outside your jurisdiction."))


# --- public -----------------------------------------------------------------------------------------------------


def public_notice(request, number: str):
    notice = selectors.public_notice_get(number=number)
    return render(request, "notices/public_notice.html", {
        "notice": notice, "targets": selectors.targets_of(notice=notice),
        "attachments": selectors.attachments_of(notice=notice), "versions": selectors.versions(notice=notice),
        "in_force": notice.status == Notice.Status.PUBLISHED, "not_yet": notice.effective_at > timezone.now(),
    })


def attachment(request, number: str, position: int):
    notice = selectors.public_notice_get(number=number)
    file = selectors.attachment_get(notice=notice, position=position)
    try:
        handle = file.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=file.name, content_type=file.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def node_notices(request, node: int):
    unit = selectors.public_node_get(node=node)
    return render(request, "notices/node_notices.html", {
        "unit": unit, "page": page_from_request(selectors.notices_for_node(unit), request)})


# --- staff ------------------------------------------------------------------------------------------------------


@login_required
def staff_list(request):
    require_capability_or_404(request.user, "notices.view")
    status = request.GET.get("status", "")
    status = status if status in Notice.Status.values else ""
    return render(request, "notices/staff_list.html", {
        "page": page_from_request(selectors.staff_notices(user=request.user, status=status), request),
        "status": status, "statuses": Notice.Status.choices,
        "may_publish": has_capability(request.user, "notices.publish"), "node": request.user.scope,
    })


def _publish_form(request, *, initial=None, notice=None):
    units = selectors.target_choices(user=request.user)
    return forms.NoticeForm(request.POST or None, request.FILES or None, units=units, initial=initial,
                            with_note=notice is not None)


def _publish(request, form, *, supersedes=None):
    data = form.cleaned_data
    return services.notice_publish(actor=request.user, title=data["title"], body=data["body"],
                                   effective_at=data["effective_at"], targets=form.target_units(),
                                   files=data["attachments"], supersedes=supersedes)


@login_required
def notice_new(request):
    require_capability_or_404(request.user, "notices.publish")
    form = _publish_form(request, initial={"effective_at": timezone.localtime().replace(second=0, microsecond=0)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                notice = _publish(request, form)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied:
                _refused(form)
            else:
                messages.success(request, _("Notice published."))
                return redirect("notices:manage", notice_id=notice.pk)
        status = 422
    return render(request, "notices/notice_form.html", {"form": form, "heading": _("Publish a notice"),
                                                        "action_name": "new"}, status=status)


def _manage(request, notice, *, withdraw_form=None, status=200):
    may = may_act(request.user, "notices", "publish") and notice.status == Notice.Status.PUBLISHED
    return render(request, "notices/manage.html", {
        "notice": notice, "targets": selectors.targets_of(notice=notice),
        "attachments": selectors.attachments_of(notice=notice), "versions": selectors.versions(notice=notice),
        "may_change": may, "withdraw_form": withdraw_form or forms.WithdrawForm(),
    }, status=status)


@login_required
def notice_manage(request, notice_id: int):
    require_capability_or_404(request.user, "notices.view")
    return _manage(request, selectors.staff_notice_get(user=request.user, notice_id=notice_id))


def _initial(notice) -> dict:
    return {"title": notice.title, "body": notice.body, "effective_at": timezone.localtime(notice.effective_at),
            "targets": [u.pk for u in selectors.targets_of(notice=notice)]}


@login_required
def notice_edit(request, notice_id: int):
    require_capability_or_404(request.user, "notices.publish")
    notice = selectors.staff_notice_get(user=request.user, notice_id=notice_id)
    form = _publish_form(request, initial=_initial(notice), notice=notice)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.notice_update(notice=notice, actor=request.user, title=data["title"], body=data["body"],
                                       effective_at=data["effective_at"], targets=form.target_units(),
                                       note=data.get("note", ""), files=data["attachments"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied:
                _refused(form)
            else:
                messages.success(request, _("A new version of the notice is published."))
                return redirect("notices:manage", notice_id=notice.pk)
        status = 422
    return render(request, "notices/notice_form.html", {
        "form": form, "notice": notice, "heading": _("Edit notice %(number)s") % {"number": notice.number},
        "action_name": "edit"}, status=status)


@login_required
def notice_supersede(request, notice_id: int):
    require_capability_or_404(request.user, "notices.publish")
    old = selectors.staff_notice_get(user=request.user, notice_id=notice_id)
    form = _publish_form(request, initial=_initial(old))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                notice = _publish(request, form, supersedes=old)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied:
                _refused(form)
            else:
                messages.success(request, _("The new notice is published and replaces %(number)s.")
                                 % {"number": old.number})
                return redirect("notices:manage", notice_id=notice.pk)
        status = 422
    return render(request, "notices/notice_form.html", {
        "form": form, "notice": old, "heading": _("Supersede notice %(number)s") % {"number": old.number},
        "action_name": "supersede"}, status=status)


@login_required
@require_POST
def notice_withdraw(request, notice_id: int):
    require_capability_or_404(request.user, "notices.publish")
    notice = selectors.staff_notice_get(user=request.user, notice_id=notice_id)
    form = forms.WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.notice_withdraw(notice=notice, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            _refused(form)
        else:
            messages.success(request, _("Notice withdrawn."))
            return redirect("notices:manage", notice_id=notice.pk)
    return _manage(request, notice, withdraw_form=form, status=422)


# --- gates ------------------------------------------------------------------------------------------------------


def _node(request) -> Unit | None:
    value = request.GET.get("node", "")
    if not value:
        return request.user.scope
    if not value.isdigit():
        raise Http404
    unit = Unit.objects.visible_to(request.user).filter(pk=int(value)).first()
    if unit is None:
        raise Http404
    return unit


def _gate_values(data) -> dict:
    return dict(name=data["name"], is_open=data["is_open"], lat=data["lat"], lng=data["lng"], note=data["note"])


@login_required
def gate_list(request):
    """The gates of the compounds under a node; officers of the node record and change them here."""
    require_capability_or_404(request.user, "notices.view")
    node = _node(request)
    may_change = has_capability(request.user, "territory.change")
    units = selectors.gate_units(user=request.user, unit=node) if may_change else []
    form = forms.GateForm(request.POST or None, units=units)
    status = 200
    if request.method == "POST":
        if not may_change:
            raise Http404
        if form.is_valid():
            unit = next(u for u in units if u.pk == form.cleaned_data["unit"])
            try:
                services.gate_save(actor=request.user, unit=unit, **_gate_values(form.cleaned_data))
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied:
                form.add_error(None, _("You may not do this here: it is outside your jurisdiction."))
            else:
                return redirect(f"{request.path}?node={node.pk}")
        status = 422
    return render(request, "notices/gates.html", {
        "node": node, "gates": list(selectors.gate_list(user=request.user, unit=node)[:1000]),
        "form": form if may_change else None}, status=status)


@login_required
def gate_edit(request, gate_id: int):
    require_capability_or_404(request.user, "territory.change")
    gate = selectors.gate_get(user=request.user, gate_id=gate_id)
    initial = {"unit": gate.unit_id, "name": gate.name, "is_open": "1" if gate.is_open else "0", "lat": gate.lat,
               "lng": gate.lng, "note": gate.note}
    form = forms.GateForm(request.POST or None, units=[gate.unit], initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.gate_save(actor=request.user, unit=gate.unit, gate=gate, **_gate_values(form.cleaned_data))
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied:
                form.add_error(None, _("You may not do this here: it is outside your jurisdiction."))
            else:
                return redirect(f"/notices/gates/?node={gate.unit_id}")
        status = 422
    return render(request, "notices/gate_form.html", {"gate": gate, "form": form}, status=status)


@login_required
def gates_geojson(request):
    require_capability_or_404(request.user, "notices.view")
    return JsonResponse(selectors.gates_geojson(user=request.user, unit=_node(request)),
                        content_type="application/geo+json")
