"""The resident session on a request: the signed cookie set at sign-in, checked against ResidentSession."""

from functools import wraps

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect

from fangkong.residents import signin

LARGE_TEXT_COOKIE = "fk_large_text"


def session_key(request) -> str | None:
    return request.get_signed_cookie(signin.COOKIE, default=None, salt=signin.COOKIE_SALT,
                                     max_age=signin.session_hours() * 3600)


def set_session_cookie(response, key: str) -> None:
    response.set_signed_cookie(signin.COOKIE, key, salt=signin.COOKIE_SALT, max_age=signin.session_hours() * 3600,
                               httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)


def clear_session_cookie(response) -> None:
    response.delete_cookie(signin.COOKIE, samesite="Lax")


def resident_required(view):
    """The signed-in resident as request.resident. Without one: a page goes to the sign-in, an object URL is a 404
    (a missing and a forbidden member look the same)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        person = signin.session_person(session_key(request))
        if person is None:
            if kwargs:
                raise Http404
            return redirect("residents:signin")
        request.resident = person
        return view(request, *args, **kwargs)

    return wrapped
