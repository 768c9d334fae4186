"""The resident's pages: sign in with a code, see one's record, check in for oneself or a dependent."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fangkong.core.forms import add_service_errors
from fangkong.residents import selectors, services, signin
from fangkong.residents.forms import CheckInForm, CodeForm, IdNumberForm
from fangkong.residents.session import (
    LARGE_TEXT_COOKIE,
    clear_session_cookie,
    resident_required,
    session_key,
    set_session_cookie,
)

_CHALLENGE = "resident_challenge"
_DEMO_CODE = "resident_demo_code"


@never_cache
def signin_page(request):
    if request.method == "GET" and signin.session_person(session_key(request)) is not None:
        return redirect("residents:home")
    form = IdNumberForm(request.POST or None)
    limited, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                requested = signin.code_request(id_number=form.cleaned_data["id_number"],
                                                ip=request.META.get("REMOTE_ADDR"))
            except signin.RateLimited as exc:
                limited, status = exc.message, 429
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 422
            else:
                request.session[_CHALLENGE] = requested.challenge.pk
                request.session.pop(_DEMO_CODE, None)
                if signin.show_code_on_page() and requested.code:
                    request.session[_DEMO_CODE] = requested.code
                return redirect("residents:code")
        else:
            status = 422
    return render(request, "residents/signin.html", {"form": form, "limited": limited}, status=status)


@never_cache
def code_page(request):
    challenge_id = request.session.get(_CHALLENGE)
    if challenge_id is None:
        return redirect("residents:signin")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _person, key = signin.code_verify(challenge_id=challenge_id, code=form.cleaned_data["code"])
            except signin.CodeRefused as exc:
                form.add_error("code", exc.message)
                status = 422
            else:
                request.session.pop(_CHALLENGE, None)
                request.session.pop(_DEMO_CODE, None)
                request.session.cycle_key()
                response = redirect("residents:home")
                set_session_cookie(response, key)
                return response
        else:
            status = 422
    return render(request, "residents/code.html", {
        "form": form, "message": signin.neutral_message(), "demo_code": request.session.get(_DEMO_CODE)},
        status=status)


@never_cache
@resident_required
def home(request):
    return render(request, "residents/home.html", {"board": selectors.dashboard(person=request.resident)})


def _checkin(request, person):
    form = CheckInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.checkin_submit(reporter=request.resident, person=person, temperature=data["temperature"],
                                        symptoms=data["symptoms"], note=data["note"])
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 422
            else:
                return redirect(f"{_home_url()}?checked_in={person.pk}#checkin-done")
        else:
            status = 422
    return render(request, "residents/checkin.html", {
        "form": form, "subject": person, "proxy": person.pk != request.resident.pk}, status=status)


def _home_url() -> str:
    from django.urls import reverse

    return reverse("residents:home")


@never_cache
@resident_required
def checkin_self(request):
    if not selectors.checks_in(request.resident):
        raise Http404
    return _checkin(request, request.resident)


@never_cache
@resident_required
def checkin_dependent(request, person_id: int):
    return _checkin(request, selectors.dependent_get(reporter=request.resident, person_id=person_id))


@require_POST
def signout(request):
    signin.session_end(key=session_key(request))
    response = redirect("residents:signin")
    clear_session_cookie(response)
    return response


@require_POST
def text_size(request):
    """The large-text toggle: a cookie, so it holds before sign-in as after."""
    target = request.POST.get("next") or _home_url()
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = _home_url()
    response = redirect(target)
    if request.COOKIES.get(LARGE_TEXT_COOKIE) == "1":
        response.delete_cookie(LARGE_TEXT_COOKIE)
    else:
        response.set_cookie(LARGE_TEXT_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
