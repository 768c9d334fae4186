"""Volunteers: the public registration form, vetting, a grid's list, and the volunteer's own link."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.core.imports import ImportRejected
from fangkong.core.pagination import page_from_request
from fangkong.workforce import links, selectors, services
from fangkong.workforce.forms import CheckInForm, HandoverForm, VetForm, VolunteerForm, VolunteerImportForm
from fangkong.workforce.models import Volunteer
from fangkong.workforce.rules import rules_for


def volunteer_join(request):
    """No login: anyone registers as a volunteer of their community (志愿者招募)."""
    form = VolunteerForm(request.POST or None, communities=selectors.public_communities())
    done, limited, status = False, "", 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data.get("website"):
            done = True  # the honeypot was filled: answer as if it worked, store nothing
        else:
            unit = selectors.community_for(unit_id=data["unit"], code=data["unit_code"])
            if unit is None and (data["unit"] or data["unit_code"]):
                form.add_error("unit_code" if data["unit_code"] else "unit", _("No community has this code."))
            else:
                try:
                    services.volunteer_register(
                        name=data["name"], id_number=data["id_number"], phone=data["phone"], unit=unit,
                        skills=data["skills"], availability=data["availability"], healthy=data["healthy"],
                        health_note=data["health_note"], consent=data["consent"],
                        ip=request.META.get("REMOTE_ADDR"))
                except services.RateLimited as exc:
                    limited, status = exc.message, 429
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    done = True
        if not done and not limited:
            status = 422
    elif request.method == "POST":
        status = 422
    return render(request, "workforce/volunteer_join.html", {"form": form, "done": done, "limited": limited},
                  status=status)


@login_required
def volunteer_list(request):
    require_capability_or_404(request.user, "workforce.view")
    status = request.GET.get("status", Volunteer.Status.PENDING)
    if status not in Volunteer.Status.values:
        status = ""
    page = page_from_request(selectors.volunteer_list(user=request.user, status=status), request, size=50)
    return render(request, "workforce/volunteer_list.html", {
        "page": page, "status": status, "statuses": Volunteer.Status.choices,
        "can_vet": has_capability(request.user, "workforce.vet"),
        "can_import": has_capability(request.user, "workforce.change"),
    })


@login_required
def volunteer_detail(request, volunteer_id: int):
    require_capability_or_404(request.user, "workforce.view")
    volunteer = selectors.volunteer_get(user=request.user, volunteer_id=volunteer_id)
    can_vet = bool(selectors.Volunteer.objects.visible_to(request.user, "vet").filter(pk=volunteer.pk).exists())
    link = ""
    if can_vet and volunteer.status == Volunteer.Status.APPROVED and not volunteer.link_revoked:
        link = request.build_absolute_uri(reverse("workforce:volunteer_link",
                                                  kwargs={"token": links.volunteer_token(volunteer)}))
    form = VetForm(request.POST or None)
    if request.method == "POST":
        if not can_vet:
            raise Http404
        if form.is_valid():
            try:
                services.volunteer_vet(volunteer=volunteer, approve=form.cleaned_data["decision"] == "approve",
                                       reason=form.cleaned_data["reason"], actor=request.user)
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The decision is recorded."))
                return redirect("workforce:volunteer", volunteer_id=volunteer.pk)
    return render(request, "workforce/volunteer.html", {
        "volunteer": volunteer, "form": form, "can_vet": can_vet, "link": link,
        "shifts": selectors.volunteer_shifts(volunteer=volunteer)})


@login_required
@require_POST
def volunteer_link_revoke(request, volunteer_id: int):
    require_capability_or_404(request.user, "workforce.vet")
    volunteer = selectors.volunteer_get(user=request.user, volunteer_id=volunteer_id, action="vet")
    reissue = request.POST.get("reissue") == "1"
    services.volunteer_link_revoke(volunteer=volunteer, actor=request.user, reissue=reissue)
    messages.success(request, _("A new link is made; the old one no longer works.") if reissue
                     else _("The link no longer works."))
    return redirect("workforce:volunteer", volunteer_id=volunteer.pk)


@login_required
def volunteer_import(request):
    require_capability_or_404(request.user, "workforce.change")
    form = VolunteerImportForm(request.POST or None, request.FILES or None,
                               nodes=selectors.nodes_for_filter(user=request.user))
    report = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.get("file")
        try:
            unit = selectors.node_get(user=request.user, node_id=data["unit"])
            report = services.volunteer_import(text=data["text"], data=upload.read() if upload else None,
                                               filename=upload.name if upload else "", default_unit=unit,
                                               actor=request.user)
        except (Http404, PermissionDenied):
            form.add_error("unit", _("Choose a place inside your jurisdiction."))
        except ImportRejected as exc:
            report = exc.report
        else:
            messages.success(request, _("%(count)d volunteers are registered and wait for vetting.")
                             % {"count": report.created})
            return redirect("workforce:volunteer_list")
    return render(request, "workforce/volunteer_import.html", {"form": form, "report": report})


# --- the volunteer's own link (no login) ---------------------------------------------------------------------


def _volunteer_or_404(token: str):
    volunteer = links.volunteer_from_token(token)
    if volunteer is None:
        raise Http404
    return volunteer


def _volunteer_shift_or_404(volunteer, shift_id: int):
    shift = next((s for s in selectors.volunteer_shifts(volunteer=volunteer) if s.pk == shift_id), None)
    if shift is None:
        raise Http404
    return shift


def volunteer_link(request, token: str):
    """A volunteer's "my shifts": only their own shifts, check in and out, hand over. Phone first."""
    volunteer = _volunteer_or_404(token)
    shifts = selectors.volunteer_shifts(volunteer=volunteer)
    attendance = selectors.attendance_of(shifts=shifts, volunteer=volunteer)
    now = timezone.now()
    forms = {}
    error_for, errors = None, []
    if request.method == "POST":
        try:
            shift_id = int(request.POST.get("shift") or 0)
        except ValueError:
            raise Http404 from None
        shift = _volunteer_shift_or_404(volunteer, shift_id)
        action = request.POST.get("action")
        form = CheckInForm(request.POST, rules=rules_for(shift.post.unit))
        try:
            if action == "out":
                services.attendance_check_out(shift=shift, volunteer=volunteer)
            elif form.is_valid():
                services.attendance_check_in(shift=shift, volunteer=volunteer,
                                             equipment=form.cleaned_data.get("equipment") or (),
                                             tested_at=form.cleaned_data.get("tested_at"))
            else:
                raise ValidationError([m for errs in form.errors.values() for m in errs])
        except ValidationError as exc:
            error_for, errors = shift.pk, exc.messages
            forms[shift.pk] = form
        else:
            messages.success(request, _("Checked out. Thank you.") if action == "out" else _("Checked in."))
            return redirect("workforce:volunteer_link", token=token)
    early = now + datetime.timedelta(hours=1)
    for shift in shifts:
        forms.setdefault(shift.pk, CheckInForm(rules=rules_for(shift.post.unit)))
    return render(request, "workforce/volunteer_link.html", {
        "volunteer": volunteer, "token": token, "now": now, "early": early,
        "items": [(s, attendance.get(s.pk), forms[s.pk]) for s in shifts],
        "error_for": error_for, "errors": errors,
    })


def volunteer_link_handover(request, token: str, shift_id: int):
    volunteer = _volunteer_or_404(token)
    shift = _volunteer_shift_or_404(volunteer, shift_id)
    form = HandoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_handover(shift=shift, volunteer=volunteer, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The handover is recorded."))
            return redirect("workforce:volunteer_link", token=token)
    return render(request, "workforce/volunteer_handover.html", {"form": form, "shift": shift, "token": token,
                                                                 "volunteer": volunteer})
