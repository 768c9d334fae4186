"""Security settings a user or an auditor would notice: lockout, CSP, CSRF, cookies, production, idempotency."""

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from fangkong.accounts.models import ApiToken, User
from fangkong.core.middleware import CSP
from tests import idempotency_urls

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
ROOT = Path(__file__).resolve().parent.parent


def log_in(client, username, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


# --- login lockout ------------------------------------------------------------------------------------------


def test_sixth_attempt_after_five_failures_is_refused_even_with_the_right_password(client, grid_worker_a):
    for attempt in range(4):
        response = log_in(client, "grid_a", "wrong-password")
        assert response.status_code == 200, f"attempt {attempt + 1} should just show the form again"
    # The fifth failure locks the username at once.
    assert log_in(client, "grid_a", "wrong-password").status_code == 429

    response = log_in(client, "grid_a")

    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("core:home")).status_code == 302


def test_lockout_is_per_username_not_per_office(client, grid_worker_a, grid_worker_b):
    for _ in range(5):
        log_in(client, "grid_a", "wrong-password")

    assert log_in(Client(), "grid_b").status_code == 302


def test_lockout_page_tells_the_user_what_to_do(client, grid_worker_a):
    for _ in range(5):
        log_in(client, "grid_a", "wrong-password")

    response = log_in(Client(headers={"Accept-Language": "en"}), "grid_a")

    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()


def test_failures_below_the_limit_are_forgotten_after_a_success(client, grid_worker_a):
    for _ in range(4):
        log_in(client, "grid_a", "wrong-password")
    assert log_in(client, "grid_a").status_code == 302
    client.post(reverse("accounts:logout"))

    for _ in range(4):
        log_in(client, "grid_a", "wrong-password")

    assert log_in(client, "grid_a").status_code == 302


# --- Content-Security-Policy and inline code ------------------------------------------------------------------


class InlineCodeFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> block")
        if "style" in names:
            self.problems.append(f"style= on <{tag}>")
        self.problems += [f"{name}= on <{tag}>" for name in names if name.startswith("on")]
        for name, value in attrs:
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.problems


def test_csp_forbids_inline_scripts():
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP and "unsafe-eval" not in CSP


PAGES = {
    "hq": ["command:dashboard", "accounts:profile", "accounts:tokens", "accounts:access_log"],
    "grid_a": ["core:home", "accounts:profile"],
    "admin": ["accounts:users", "accounts:user_create", "command:dashboard"],
}


@pytest.mark.parametrize("username", list(PAGES))
def test_pages_carry_csp_and_no_inline_code(client, city, hq, grid_worker_a, username):
    from fangkong.accounts.roles import Role

    User.objects.create_user(username="admin", password=PASSWORD, role=Role.ADMIN, scope=city.city)
    client.force_login(User.objects.get(username=username))

    for name in PAGES[username]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert response["Content-Security-Policy"] == CSP, name
        assert inline_code(response.content.decode()) == [], name


def test_login_page_carries_csp_and_no_inline_code(client, city):
    response = client.get(reverse("accounts:login"))

    assert response["Content-Security-Policy"] == CSP
    assert inline_code(response.content.decode()) == []
    assert response["X-Frame-Options"] == "DENY"


def test_inline_code_finder_finds_inline_code():
    assert inline_code('<script>alert(1)</script><p style="x" onclick="y"><a href="javascript:z">') == [
        "inline <script>", "style= on <p>", "onclick= on <p>", "javascript: URL on <a>",
    ]


# --- CSRF and cookies -------------------------------------------------------------------------------------------


def test_post_form_without_csrf_token_is_refused(grid_worker_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(grid_worker_a)

    response = client.post(reverse("accounts:profile"), {"form": "profile", "display_name": "Mallory"})

    assert response.status_code == 403
    grid_worker_a.refresh_from_db()
    assert grid_worker_a.display_name == "grid_a"


def test_post_form_with_csrf_token_is_accepted(grid_worker_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(grid_worker_a)
    client.get(reverse("accounts:profile"))

    response = client.post(reverse("accounts:profile"), {
        "form": "profile", "display_name": "张三", "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
    })

    assert response.status_code == 302


def test_login_form_needs_csrf_token(grid_worker_a):
    client = Client(enforce_csrf_checks=True)

    response = log_in(client, "grid_a")

    assert response.status_code == 403


def test_session_cookie_is_httponly(client, grid_worker_a):
    response = log_in(client, "grid_a")

    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"].lower() == "lax"


def production_settings(**extra_env) -> dict:
    """Import fangkong.settings in a fresh interpreter with FANGKONG_PRODUCTION=1 and report what it says."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FANGKONG_", "DJANGO_", "DATABASE_URL"))}
    env.update({"FANGKONG_PRODUCTION": "1", "FANGKONG_SECRET_KEY": "x" * 50, "FANGKONG_ALLOWED_HOSTS": "fk.example",
                "FANGKONG_DATA_DIR": str(ROOT / "var"), **extra_env})
    code = (
        "import json, fangkong.settings as s; print(json.dumps({k: getattr(s, k, None) for k in "
        "['DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS',"
        " 'SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER', 'PASSWORD_HASHERS', 'X_FRAME_OPTIONS']}))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_settings_are_secure():
    prod = production_settings()

    assert prod["DEBUG"] is False
    assert prod["SESSION_COOKIE_SECURE"] is True and prod["CSRF_COOKIE_SECURE"] is True
    assert prod["SESSION_COOKIE_HTTPONLY"] is True
    assert prod["SECURE_HSTS_SECONDS"] >= 31536000
    assert prod["SECURE_SSL_REDIRECT"] is True
    assert prod["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.ScryptPasswordHasher"
    assert prod["X_FRAME_OPTIONS"] == "DENY"


def test_production_refuses_to_start_with_the_default_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FANGKONG_", "DJANGO_", "DATABASE_URL"))}
    env.update({"FANGKONG_PRODUCTION": "1", "FANGKONG_ALLOWED_HOSTS": "fk.example",
                "FANGKONG_DATA_DIR": str(ROOT / "var"), "DJANGO_SETTINGS_MODULE": "fangkong.settings"})

    result = subprocess.run([sys.executable, "-m", "django", "check"], env=env, cwd=ROOT, capture_output=True,
                            text=True)

    assert result.returncode != 0
    assert "fangkong.E002" in result.stderr + result.stdout


def test_development_settings_do_not_demand_https():
    assert settings.SESSION_COOKIE_SECURE is False
    assert settings.SESSION_COOKIE_HTTPONLY is True


# --- Idempotency-Key -----------------------------------------------------------------------------------------------


@pytest.fixture
def calls():
    idempotency_urls.CALLS.clear()
    yield idempotency_urls.CALLS
    idempotency_urls.CALLS.clear()


AUTH = {"Authorization": "Bearer device-1"}


@override_settings(ROOT_URLCONF="tests.idempotency_urls")
def test_retry_with_the_same_key_replays_without_running_again(client, calls):
    first = client.post("/api/test/counter/", headers={**AUTH, "Idempotency-Key": "k-1"})
    retry = client.post("/api/test/counter/", headers={**AUTH, "Idempotency-Key": "k-1"})

    assert first.status_code == retry.status_code == 201
    assert first.json() == retry.json() == {"run": 1}
    assert retry["Idempotent-Replayed"] == "true"
    assert calls == ["/api/test/counter/"]


@override_settings(ROOT_URLCONF="tests.idempotency_urls")
def test_same_key_on_another_path_is_422(client, calls):
    client.post("/api/test/counter/", headers={**AUTH, "Idempotency-Key": "k-2"})

    response = client.post("/api/test/other/", headers={**AUTH, "Idempotency-Key": "k-2"})

    assert response.status_code == 422
    assert calls == ["/api/test/counter/"]


@override_settings(ROOT_URLCONF="tests.idempotency_urls")
def test_new_key_or_other_caller_runs_again(client, calls):
    client.post("/api/test/counter/", headers={**AUTH, "Idempotency-Key": "k-3"})
    client.post("/api/test/counter/", headers={**AUTH, "Idempotency-Key": "k-4"})
    other = client.post("/api/test/counter/", headers={"Authorization": "Bearer device-2", "Idempotency-Key": "k-3"})

    assert other.json() == {"run": 3}
    assert len(calls) == 3


@override_settings(ROOT_URLCONF="tests.idempotency_urls")
def test_no_key_means_no_replay(client, calls):
    client.post("/api/test/counter/", headers=AUTH)
    client.post("/api/test/counter/", headers=AUTH)

    assert len(calls) == 2


@override_settings(ROOT_URLCONF="tests.idempotency_urls")
def test_server_error_is_not_stored_so_the_device_may_retry(client, calls):
    client.post("/api/test/flaky/", headers={**AUTH, "Idempotency-Key": "k-5"})
    retry = client.post("/api/test/flaky/", headers={**AUTH, "Idempotency-Key": "k-5"})

    assert retry.status_code == 503 and "Idempotent-Replayed" not in retry
    assert len(calls) == 2


@override_settings(ROOT_URLCONF="tests.idempotency_urls")
def test_overlong_key_is_400(client, calls):
    response = client.post("/api/test/counter/", headers={**AUTH, "Idempotency-Key": "k" * 129})

    assert response.status_code == 400
    assert calls == []


def test_real_api_write_is_not_repeated_on_retry(client, officer_a):
    _, raw = ApiToken.issue(user=officer_a, name="pad")
    headers = {"Authorization": f"Bearer {raw}", "Idempotency-Key": "issue-1"}

    first = client.post("/api/v1/accounts/tokens", {"name": "phone"}, content_type="application/json", headers=headers)
    retry = client.post("/api/v1/accounts/tokens", {"name": "phone"}, content_type="application/json", headers=headers)

    assert first.status_code == retry.status_code == 201
    assert first.json()["id"] == retry.json()["id"]
    assert ApiToken.objects.filter(user=officer_a, name="phone").count() == 1
