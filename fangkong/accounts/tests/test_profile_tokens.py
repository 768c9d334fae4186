"""Own profile, password and device tokens."""

import pytest
from django.urls import reverse

from fangkong.accounts.models import ApiToken
from fangkong.accounts.tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_user_edits_own_name_and_phone(client, grid_worker_a):
    client.force_login(grid_worker_a)

    response = client.post(reverse("accounts:profile"),
                           {"form": "profile", "display_name": "张三", "phone": "138 0013 8000"}, follow=True)

    grid_worker_a.refresh_from_db()
    assert (grid_worker_a.display_name, grid_worker_a.phone) == ("张三", "13800138000")
    assert "张三" in response.content.decode()


def test_bad_phone_is_named_and_nothing_is_saved(client, grid_worker_a):
    client.force_login(grid_worker_a)

    response = client.post(reverse("accounts:profile"), {"form": "profile", "display_name": "张三", "phone": "12345"})

    assert response.status_code == 200
    assert response.context["profile_form"].errors["phone"]
    grid_worker_a.refresh_from_db()
    assert (grid_worker_a.display_name, grid_worker_a.phone) == ("grid_a", "")


def test_password_change_keeps_the_session(client, grid_worker_a):
    client.force_login(grid_worker_a)
    new = "a-new-long-passphrase"

    response = client.post(reverse("accounts:profile"), {
        "form": "password", "old_password": PASSWORD, "new_password1": new, "new_password2": new,
    })

    assert response.status_code == 302
    grid_worker_a.refresh_from_db()
    assert grid_worker_a.check_password(new)
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_password_change_with_wrong_old_password_is_refused(client, grid_worker_a):
    client.force_login(grid_worker_a)

    response = client.post(reverse("accounts:profile"), {
        "form": "password", "old_password": "wrong", "new_password1": "x-new-passphrase-1",
        "new_password2": "x-new-passphrase-1",
    })

    assert response.context["password_form"].errors["old_password"]
    grid_worker_a.refresh_from_db()
    assert grid_worker_a.check_password(PASSWORD)


def test_token_is_shown_once_and_works(client, grid_worker_a):
    client.force_login(grid_worker_a)

    response = client.post(reverse("accounts:tokens"), {"name": "张三的手机"})

    raw = response.context["raw_token"]
    assert raw and raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=grid_worker_a)
    assert token.name == "张三的手机" and raw not in token.digest
    listing = client.get(reverse("accounts:tokens")).content.decode()
    assert "张三的手机" in listing and raw not in listing
    assert ApiToken.user_for(raw) == grid_worker_a


def test_token_needs_a_device_name(client, grid_worker_a):
    client.force_login(grid_worker_a)

    response = client.post(reverse("accounts:tokens"), {"name": "  "})

    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_revoked_token_stops_working(client, grid_worker_a):
    token, raw = ApiToken.issue(user=grid_worker_a, name="phone")
    client.force_login(grid_worker_a)

    response = client.post(reverse("accounts:token_revoke", kwargs={"token_id": token.pk}))

    assert response.status_code == 302
    assert ApiToken.user_for(raw) is None


def test_cannot_revoke_someone_elses_token(client, grid_worker_a, grid_worker_b):
    token, raw = ApiToken.issue(user=grid_worker_b, name="phone")
    client.force_login(grid_worker_a)

    response = client.post(reverse("accounts:token_revoke", kwargs={"token_id": token.pk}))

    assert response.status_code == 404
    assert ApiToken.user_for(raw) == grid_worker_b


def test_token_use_is_recorded(grid_worker_a):
    token, raw = ApiToken.issue(user=grid_worker_a, name="phone")

    ApiToken.user_for(raw)

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_logout_needs_post(client, grid_worker_a):
    client.force_login(grid_worker_a)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 302
