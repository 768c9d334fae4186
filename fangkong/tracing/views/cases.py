"""The tracer's pages: the case list, a new case, and the case page where the investigation happens — the clock,
the itinerary, exposures, contacts (by hand, from a list, from co-presence), links to other cases.

Each form posts to its own view and comes back to the case page; a refused form re-renders the case page with the
form's errors (status 422) and nothing written."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.core.pagination import page_from_request
from fangkong.tracing import forms, imports, jobs, selectors, services
from fangkong.tracing.models import Contact, DetectionHit, Link, PlaceVisit


def _can_change(user, case) -> bool:
    from fangkong.accounts.scope import unit_in_scope

    return unit_in_scope(user, case.unit, "change", capability_app="tracing")


@login_required
def index(request):
    require_capability_or_404(request.user, "tracing.view")
    state = request.GET.get("state", "")
    cases = selectors.case_list(user=request.user, query=request.GET.get("q", ""), state=state)
    page = page_from_request(cases, request, size=50)
    return render(request, "tracing/index.html", {
        "page": page, "state": state, "query": request.GET.get("q", ""),
        "can_open": has_capability(request.user, "tracing.change"),
    })


@login_required
def case_new(request):
    require_capability_or_404(request.user, "tracing.change")
    tracers = selectors.tracers_for(unit=request.user.scope) if request.user.scope_id else []
    form = forms.CaseForm(request.POST or None, tracers=tracers,
                          initial={"tracer": request.user.pk if request.user.role == "tracer" else None})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = services.person_for_contact(id_type=data["id_type"], id_number=data["id_number"])
                if person is None:
                    raise ValidationError({"id_number": _("No one with this ID number is on file; register them "
                                                          "under People first.")})
                tracer = next((t for t in tracers if t.pk == data["tracer"]), None)
                case = services.case_open(
                    person=person, first_positive_at=data["first_positive_at"], reported_at=data["reported_at"],
                    source=data["source"], source_ref=data["source_ref"], classification=data["classification"],
                    onset_date=data["onset_date"], ct_orf1ab=data["ct_orf1ab"], ct_n=data["ct_n"], tracer=tracer,
                    actor=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied:
                form.add_error("id_number", _("This person lives outside your jurisdiction."))
            else:
                messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
                return redirect("tracing:case_detail", case_id=case.pk)
        status = 422
    return render(request, "tracing/case_form.html", {"form": form}, status=status)


def _case_page(request, case, *, status=200, **forms_in_error):
    user = request.user
    can_change = _can_change(user, case)
    close_contacts = selectors.close_contacts_of(case=case)
    page_forms = {
        "visit_form": forms.VisitForm(),
        "exposure_form": forms.ExposureForm(),
        "contact_form": forms.ContactForm(close_contacts=close_contacts),
        "upload_form": forms.ContactsUploadForm(),
        "link_form": forms.LinkForm(),
        "detection_form": forms.DetectionForm(),
        "edit_form": forms.CaseEditForm(initial={
            "classification": case.classification, "clinical_status": case.clinical_status,
            "onset_date": case.onset_date, "window_start": case.window_start, "window_end": case.window_end,
            "summary": case.summary}),
        "assign_form": forms.AssignForm(tracers=selectors.tracers_for(unit=case.unit)),
    }
    page_forms.update(forms_in_error)
    from fangkong.tracing.reports import case_timeliness

    return render(request, "tracing/case_detail.html", {
        "case": case, "can_change": can_change,
        "timeliness": case_timeliness(case, services.active_rules()),
        "visits": list(case.visits.all()), "exposures": list(case.exposures.select_related("source_case")),
        "contacts": selectors.case_contacts(user=user, case=case),
        "counts": selectors.contact_counts(case=case),
        "links": selectors.case_links(case=case), "runs": selectors.detection_runs(case=case),
        "import_report": forms_in_error.get("import_report"),
        **page_forms,
    }, status=status)


@login_required
def case_detail(request, case_id: int):
    require_capability_or_404(request.user, "tracing.view")
    case = selectors.case_get(user=request.user, case_id=case_id)
    return _case_page(request, case)


def _changeable_case(request, case_id: int):
    require_capability_or_404(request.user, "tracing.change")
    return selectors.case_get(user=request.user, case_id=case_id, action="change")


def _post_form(request, case, form_class, form_key, action, *, success, field_map=None, **form_kwargs):
    """Validate `form_class` from the POST, call `action(cleaned_data)`; on a refusal show the case page again."""
    form = form_class(request.POST, request.FILES, **form_kwargs)
    if form.is_valid():
        try:
            result = action(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, field_map)
        except PermissionDenied:
            form.add_error(None, _("You may not do this for this case."))
        else:
            if success:
                messages.success(request, success(result) if callable(success) else success)
            return redirect(f"{case_url(case)}#{form_key.removesuffix('_form')}")
    return _case_page(request, case, status=422, **{form_key: form})


def case_url(case) -> str:
    from django.urls import reverse

    return reverse("tracing:case_detail", kwargs={"case_id": case.pk})


@login_required
@require_POST
def case_edit(request, case_id: int):
    case = _changeable_case(request, case_id)
    return _post_form(request, case, forms.CaseEditForm, "edit_form", lambda d: services.case_update(
        case=case, actor=request.user, classification=d["classification"], clinical_status=d["clinical_status"],
        onset_date=d["onset_date"], window_start=d["window_start"], window_end=d["window_end"],
        summary=d["summary"]), success=_("Case updated."))


@login_required
@require_POST
def case_step(request, case_id: int):
    case = _changeable_case(request, case_id)
    form = forms.StepForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        services.case_mark(case=case, step=form.cleaned_data["step"], at=form.cleaned_data["at"], actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _case_page(request, case, status=422)
    messages.success(request, _("Recorded."))
    return redirect("tracing:case_detail", case_id=case.pk)


@login_required
@require_POST
def case_assign(request, case_id: int):
    case = _changeable_case(request, case_id)
    tracers = selectors.tracers_for(unit=case.unit)
    by_pk = {t.pk: t for t in tracers}
    return _post_form(request, case, forms.AssignForm, "assign_form", lambda d: services.case_assign(
        case=case, tracer=by_pk[d["tracer"]], actor=request.user), success=_("Tracer assigned."), tracers=tracers)


@login_required
@require_POST
def visit_add(request, case_id: int):
    case = _changeable_case(request, case_id)
    return _post_form(request, case, forms.VisitForm, "visit_form", lambda d: services.visit_add(
        case=case, actor=request.user, **d), success=_("Place added to the itinerary."))


@login_required
@require_POST
def visit_remove(request, case_id: int, visit_id: int):
    case = _changeable_case(request, case_id)
    visit = get_object_or_404(PlaceVisit, pk=visit_id, case=case)
    services.visit_remove(visit=visit, actor=request.user)
    messages.success(request, _("Place removed from the itinerary."))
    return redirect(f"{case_url(case)}#visit")


@login_required
@require_POST
def exposure_add(request, case_id: int):
    case = _changeable_case(request, case_id)
    return _post_form(request, case, forms.ExposureForm, "exposure_form", lambda d: services.exposure_add(
        case=case, actor=request.user, **d), success=_("Exposure recorded."))


def _add_contact(request, case, data, close_contacts):
    via = next((c for c in close_contacts if c.pk == data["via"]), None) if data["via"] else None
    person = None
    if data["id_number"]:
        person = services.person_for_contact(id_type=data["id_type"], id_number=data["id_number"])
    outside = None
    if person is None:
        if not data["name"]:
            raise ValidationError({"id_number": _("No one with this ID number is on file here: give their name, "
                                                  "phone and where they are for an assist request.")})
        outside = {"name": data["name"], "id_type": data["id_type"], "id_number": data["id_number"],
                   "phone": data["phone"], "address": data["address"]}
    return services.contact_add(case=case, actor=request.user, category=data["category"],
                                exposure_at=data["exposure_at"], reason=data["reason"], person=person, via=via,
                                outside=outside)


@login_required
@require_POST
def contact_add(request, case_id: int):
    case = _changeable_case(request, case_id)
    close_contacts = list(selectors.close_contacts_of(case=case))

    def success(contact):
        if contact.status == Contact.Status.ASSIST:
            return _("Assist request added: the HQ sends it to where the contact is.")
        if contact.status == Contact.Status.NOT_REQUIRED:
            return _("Contact recorded; the active protocol requires no measure for this category.")
        return _("Contact classified: the protocol's measures have started and their grid has the tasks.")

    return _post_form(request, case, forms.ContactForm, "contact_form",
                      lambda d: _add_contact(request, case, d, close_contacts), success=success,
                      close_contacts=close_contacts)


@login_required
@require_POST
def contacts_import(request, case_id: int):
    case = _changeable_case(request, case_id)
    form = forms.ContactsUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _case_page(request, case, status=422, upload_form=form)
    upload = form.cleaned_data["file"]
    report = imports.contacts_import(case=case, data=upload.read(), filename=upload.name, actor=request.user)
    if not report.ok:
        return _case_page(request, case, status=422, upload_form=form, import_report=report)
    messages.success(request, _("%(count)d contacts classified from the list.") % {"count": report.created})
    return redirect(f"{case_url(case)}#contacts")


@login_required
@require_POST
def contact_release(request, case_id: int, contact_id: int):
    case = _changeable_case(request, case_id)
    contact = get_object_or_404(Contact, pk=contact_id, case=case)
    form = forms.ReleaseForm(request.POST)
    if form.is_valid():
        try:
            services.contact_release(contact=contact, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Contact released."))
    else:
        messages.error(request, _("Say why the contact is released."))
    return redirect(f"{case_url(case)}#contacts")


def _link(request, case, data):
    other = services.case_by_number(data["other_number"], field="other_number")
    infector, infectee = (other, case) if data["direction"] == "from" else (case, other)
    return services.link_add(infector=infector, infectee=infectee, confidence=data["confidence"],
                             basis=data["basis"], actor=request.user)


@login_required
@require_POST
def link_add(request, case_id: int):
    case = _changeable_case(request, case_id)
    return _post_form(request, case, forms.LinkForm, "link_form", lambda d: _link(request, case, d),
                      success=_("Link recorded."), field_map={"infector": "other_number"})


@login_required
@require_POST
def link_remove(request, case_id: int, link_id: int):
    case = _changeable_case(request, case_id)
    link = get_object_or_404(Link.objects.select_related("infector", "infectee__unit"), pk=link_id, infectee=case)
    services.link_remove(link=link, actor=request.user)
    messages.success(request, _("Link removed."))
    return redirect(f"{case_url(case)}#links")


@login_required
@require_POST
def detection_new(request, case_id: int):
    case = _changeable_case(request, case_id)
    form = forms.DetectionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            run = jobs.detection_start(case=case, upload=form.cleaned_data["file"], actor=request.user,
                                       min_minutes=form.cleaned_data["min_minutes"],
                                       default_dwell_minutes=form.cleaned_data["default_dwell_minutes"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("tracing:run_detail", run_id=run.pk)
    return _case_page(request, case, status=422, detection_form=form)


@login_required
def run_detail(request, run_id: int):
    require_capability_or_404(request.user, "tracing.view")
    run = selectors.run_get(user=request.user, run_id=run_id)
    hits = selectors.run_hits(run=run)
    return render(request, "tracing/run_detail.html", {"run": run, "hits": hits, "case": run.case,
                                      "can_change": _can_change(request.user, run.case)})


@login_required
@require_POST
def hits_action(request, run_id: int):
    require_capability_or_404(request.user, "tracing.change")
    run = selectors.run_get(user=request.user, run_id=run_id, action="change")
    hit_ids = list(run.hits.filter(status=DetectionHit.Status.PROPOSED).values_list("pk", flat=True))
    form = forms.HitsForm(request.POST, hit_ids=hit_ids)
    if not form.is_valid():
        messages.error(request, _("Tick at least one person still to review."))
        return redirect("tracing:run_detail", run_id=run.pk)
    data = form.cleaned_data
    try:
        if data["action"] == "confirm":
            contacts = services.hits_confirm(run=run, hit_ids=data["hits"], category=data["category"],
                                             actor=request.user)
            messages.success(request, _("%(count)d contacts confirmed; their measures have started.") % {
                "count": len(contacts)})
        else:
            count = services.hits_dismiss(run=run, hit_ids=data["hits"], actor=request.user)
            messages.success(request, _("%(count)d dismissed.") % {"count": count})
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("tracing:run_detail", run_id=run.pk)
