from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from fangkong.accounts import selectors, services
from fangkong.accounts.forms import (
    AccessLogFilterForm,
    ProfileForm,
    TokenIssueForm,
    UserCreateForm,
    UserFilterForm,
)
from fangkong.accounts.models import AccessLog, User
from fangkong.accounts.roles import has_capability
from fangkong.core.pagination import page_from_request


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


def _require(request, capability: str) -> None:
    if not has_capability(request.user, capability):
        raise PermissionDenied(capability)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def profile(request):
    user = request.user
    profile_form = ProfileForm(initial={"display_name": user.display_name, "phone": user.phone})
    password_form = PasswordChangeForm(user)
    if request.method == "POST":
        if request.POST.get("form") == "password":
            password_form = PasswordChangeForm(user, request.POST)
            if password_form.is_valid():
                password_form.save()
                update_session_auth_hash(request, password_form.user)
                messages.success(request, _("Your password was changed."))
                return redirect("accounts:profile")
        else:
            profile_form = ProfileForm(request.POST)
            if profile_form.is_valid():
                try:
                    services.user_profile_update(user=user, actor=user, **profile_form.cleaned_data)
                except ValidationError as exc:
                    _add_errors(profile_form, exc)
                else:
                    messages.success(request, _("Your profile was saved."))
                    return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"profile_form": profile_form, "password_form": password_form})


@never_cache
@login_required
def tokens(request):
    form = TokenIssueForm()
    raw_token = None
    if request.method == "POST":
        form = TokenIssueForm(request.POST)
        if form.is_valid():
            try:
                token, raw_token = services.token_issue(user=request.user, name=form.cleaned_data["name"],
                                                        actor=request.user)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                form = TokenIssueForm()
    return render(request, "accounts/tokens.html", {
        "form": form, "raw_token": raw_token, "tokens": selectors.token_list(user=request.user),
    })


@require_POST
@login_required
def token_revoke(request, token_id: int):
    token = selectors.token_get(user=request.user, pk=token_id)
    services.token_revoke(token=token, actor=request.user)
    messages.success(request, _("The token for %(device)s was revoked.") % {"device": token.name})
    return redirect("accounts:tokens")


@vary_on_headers("HX-Request")
@login_required
def access_log(request):
    _require(request, "accounts.view_access_log")
    form = AccessLogFilterForm(request.GET or None)
    filters = form.filters() if request.GET else selectors.AccessLogFilters()
    qs = selectors.access_log_list(user=request.user, filters=filters) if filters else AccessLog.objects.none()
    name = "accounts/access_log.html" + ("#results" if request.htmx else "")
    return render(request, name, {"form": form, "page": page_from_request(qs, request)})


@vary_on_headers("HX-Request")
@login_required
def users(request):
    _require(request, "accounts.manage")
    form = UserFilterForm(request.GET or None)
    filters = form.filters() if request.GET else selectors.UserFilters()
    qs = selectors.user_list(user=request.user, filters=filters) if filters else User.objects.none()
    page = page_from_request(qs, request)
    locked = selectors.locked_usernames(u.username for u in page.items)
    name = "accounts/users.html" + ("#results" if request.htmx else "")
    return render(request, name, {"form": form, "page": page, "locked": locked})


@login_required
def user_create(request):
    _require(request, "accounts.manage")
    choices = selectors.scope_choices(user=request.user)
    form = UserCreateForm(request.POST or None, scope_queryset=choices)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The account %(username)s was created.") % {"username": user.username})
            return redirect("accounts:users")
    return render(request, "accounts/user_create.html", {"form": form})


@require_POST
@login_required
def user_deactivate(request, user_id: int):
    _require(request, "accounts.manage")
    user = selectors.user_get(user=request.user, pk=user_id)
    try:
        services.user_deactivate(user=user, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(user)s can no longer log in.") % {"user": user})
    return redirect("accounts:users")


@require_POST
@login_required
def user_unlock(request, user_id: int):
    _require(request, "accounts.manage")
    user = selectors.user_get(user=request.user, pk=user_id)
    services.user_unlock(user=user, actor=request.user)
    messages.success(request, _("%(user)s can log in again.") % {"user": user})
    return redirect("accounts:users")
