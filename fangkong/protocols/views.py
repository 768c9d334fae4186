import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.core.pagination import page_from_request
from fangkong.protocols import presenters, selectors, services
from fangkong.protocols.forms import CopyForm, JsonRulesForm, RulesForm, form_field_for
from fangkong.protocols.models import RuleSetVersion


def _add_errors(form, exc: ValidationError) -> None:
    if isinstance(exc, services.RulesInvalid) and isinstance(form, RulesForm):
        field = form_field_for(exc.path, form)
        if field is not None:
            form.add_error(field, f"{presenters.path_label(exc.path)}: {exc.detail}")
            return
    add_service_errors(form, exc)


def _editable(request, rule_set_id: int):
    require_capability_or_404(request.user, "protocols.change")
    rule_set = selectors.ruleset_get(user=request.user, rule_set_id=rule_set_id)
    if rule_set.is_preset:
        messages.error(request, _("A preset cannot be edited; copy it first and edit the copy."))
        return rule_set, redirect("protocols:ruleset", rule_set_id=rule_set.pk)
    return rule_set, None


@login_required
def index(request):
    require_capability_or_404(request.user, "protocols.view")
    return render(request, "protocols/index.html", {
        "rule_sets": selectors.ruleset_list(user=request.user),
        "due": page_from_request(selectors.due_tomorrow(user=request.user), request, size=100, descending=False),
        "can_change": has_capability(request.user, "protocols.change"),
    })


@login_required
def ruleset(request, rule_set_id: int):
    rule_set = selectors.ruleset_get(user=request.user, rule_set_id=rule_set_id)
    versions = selectors.ruleset_versions(rule_set=rule_set)
    if not versions:
        raise Http404
    shown = versions[0]
    if request.GET.get("version", "").isdigit():
        shown = next((v for v in versions if v.number == int(request.GET["version"])), None)
        if shown is None:
            raise Http404
    history = []
    for index, version in enumerate(versions):
        previous = versions[index + 1] if index + 1 < len(versions) else None
        history.append((version, presenters.version_changes(previous.rules if previous else None, version.rules)))
    return render(request, "protocols/ruleset.html", {
        "rule_set": rule_set, "version": shown, "current": versions[0], "history": history,
        "plans": presenters.plan_rows(shown.rules), "general": presenters.general_rows(shown.rules),
        "lifting": presenters.lifting_rows(shown.rules), "extra": presenters.extra_rows(shown.rules),
        "can_change": has_capability(request.user, "protocols.change"),
    })


@login_required
def ruleset_copy(request, rule_set_id: int):
    require_capability_or_404(request.user, "protocols.change")
    rule_set = selectors.ruleset_get(user=request.user, rule_set_id=rule_set_id)
    form = CopyForm(request.POST or None, initial={"name": _("%(name)s (local)") % {"name": rule_set.name}})
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.ruleset_copy(rule_set=rule_set, name=form.cleaned_data["name"], actor=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Copied. Edit the copy, then activate it."))
            return redirect("protocols:ruleset", rule_set_id=copy.pk)
    return render(request, "protocols/copy.html", {"rule_set": rule_set, "form": form})


@login_required
def ruleset_edit(request, rule_set_id: int):
    rule_set, refused = _editable(request, rule_set_id)
    if refused:
        return refused
    current = selectors.current_version(rule_set)
    form = RulesForm(request.POST or None, rules=current.rules, description=rule_set.description)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.ruleset_edit(rule_set=rule_set, rules_dict=form.rules_dict(),
                                            note=form.cleaned_data["note"], actor=request.user,
                                            description=form.cleaned_data["description"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Saved as version %(number)d.") % {"number": version.number})
            return redirect("protocols:ruleset", rule_set_id=rule_set.pk)
    return render(request, "protocols/edit.html", {"rule_set": rule_set, "current": current, "form": form})


@login_required
def ruleset_edit_json(request, rule_set_id: int):
    rule_set, refused = _editable(request, rule_set_id)
    if refused:
        return refused
    current = selectors.current_version(rule_set)
    form = JsonRulesForm(request.POST or None,
                         initial={"rules": json.dumps(current.rules, ensure_ascii=False, indent=2)})
    if request.method == "POST" and form.is_valid():
        try:
            version = services.ruleset_edit(rule_set=rule_set, rules_dict=form.cleaned_data["rules"],
                                            note=form.cleaned_data["note"], actor=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Saved as version %(number)d.") % {"number": version.number})
            return redirect("protocols:ruleset", rule_set_id=rule_set.pk)
    return render(request, "protocols/edit_json.html", {"rule_set": rule_set, "current": current, "form": form})


@login_required
def ruleset_activate(request, rule_set_id: int):
    require_capability_or_404(request.user, "protocols.change")
    rule_set = selectors.ruleset_get(user=request.user, rule_set_id=rule_set_id)
    error = None
    if request.method == "POST":
        try:
            services.ruleset_activate(rule_set=rule_set, actor=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("%(name)s is now the active rule set. Running measures keep their rules.")
                             % {"name": rule_set.name})
            return redirect("protocols:ruleset", rule_set_id=rule_set.pk)
    try:
        active = selectors.active_version()
    except RuleSetVersion.DoesNotExist:  # none active yet: nothing to compare with
        active = None
    return render(request, "protocols/activate.html", {
        "rule_set": rule_set, "current": selectors.current_version(rule_set), "active": active, "error": error})
