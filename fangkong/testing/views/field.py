"""The field pages of mass testing: a sampler on a phone at a point, a lab receiving and resulting tubes, and the
public page of sampling points. Thin: parse, call one service or selector, render; scope lives in the selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.core.imports import INLINE_MAX_BYTES
from fangkong.core.pagination import page_from_request
from fangkong.testing import selectors, services
from fangkong.testing.forms_field import (
    HandoverForm,
    PublicPointsForm,
    QueueForm,
    ReceiveForm,
    ResultForm,
    ResultsUploadForm,
    ScanForm,
    TubeOpenForm,
)
from fangkong.testing.imports import lab_results_import, lab_results_import_start
from fangkong.testing.models import Handover, Tube
from fangkong.workforce.selectors import subject_on_duty

# --- the sampler's phone ----------------------------------------------------------------------------------------


@login_required
def sampler_home(request):
    require_capability_or_404(request.user, "testing.sample")
    points = selectors.sampling_points_for(user=request.user)
    now = timezone.now()
    return render(request, "testing/field/sampler_home.html", {
        "rounds": selectors.rounds_running(user=request.user)[:50],
        "points": [(p, selectors.is_open(p, now)) for p in points],
    })


def _point_page(request, point, *, rounds, form=None, queue_form=None, status=200):
    post, shifts = subject_on_duty(subject_type="testing.samplingpoint", subject_id=point.pk)
    return render(request, "testing/field/point.html", {
        "point": point, "rounds": rounds, "post": post, "shifts": shifts,
        "form": form or TubeOpenForm(rounds=rounds, initial={"round": rounds[0].pk if rounds else None}),
        "queue_form": queue_form or QueueForm(initial={"queue_length": point.queue_length}),
        "open_tubes": selectors.open_tubes(user=request.user, point=point)[:50],
        "closed_tubes": selectors.closed_tubes_at(user=request.user, point=point)[:200],
        "is_open": selectors.is_open(point),
    }, status=status)


@login_required
def point_sample(request, point_id: int):
    """The point: pick the round, scan a tube's barcode → the tube page (scanning an open tube continues it)."""
    require_capability_or_404(request.user, "testing.sample")
    point = selectors.point_get(user=request.user, point_id=point_id, action="sample")
    rounds = selectors.rounds_at_point(user=request.user, point=point)
    if request.method != "POST":
        return _point_page(request, point, rounds=rounds)
    form = TubeOpenForm(request.POST, rounds=rounds)
    if form.is_valid():
        round_ = next(r for r in rounds if r.pk == form.cleaned_data["round"])
        try:
            tube = services.tube_open(round_=round_, point=point, code=form.cleaned_data["code"],
                                      capacity=form.cleaned_data["capacity"], actor=request.user)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("testing:tube_fill", code=tube.code)
    return _point_page(request, point, rounds=rounds, form=form, status=422)


@login_required
@require_POST
def point_queue(request, point_id: int):
    require_capability_or_404(request.user, "testing.sample")
    point = selectors.point_get(user=request.user, point_id=point_id, action="sample")
    form = QueueForm(request.POST)
    if form.is_valid():
        try:
            services.point_queue_report(point=point, length=form.cleaned_data["queue_length"], actor=request.user)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, ngettext("Queue reported: %(count)d person.", "Queue reported: %(count)d people.",
                                               point.queue_length) % {"count": point.queue_length})
            return redirect("testing:point_sample", point_id=point.pk)
    rounds = selectors.rounds_at_point(user=request.user, point=point)
    return _point_page(request, point, rounds=rounds, queue_form=form, status=422)


def _tube_context(request, tube, *, form=None, last=None, problems=()) -> dict:
    return {
        "tube": tube, "last": last, "problems": problems, "samples": list(selectors.tube_samples(tube=tube)),
        "form": form or ScanForm(),
        "next_form": (TubeOpenForm(rounds=[tube.round], initial={"round": tube.round_id})
                      if tube.status != Tube.Status.OPEN and tube.round_id and tube.point_id else None),
    }


def _tube_response(request, tube, *, form=None, last=None, problems=(), status=200):
    template = "testing/field/tube.html" + ("#tube-panel" if request.htmx else "")
    return render(request, template, _tube_context(request, tube, form=form, last=last, problems=problems),
                  status=status)


@login_required
@vary_on_headers("HX-Request")
def tube_fill(request, code: str):
    """The tube: one input for the ID; each scan posts (htmx swaps the panel) and the counter moves on."""
    require_capability_or_404(request.user, "testing.sample")
    tube = selectors.tube_get(user=request.user, code=code, action="sample")
    if request.method != "POST":
        return _tube_response(request, tube)
    typed_person = bool(request.POST.get("name", "").strip() or request.POST.get("phone", "").strip())
    form = ScanForm(request.POST, ask_person=typed_person)
    if form.is_valid():
        data = form.cleaned_data
        try:
            sample = services.sample_add(tube=tube, id_number=data["id_number"], id_type=data["id_type"] or "resident",
                                         name=data["name"], phone=data["phone"], actor=request.user)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            if not typed_person and "name" in getattr(exc, "error_dict", {}):
                # Not on file: the same form again, now asking for the name (the cursor goes there).
                form = ScanForm(request.POST, ask_person=True)
                form.is_valid()
            add_service_errors(form, exc)
        else:
            if not request.htmx:
                messages.success(request, _("%(name)s is in tube %(code)s.") % {"name": sample.name,
                                                                                  "code": sample.tube.code})
                return redirect("testing:tube_fill", code=tube.code)
            return _tube_response(request, sample.tube, last=sample)
    tube.refresh_from_db()
    return _tube_response(request, tube, form=form, status=422)


@login_required
@require_POST
@vary_on_headers("HX-Request")
def sample_remove(request, code: str, sample_id: int):
    require_capability_or_404(request.user, "testing.sample")
    tube = selectors.tube_get(user=request.user, code=code, action="sample")
    sample = selectors.tube_sample_get(tube=tube, sample_id=sample_id)
    try:
        tube = services.sample_remove(sample=sample, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        return _tube_response(request, tube, problems=exc.messages, status=422)
    if not request.htmx:
        messages.success(request, _("%(name)s was taken out of tube %(code)s.") % {"name": sample.name,
                                                                                      "code": tube.code})
        return redirect("testing:tube_fill", code=tube.code)
    return _tube_response(request, tube)


@login_required
@require_POST
@vary_on_headers("HX-Request")
def tube_close(request, code: str):
    require_capability_or_404(request.user, "testing.sample")
    tube = selectors.tube_get(user=request.user, code=code, action="sample")
    try:
        tube = services.tube_close(tube=tube, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        return _tube_response(request, tube, problems=exc.messages, status=422)
    if not request.htmx:
        return redirect("testing:tube_fill", code=tube.code)
    return _tube_response(request, tube)


@login_required
def handover_new(request, point_id: int):
    """The closed tubes of a point handed to a lab's courier, with the count the courier signs for."""
    require_capability_or_404(request.user, "testing.sample")
    point = selectors.point_get(user=request.user, point_id=point_id, action="sample")
    labs = selectors.lab_choices(user=request.user)
    closed = selectors.closed_tubes_at(user=request.user, point=point)[:500]
    form = HandoverForm(request.POST or None, labs=labs, tubes=closed)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            lab = next(lab for lab in labs if lab.pk == form.cleaned_data["lab"])
            try:
                handover = services.handover_send(lab=lab, codes=form.codes_to_send(), point=point,
                                                  declared_count=form.cleaned_data["declared_count"],
                                                  actor=request.user)
            except PermissionDenied:
                form.add_error("codes", _("Some of these tubes were not sampled at a point of yours; check the "
                                          "codes."))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, ngettext("%(count)d tube handed over to %(lab)s.",
                                                   "%(count)d tubes handed over to %(lab)s.", handover.declared_count)
                                 % {"count": handover.declared_count, "lab": lab.name})
                return redirect("testing:point_sample", point_id=point.pk)
    return render(request, "testing/field/handover_new.html", {"point": point, "form": form, "closed": closed},
                  status=status)


# --- the lab --------------------------------------------------------------------------------------------------


@login_required
def lab_home(request):
    require_capability_or_404(request.user, "testing.receive")
    return render(request, "testing/field/lab_home.html", {
        "labs": selectors.labs_of(user=request.user),
        "handovers": page_from_request(selectors.handover_list(user=request.user), request, size=30),
        "awaiting": selectors.lab_tubes(user=request.user, status=Tube.Status.RECEIVED)[:100],
        "alerts": selectors.lab_alerts(user=request.user, limit=20),
        "upload_form": ResultsUploadForm(),
    })


@login_required
def handover_receive(request, handover_id: int):
    """The lab scans what arrived; afterwards every tube of the batch that did not arrive is shown, in red."""
    require_capability_or_404(request.user, "testing.receive")
    handover = selectors.handover_get(user=request.user, handover_id=handover_id)
    form = ReceiveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.handover_receive(handover=handover, codes=form.cleaned_data["codes"], actor=request.user)
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("testing:handover_receive", handover_id=handover.pk)
    return render(request, "testing/field/handover_receive.html", {
        "handover": handover, "form": form, "tubes": selectors.handover_tubes(handover=handover),
        "missing": list(selectors.handover_missing(handover=handover)),
        "received": handover.status != Handover.Status.SENT,
    }, status=status)


@login_required
def tube_result(request, code: str):
    require_capability_or_404(request.user, "testing.result")
    tube = selectors.tube_get(user=request.user, code=code, action="result")
    form = ResultForm(request.POST or None, initial={"result": tube.result or None})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                tube, changed = services.tube_result_record(
                    tube=tube, result=data["result"], ct_orf1ab=data["ct_orf1ab"], ct_n=data["ct_n"],
                    tested_at=data["tested_at"], actor=request.user)
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if changed:
                    messages.success(request, _("Tube %(code)s: %(result)s.") % {"code": tube.code,
                                                                                 "result": tube.get_result_display()})
                return redirect("testing:lab_home")
    return render(request, "testing/field/tube_result.html", {"tube": tube, "form": form}, status=status)


@login_required
def lab_results_upload(request):
    """A lab's results file: small files are imported while the page waits, larger ones in the worker."""
    require_capability_or_404(request.user, "testing.result")
    form = ResultsUploadForm(request.POST or None, request.FILES or None)
    report, job, status = None, None, 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size <= INLINE_MAX_BYTES:
                    report = lab_results_import(source=upload.read(), filename=upload.name, actor=request.user)
                else:
                    job = lab_results_import_start(upload=upload, actor=request.user)
            except PermissionDenied:
                raise Http404 from None
        else:
            status = 422
    return render(request, "testing/field/lab_results_upload.html", {
        "form": form, "report": report, "job": job,
        "alerts": selectors.lab_alerts(user=request.user, limit=20) if report is not None else [],
    }, status=status)


# --- the public page of sampling points ---------------------------------------------------------------------


@cache_control(private=True, max_age=30)
def public_points(request):
    """No sign-in: where to get sampled now, open points first, nearest first when the browser gave a location.
    The same for everyone asking the same question, so the list (not the page, which carries each visitor's CSRF
    token) is cached for half a minute, by area and by location rounded to about 100 m."""
    areas = selectors.public_point_areas()
    form = PublicPointsForm(request.GET or None, areas=areas)
    filters = form.filters()
    located = filters["latitude"] is not None
    where = f"{filters['latitude']:.3f}:{filters['longitude']:.3f}" if located else "-"
    key = f"testing:public-points:{filters['area']}:{where}"
    rows = cache.get(key)
    if rows is None:
        rows = selectors.public_points(latitude=filters["latitude"], longitude=filters["longitude"],
                                       node=selectors.public_area_get(area_id=filters["area"]), limit=50)
        cache.set(key, rows, 30)
    return render(request, "testing/field/public_points.html", {
        "form": form, "rows": rows, "located": located, "now": timezone.now(),
    })
