"""User administration: admins act only inside their own jurisdiction."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from fangkong.accounts import services
from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def new_user(scope, **extra):
    return {"username": "new_worker", "display_name": "新网格员", "phone": "", "role": Role.GRID_WORKER,
            "scope": scope.pk, "password": "long-enough-passphrase", **extra}


def test_admin_lists_only_users_in_scope(client, admin_a, officer_a, grid_worker_a, grid_worker_b, hq):
    client.force_login(admin_a)

    response = client.get(reverse("accounts:users"))

    names = {u.username for u in response.context["page"].items}
    assert names == {"admin_a", "officer_a", "grid_a"}
    assert "grid_b" not in response.content.decode()


def test_admin_creates_a_user_in_scope(client, city, admin_a):
    client.force_login(admin_a)

    response = client.post(reverse("accounts:user_create"), new_user(city.a.grid))

    assert response.status_code == 302
    user = User.objects.get(username="new_worker")
    assert (user.role, user.scope, user.display_name) == (Role.GRID_WORKER, city.a.grid, "新网格员")
    assert user.check_password("long-enough-passphrase")
    assert AuditEntry.objects.filter(object_id=user.pk, action="create", actor=admin_a).exists()


def test_scope_choices_are_the_admins_subtree(client, city, admin_a):
    client.force_login(admin_a)

    response = client.get(reverse("accounts:user_create"))

    choices = set(response.context["form"].fields["scope"].queryset.values_list("name", flat=True))
    assert choices == {"东城区", "东城街道", "东城一社区", "东城网格1"}


def test_admin_cannot_grant_a_scope_outside_their_own(client, city, admin_a):
    client.force_login(admin_a)

    for unit in (city.b.grid, city.city):
        response = client.post(reverse("accounts:user_create"), new_user(unit))

        assert response.status_code == 200
        assert response.context["form"].errors["scope"]
    assert not User.objects.filter(username="new_worker").exists()


def test_service_refuses_a_scope_outside_even_without_the_form(city, admin_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.user_create(username="sneaky", password="long-enough-passphrase", role=Role.HQ,
                             scope=city.city, actor=admin_a)
    assert "scope" in exc.value.message_dict
    assert not User.objects.filter(username="sneaky").exists()


def test_bad_input_names_the_fields_and_writes_nothing(client, city, admin_a, grid_worker_a):
    client.force_login(admin_a)

    response = client.post(reverse("accounts:user_create"),
                           new_user(city.a.grid, username="grid_a", phone="123", password="short"))

    errors = response.context["form"].errors
    assert {"username", "phone"} <= set(errors)
    assert User.objects.filter(username="grid_a").count() == 1
    response = client.post(reverse("accounts:user_create"), new_user(city.a.grid, password="short"))
    assert "password" in response.context["form"].errors
    assert not User.objects.filter(username="new_worker").exists()


def test_officer_without_manage_capability_is_refused(client, city, officer_a):
    client.force_login(officer_a)

    assert client.get(reverse("accounts:users")).status_code == 403
    assert client.post(reverse("accounts:user_create"), new_user(city.a.grid)).status_code == 403
    assert not User.objects.filter(username="new_worker").exists()


def test_admin_deactivates_a_user_in_scope(client, admin_a, grid_worker_a):
    client.force_login(admin_a)

    client.post(reverse("accounts:user_deactivate", kwargs={"user_id": grid_worker_a.pk}))

    grid_worker_a.refresh_from_db()
    assert not grid_worker_a.is_active


def test_deactivating_outside_scope_is_404_and_changes_nothing(client, admin_a, grid_worker_b):
    client.force_login(admin_a)

    response = client.post(reverse("accounts:user_deactivate", kwargs={"user_id": grid_worker_b.pk}))

    assert response.status_code == 404
    grid_worker_b.refresh_from_db()
    assert grid_worker_b.is_active


def test_admin_cannot_deactivate_themselves(client, admin_a):
    client.force_login(admin_a)

    response = client.post(reverse("accounts:user_deactivate", kwargs={"user_id": admin_a.pk}), follow=True)

    admin_a.refresh_from_db()
    assert admin_a.is_active
    assert "cannot deactivate your own" in response.content.decode()


def lock_out(client, username):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": username, "password": "wrong"})


def test_admin_sees_and_clears_a_lockout(client, admin_a, grid_worker_a):
    from django.test import Client

    lock_out(Client(), "grid_a")
    client.force_login(admin_a)
    assert "grid_a" in client.get(reverse("accounts:users")).context["locked"]

    client.post(reverse("accounts:user_unlock", kwargs={"user_id": grid_worker_a.pk}))

    assert not AccessAttempt.objects.filter(username="grid_a").exists()
    login = Client().post(reverse("accounts:login"), {"username": "grid_a", "password": "correct-horse-battery"})
    assert login.status_code == 302


def test_unlock_outside_scope_is_404(client, admin_a, grid_worker_b):
    from django.test import Client

    lock_out(Client(), "grid_b")
    client.force_login(admin_a)

    response = client.post(reverse("accounts:user_unlock", kwargs={"user_id": grid_worker_b.pk}))

    assert response.status_code == 404
    assert AccessAttempt.objects.filter(username="grid_b").exists()
