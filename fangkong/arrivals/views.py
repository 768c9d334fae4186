import datetime
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.arrivals import selectors, services
from fangkong.arrivals.forms import (
    ArrivalForm,
    CheckpointForm,
    ImportForm,
    OccupantForm,
    PassageForm,
    RemeasureForm,
    SelfReportForm,
    add_service_errors,
    occupant_indexes,
)
from fangkong.arrivals.imports import IMPORT_INLINE_MAX_BYTES, coordination_list_import, coordination_list_start
from fangkong.arrivals.models import Disposition, RiskLevel
from fangkong.core.pagination import page_from_request
from fangkong.territory.models import Level, Unit
from fangkong.workforce.selectors import subject_on_duty


@login_required
def index(request):
    require_capability_or_404(request.user, "arrivals.view")
    checkpoints = selectors.checkpoint_list(user=request.user)
    return render(request, "arrivals/index.html", {
        "checkpoints": checkpoints[:200],
        "can_register": has_capability(request.user, "arrivals.register"),
        "can_manage": has_capability(request.user, "arrivals.manage"),
    })


# --- the checkpoint phone page -------------------------------------------------------------------------------


def _flow(request, checkpoint):
    since = timezone.now() - datetime.timedelta(hours=1)
    return selectors.passages_recent(user=request.user, checkpoint=checkpoint, since=since)


def _checkpoint_context(request, checkpoint, *, form, occupant_forms, destinations):
    post, shifts = subject_on_duty(subject_type="arrivals.checkpoint", subject_id=checkpoint.pk)
    return {
        "checkpoint": checkpoint, "form": form, "occupant_forms": occupant_forms,
        "next_index": max([int(f.prefix.split("-")[1]) for f in occupant_forms] or [0]) + 1,
        "passages": _flow(request, checkpoint), "post": post, "shifts": shifts,
        "remeasure_form": RemeasureForm(), "links": selectors.report_links(user=request.user, checkpoint=checkpoint),
        "can_manage": has_capability(request.user, "arrivals.manage"),
    }


@login_required
@vary_on_headers("HX-Request")
def checkpoint(request, checkpoint_id: int):
    require_capability_or_404(request.user, "arrivals.register")
    checkpoint = selectors.checkpoint_get(user=request.user, checkpoint_id=checkpoint_id, action="register")
    if request.htmx and request.GET.get("part") == "flow":
        return render(request, "arrivals/checkpoint.html#flow", {"checkpoint": checkpoint,
                                                                  "passages": _flow(request, checkpoint),
                                                                  "remeasure_form": RemeasureForm()})
    destinations = selectors.destination_choices(unit=checkpoint.unit)
    status = 200
    if request.method == "POST":
        form = PassageForm(request.POST)
        occupant_forms = [OccupantForm(request.POST, prefix=f"occ-{i}", destinations=destinations)
                          for i in occupant_indexes(request.POST) or [0]]
        for f in occupant_forms:
            f.is_valid()
        if form.is_valid():
            try:
                passage = services.passage_record(
                    checkpoint=checkpoint, plate=form.cleaned_data["plate"], client_key=form.cleaned_data["client_key"],
                    occupants=[f.service_data() for f in occupant_forms], actor=request.user,
                    at=form.cleaned_data.get("recorded_at"),
                )
            except ValidationError as exc:
                _passage_errors(exc, form, occupant_forms)
            else:
                entered = sum(1 for o in passage.occupants.all() if o.disposition != Disposition.PASS)
                messages.success(request, _("Recorded %(plate)s: %(count)d people, %(handed)d registered.") % {
                    "plate": passage.plate or _("pedestrian"), "count": passage.occupants.count(), "handed": entered})
                return redirect("arrivals:checkpoint", checkpoint_id=checkpoint.pk)
        status = 422
    else:
        form = PassageForm(initial={"client_key": uuid.uuid4().hex})
        occupant_forms = [OccupantForm(prefix="occ-0", destinations=destinations)]
    context = _checkpoint_context(request, checkpoint, form=form, occupant_forms=occupant_forms,
                                  destinations=destinations)
    return render(request, "arrivals/checkpoint.html", context, status=status)


def _passage_errors(exc: ValidationError, form, occupant_forms) -> None:
    by_index = {int(f.prefix.split("-")[1]): f for f in occupant_forms}
    positions = list(by_index)
    for key, errors in exc.message_dict.items():
        if key.startswith("occupants."):
            _prefix, index, field = key.split(".", 2)
            target = by_index.get(positions[int(index)]) if int(index) < len(positions) else None
            if target is not None:
                add_service_errors(target, {field: errors})
                continue
        add_service_errors(form, {key: errors})


@login_required
def occupant_block(request, checkpoint_id: int):
    """One more traveller's fields (htmx), and the "add" button moved on to the next index."""
    require_capability_or_404(request.user, "arrivals.register")
    checkpoint = selectors.checkpoint_get(user=request.user, checkpoint_id=checkpoint_id, action="register")
    try:
        index = max(0, min(int(request.GET.get("index", "1")), 8))
    except ValueError:
        raise Http404 from None
    form = OccupantForm(prefix=f"occ-{index}", destinations=selectors.destination_choices(unit=checkpoint.unit))
    return render(request, "arrivals/checkpoint.html#occupant-added",
                  {"checkpoint": checkpoint, "f": form, "next_index": index + 1, "number": index + 1})


@login_required
@require_POST
def proposal(request, checkpoint_id: int):
    """The proposed disposition of one traveller as the staffer types (htmx)."""
    require_capability_or_404(request.user, "arrivals.register")
    checkpoint = selectors.checkpoint_get(user=request.user, checkpoint_id=checkpoint_id, action="register")
    prefix = request.POST.get("prefix", "")
    if not prefix.startswith("occ-") or not prefix[4:].isdigit():
        raise Http404
    data = OccupantForm(request.POST, prefix=prefix).service_data()
    context = {"prefix": prefix, "checkpoint": checkpoint}
    try:
        temperature = services.clean_temperature(data["temperature"]) if data["temperature"] else None
        recheck = (services.clean_temperature(data["recheck_temperature"]) if data["recheck_temperature"]
                   else None)
    except ValidationError as exc:
        context["problem"] = exc.messages[0]
    else:
        if data["origin_text"] and data["health_code"]:
            context["assessment"] = services.occupant_assess(
                temperature=temperature, recheck_temperature=recheck, health_code=data["health_code"],
                negative_test_within_48h=data["negative_test_within_48h"], origin_text=data["origin_text"])
            context["disposition_label"] = Disposition(context["assessment"].decision.disposition.value).label
            context["reasons"] = services.reason_labels(context["assessment"].decision.reasons,
                                                       context["assessment"].threshold)
            context["threshold"] = context["assessment"].threshold
            level = context["assessment"].level
            context["level_label"] = RiskLevel(level).label if level else ""
    return render(request, "arrivals/checkpoint.html#proposal", context)


@login_required
@require_POST
def remeasure(request, occupant_id: int):
    require_capability_or_404(request.user, "arrivals.register")
    occupant = selectors.occupant_get(user=request.user, occupant_id=occupant_id)
    form = RemeasureForm(request.POST)
    if form.is_valid():
        try:
            services.occupant_remeasure(occupant=occupant, temperature=form.cleaned_data["recheck_temperature"],
                                        actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied:
            raise Http404 from None
    else:
        messages.error(request, _("Enter the re-measured temperature."))
    return redirect("arrivals:checkpoint", checkpoint_id=occupant.passage.checkpoint_id)


@login_required
def checkpoint_new(request):
    require_capability_or_404(request.user, "arrivals.manage")
    units = Unit.objects.visible_to(request.user, "view").filter(level__lte=Level.COMMUNITY).order_by("path")[:500]
    form = CheckpointForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = Unit.objects.visible_to(request.user).filter(pk=data["unit"]).first()
        if unit is None:
            raise Http404
        try:
            checkpoint = services.checkpoint_create(name=data["name"], kind=data["kind"], unit=unit,
                                                    location=data["location"], actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc.message_dict)
        except PermissionDenied:
            form.add_error("unit", _("You may not set up checkpoints there."))
        else:
            messages.success(request, _("Checkpoint %(name)s set up.") % {"name": checkpoint.name})
            return redirect("arrivals:checkpoint", checkpoint_id=checkpoint.pk)
    return render(request, "arrivals/checkpoint_form.html", {"form": form})


@login_required
@require_POST
def report_link_new(request):
    require_capability_or_404(request.user, "arrivals.manage")
    checkpoint = None
    if request.POST.get("checkpoint"):
        checkpoint = selectors.checkpoint_get(user=request.user, checkpoint_id=int(request.POST["checkpoint"]),
                                              action="manage")
        unit = checkpoint.unit
    else:
        unit = Unit.objects.visible_to(request.user, "view").filter(pk=request.POST.get("unit") or 0).first()
        if unit is None:
            raise Http404
    try:
        link = services.report_link_create(unit=unit, checkpoint=checkpoint, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("Self-report link: %(url)s") % {
        "url": request.build_absolute_uri(f"/arrivals/report/{link.token}/")})
    if checkpoint is not None:
        return redirect("arrivals:checkpoint", checkpoint_id=checkpoint.pk)
    return redirect("arrivals:list")


# --- arrivals -------------------------------------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
def arrival_list(request):
    require_capability_or_404(request.user, "arrivals.view")
    filters = selectors.ArrivalFilters.from_params(request.GET)
    page = page_from_request(selectors.arrival_list(user=request.user, filters=filters), request, size=50)
    params = request.GET.copy()
    params.pop("after", None)
    template = "arrivals/arrival_list.html" + ("#rows" if request.htmx and request.GET.get("after") else "")
    return render(request, template, {"page": page, "filters": filters, "params": params.urlencode(),
                                      "can_register": has_capability(request.user, "arrivals.register"),
                                      "can_import": has_capability(request.user, "arrivals.import")})


@login_required
def arrival_new(request):
    require_capability_or_404(request.user, "arrivals.register")
    scope = Unit.objects.visible_to(request.user).filter(pk=request.user.scope_id).first()
    if scope is None:
        raise Http404
    destinations = _destinations_in_scope(request.user)
    form = ArrivalForm(request.POST or None, destinations=destinations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        destination = Unit.objects.visible_to(request.user, "view").filter(pk=data["destination"]).first()
        if destination is None:
            raise Http404
        try:
            arrival = services.arrival_register_community(
                actor=request.user, name=data["name"], id_number=data["id_number"], phone=data["phone"],
                origin_text=data["origin_text"], left_origin_on=data["left_origin_on"], destination=destination,
                destination_address=data["destination_address"])
        except ValidationError as exc:
            add_service_errors(form, exc.message_dict)
        except PermissionDenied:
            form.add_error("destination", _("This destination is outside your jurisdiction."))
        else:
            messages.success(request, _("%(name)s is registered as an arrival.") % {"name": arrival.name})
            return redirect("arrivals:list")
    return render(request, "arrivals/arrival_form.html", {"form": form})


def _destinations_in_scope(user) -> list[tuple[int, str]]:
    return [(u.pk, u.name) for u in Unit.objects.visible_to(user).filter(level__gte=Level.STREET, level__lte=Level.GRID)
            .order_by("path")[:3000]]


@login_required
def import_list(request):
    require_capability_or_404(request.user, "arrivals.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    report, job = None, None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size <= IMPORT_INLINE_MAX_BYTES:
            report = coordination_list_import(source=upload.read(), filename=upload.name, actor=request.user)
        else:
            job = coordination_list_start(upload=upload, actor=request.user)
    return render(request, "arrivals/import.html", {"form": form, "report": report, "job": job})


# --- the command HQ ------------------------------------------------------------------------------------------


@login_required
def hq(request):
    require_capability_or_404(request.user, "arrivals.report")
    scope = Unit.objects.visible_to(request.user).filter(pk=request.user.scope_id).first()
    if scope is None:
        raise Http404
    today = timezone.localdate()
    overall, by_child = selectors.arrivals_by_level_and_child(user=request.user, unit=scope, day=today)
    overdue, next_after = selectors.overdue_first_contacts(user=request.user, unit=scope,
                                                           after=request.GET.get("after"))
    since = timezone.now() - datetime.timedelta(days=7)
    timeliness, by_street = selectors.first_contact_timeliness(user=request.user, unit=scope, since=since)
    return render(request, "arrivals/hq.html", {
        "scope": scope, "today": today, "overall": overall, "by_child": by_child,
        "overdue": overdue, "next_after": next_after, "timeliness": timeliness, "by_street": by_street,
        "throughput": selectors.checkpoint_throughput(user=request.user, day=today),
        "shifts": selectors.SHIFTS, "hours": range(24),
        "dispositions": selectors.dispositions_on(user=request.user, day=today),
        "fevers": selectors.fever_referrals(user=request.user, day=today),
    })


# --- the public self-report page ----------------------------------------------------------------------------


def self_report(request, token: str):
    """No login: a traveller reports their own arrival through the QR code of a checkpoint or a community."""
    link = selectors.report_link_by_token(token=token)
    destinations = selectors.destination_choices(unit=link.unit) if link.checkpoint_id else None
    form = SelfReportForm(request.POST or None, destinations=destinations)
    done, limited, status = False, "", 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data.get("website"):
            # The honeypot was filled: answer as if it worked, store nothing.
            done = True
        else:
            destination = None
            if destinations is not None:
                city = "/" + link.unit.path.strip("/").split("/")[0] + "/"
                destination = services.resolve_destination(data["destination"], root_path=city)
                if destination is None:
                    form.add_error("destination", _("Choose where you are staying."))
            if form.is_valid():
                try:
                    services.self_report_submit(
                        link=link, name=data["name"], id_number=data["id_number"], phone=data["phone"],
                        origin_text=data["origin_text"], left_origin_on=data["left_origin_on"],
                        destination=destination, destination_address=data["destination_address"],
                        ip=request.META.get("REMOTE_ADDR"))
                except services.RateLimited as exc:
                    limited, status = exc.message, 429
                except ValidationError as exc:
                    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
                    add_service_errors(form, errors)
                else:
                    done = True
    elif request.method == "POST":
        status = 422
    return render(request, "arrivals/self_report.html", {"form": form, "link": link, "done": done,
                                                         "limited": limited}, status=status)
