"""GET /api/v1/accounts/me and device tokens over the API, with a Bearer token or a session."""

import pytest
from django.test import Client

from fangkong.accounts.models import ApiToken

pytestmark = pytest.mark.django_db
ME = "/api/v1/accounts/me"


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def test_me_with_a_token(client, officer_a, city):
    _, raw = ApiToken.issue(user=officer_a, name="pad")

    response = client.get(ME, headers=bearer(raw))

    assert response.status_code == 200
    body = response.json()
    assert (body["username"], body["role"]) == ("officer_a", "officer")
    assert body["scope"] == {"id": city.a.district.pk, "name": "东城区", "path": city.a.district.path, "level": 2}
    assert "people.reveal" in body["capabilities"] and "accounts.manage" not in body["capabilities"]


def test_revoked_or_unknown_token_is_401(client, officer_a):
    from fangkong.accounts.services import token_revoke

    token, raw = ApiToken.issue(user=officer_a, name="pad")
    token_revoke(token=token, actor=officer_a)

    assert client.get(ME, headers=bearer(raw)).status_code == 401
    assert client.get(ME, headers=bearer("fk_nonsense")).status_code == 401
    assert client.get(ME).status_code == 401


def test_token_of_a_deactivated_user_is_401(client, officer_a):
    _, raw = ApiToken.issue(user=officer_a, name="pad")
    officer_a.is_active = False
    officer_a.save()

    assert client.get(ME, headers=bearer(raw)).status_code == 401


def test_session_auth_reads_and_needs_csrf_to_write(officer_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer_a)

    assert client.get(ME).json()["username"] == "officer_a"
    refused = client.post("/api/v1/accounts/tokens", {"name": "pad"}, content_type="application/json")
    assert refused.status_code in (401, 403)
    assert not ApiToken.objects.exists()

    client.get("/accounts/profile/")
    csrf = client.cookies["csrftoken"].value
    created = client.post("/api/v1/accounts/tokens", {"name": "pad"}, content_type="application/json",
                          headers={"X-CSRFToken": csrf})
    assert created.status_code == 201
    assert ApiToken.user_for(created.json()["token"]) == officer_a


def test_token_revoke_over_api_is_own_only(client, officer_a, officer_b):
    mine, raw = ApiToken.issue(user=officer_a, name="pad")
    theirs, theirs_raw = ApiToken.issue(user=officer_b, name="pad")

    other = client.post(f"/api/v1/accounts/tokens/{theirs.pk}/revoke", headers=bearer(raw))
    own = client.post(f"/api/v1/accounts/tokens/{mine.pk}/revoke", headers=bearer(raw))

    assert other.status_code == 404
    assert ApiToken.user_for(theirs_raw) == officer_b
    assert own.status_code == 200 and own.json()["revoked_at"]
    assert client.get(ME, headers=bearer(raw)).status_code == 401


def test_token_issue_needs_a_name(client, officer_a):
    _, raw = ApiToken.issue(user=officer_a, name="pad")

    response = client.post("/api/v1/accounts/tokens", {"name": ""}, content_type="application/json",
                           headers=bearer(raw))

    assert response.status_code == 422
    assert "name" in response.json()["detail"]
    assert ApiToken.objects.count() == 1
