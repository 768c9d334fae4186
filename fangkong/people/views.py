from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.audit.selectors import audit_for_object
from fangkong.core.forms import add_service_errors
from fangkong.core.imports import INLINE_MAX_BYTES
from fangkong.core.masking import mask_address, mask_id_number, mask_phone
from fangkong.core.pagination import page_from_request
from fangkong.people import selectors, services
from fangkong.people.forms import ImportForm, MergeForm, NewPersonForm, PersonForm, RevealForm, SearchForm, StatusForm
from fangkong.people.imports import people_import_csv, people_import_start
from fangkong.people.models import IdType
from fangkong.people.panels import person_panels


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _task_url(task_id: int) -> str | None:
    try:
        return reverse("tasks:task", kwargs={"task_id": task_id})
    except NoReverseMatch:
        return None


@login_required
@vary_on_headers("HX-Request")
def search(request):
    form = SearchForm(request.GET or None, nodes=selectors.nodes_for_filter(user=request.user))
    query, filters = "", selectors.PersonFilters()
    if form.is_valid():
        query = form.cleaned_data["q"]
        filters = selectors.PersonFilters.from_params(request.GET)
    people = selectors.person_search(user=request.user, query=query, filters=filters)
    page = page_from_request(people, request, size=50)
    params = request.GET.copy()
    params.pop("after", None)
    context = {"form": form, "page": page, "query": query, "params": params.urlencode(),
               "can_change": has_capability(request.user, "people.change")}
    template = "people/search.html"
    if request.htmx and request.htmx.target != "content":
        template += "#more-rows" if request.GET.get("after") else "#results"
    return render(request, template, context)


def _masked(person) -> dict:
    return {
        "id_number": mask_id_number(person.id_number),
        "phone": mask_phone(person.phone),
        "address": mask_address(person.address),
    }


def _person_context(request, person, **extra) -> dict:
    user = request.user
    history = selectors.person_status_history(person=person)
    tasks = [(task, _task_url(task.pk)) for task in selectors.person_tasks(user=user, person=person)]
    members = selectors.household_members(user=user, household=person.household) if person.household_id else []
    return {
        "person": person,
        "masked": _masked(person),
        "tags": [t.get_tag_display() for t in person.tags.all()],
        "history": history,
        "tasks": tasks,
        "members": members,
        "audit": audit_for_object(user=user, obj=person),
        "can_reveal": has_capability(user, "people.reveal"),
        "can_change": has_capability(user, "people.change"),
        "reveal_form": RevealForm(),
        "panels": [render_to_string(template, context, request) for template, context
                   in person_panels(user=user, person=person)],
        **extra,
    }


@login_required
def person(request, person_id: int):
    person = selectors.person_get(user=request.user, person_id=person_id)
    if person.merged_into_id:
        messages.info(request, _("%(name)s (no. %(id)d) was merged into this record.")
                      % {"name": person.name, "id": person.pk})
        return redirect("people:person", person_id=person.merged_into_id)
    return render(request, "people/person.html", _person_context(request, person))


@login_required
@require_POST
def person_reveal(request, person_id: int):
    require_capability_or_404(request.user, "people.reveal")
    person = selectors.person_get(user=request.user, person_id=person_id)
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = services.person_reveal(person=person, actor=request.user, reason=form.cleaned_data["reason"],
                                              ip=_client_ip(request))
        except ValidationError as exc:
            add_service_errors(form, exc)
    context = {"person": person, "reveal_form": form, "revealed": revealed, "can_reveal": True}
    if request.htmx:
        return render(request, "people/person.html#identity", {**context, "masked": _masked(person)})
    return render(request, "people/person.html", _person_context(request, person, **context))


@login_required
def person_new(request):
    require_capability_or_404(request.user, "people.change")
    household = None
    household_id = request.GET.get("household") or request.POST.get("household")
    if household_id:
        try:
            household = selectors.household_get(user=request.user, household_id=int(household_id), action="change")
        except ValueError:
            raise Http404 from None
    form = NewPersonForm(request.POST or None, household=household)
    existing = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        building = None
        if household is None:
            building = selectors.building_by_code(user=request.user, code=data["building_code"], action="change")
            if building is None:
                form.add_error("building_code", _("No building with this code in your jurisdiction."))
        if form.is_valid():
            try:
                person = services.person_create(
                    name=data["name"], id_type=data["id_type"], id_number=data["id_number"], phone=data["phone"],
                    address=data["address"], tags=data["tags"], birth_date=data["birth_date"], sex=data["sex"],
                    household=household, unit=building, door=data.get("door", ""), actor=request.user,
                )
            except services.DuplicatePerson as exc:
                existing = exc.existing
                add_service_errors(form, exc)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("%(name)s is on file.") % {"name": person.name})
                return redirect("people:person", person_id=person.pk)
    return render(request, "people/person_form.html",
                  {"form": form, "household": household, "existing": existing, "person": None})


@login_required
def person_edit(request, person_id: int):
    require_capability_or_404(request.user, "people.change")
    person = selectors.person_get(user=request.user, person_id=person_id, action="change")
    if person.merged_into_id:
        return redirect("people:person", person_id=person.merged_into_id)
    initial = {
        "name": person.name, "id_type": person.id_type, "address": person.address, "sex": person.sex,
        "birth_date": person.birth_date, "tags": list(person.tags.values_list("tag", flat=True)),
    }
    form = PersonForm(request.POST or None, initial=initial, person=person)
    existing = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {"name": data["name"], "address": data["address"], "tags": data["tags"]}
        if data["id_number"]:
            changes.update(id_type=data["id_type"], id_number=data["id_number"])
        if data["phone"]:
            changes["phone"] = data["phone"]
        if data["id_type"] != IdType.RESIDENT:
            changes.update(birth_date=data["birth_date"], sex=data["sex"])
        try:
            services.person_update(person=person, actor=request.user, **changes)
        except services.DuplicatePerson as exc:
            existing = exc.existing
            add_service_errors(form, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("people:person", person_id=person.pk)
    return render(request, "people/person_form.html",
                  {"form": form, "household": person.household, "existing": existing, "person": person})


@login_required
def person_status(request, person_id: int):
    require_capability_or_404(request.user, "people.change")
    person = selectors.person_get(user=request.user, person_id=person_id, action="change")
    if person.merged_into_id:
        return redirect("people:person", person_id=person.merged_into_id)
    form = StatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.person_status_change(person=person, to_status=data["to_status"], cause=data["cause"],
                                          at=data["at"], actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Status changed."))
            return redirect("people:person", person_id=person.pk)
    return render(request, "people/status_form.html", {"form": form, "person": person})


@login_required
def household(request, household_id: int):
    household = selectors.household_get(user=request.user, household_id=household_id)
    members = [
        (m, mask_id_number(m.id_number), mask_phone(m.phone))
        for m in selectors.household_members(user=request.user, household=household)
    ]
    return render(request, "people/household.html", {
        "household": household, "members": members, "address": mask_address(household.address),
        "can_change": has_capability(request.user, "people.change"),
    })


@login_required
def duplicates(request):
    require_capability_or_404(request.user, "people.merge")
    groups = selectors.duplicate_groups(user=request.user)
    return render(request, "people/duplicates.html", {"groups": groups, "mask_id_number": mask_id_number})


@login_required
@require_POST
def merge(request):
    require_capability_or_404(request.user, "people.merge")
    form = MergeForm(request.POST)
    if not form.is_valid():
        raise Http404
    survivor = selectors.person_get(user=request.user, person_id=form.cleaned_data["survivor"], action="change")
    duplicate = selectors.person_get(user=request.user, person_id=form.cleaned_data["duplicate"], action="change")
    try:
        services.person_merge(survivor=survivor, duplicate=duplicate, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("people:duplicates")
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("%(duplicate)s (no. %(id)d) was merged into this record.")
                     % {"duplicate": duplicate.name, "id": duplicate.pk})
    return redirect("people:person", person_id=survivor.pk)


@login_required
def import_people(request):
    require_capability_or_404(request.user, "people.change")
    form = ImportForm(request.POST or None, request.FILES or None)
    report, job = None, None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size <= INLINE_MAX_BYTES:
            report = people_import_csv(source=upload.read(), actor=request.user)
        else:
            job = people_import_start(upload=upload, actor=request.user)
    return render(request, "people/import.html", {"form": form, "report": report, "job": job})
