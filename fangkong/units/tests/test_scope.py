"""A unit contact sees only their own unit; officers see their district; writes outside scope change nothing."""

import pytest
from django.core.exceptions import PermissionDenied

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.units import roster, selectors, services
from fangkong.units.models import Organisation, StaffMember
from fangkong.units.tests.conftest import make_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbour(city, checklists):
    """Another enterprise on the same community as the refinery: the contact's scope node covers it."""
    return services.organisation_create(unit=city.a.community, name="东城纺织厂", kind="enterprise",
                                        contact_name="钱主任", actor=None)


def test_a_unit_contact_sees_only_their_unit(contact, refinery, neighbour, client):
    # when
    rows = list(selectors.organisation_list(user=contact))
    client.force_login(contact)
    listing = client.get("/units/")
    other = client.get(f"/units/{neighbour.pk}/")
    own = client.get(f"/units/{refinery.pk}/")
    # then
    assert rows == [refinery]
    assert neighbour.name not in listing.content.decode() and refinery.name in listing.content.decode()
    assert other.status_code == 404
    assert own.status_code == 200


def test_a_unit_contact_cannot_write_to_a_neighbour(contact, neighbour, client):
    client.force_login(contact)
    response = client.post(f"/units/{neighbour.pk}/staff/", {"name": "张三", "id_number": make_id(9),
                                                             "presence": "on_site"})
    assert response.status_code == 404
    assert not StaffMember.objects.exists()
    with pytest.raises(PermissionDenied):
        roster.staff_add(organisation=neighbour, name="张三", id_number=make_id(9), actor=contact)


def test_an_officer_of_another_district_sees_no_unit(refinery, officer_b, officer_a, client):
    assert list(selectors.organisation_list(user=officer_b)) == []
    assert list(selectors.organisation_list(user=officer_a)) == [refinery]
    client.force_login(officer_b)
    assert client.get(f"/units/{refinery.pk}/").status_code == 404
    assert client.get(f"/units/{refinery.pk}/apply/").status_code == 404


def test_an_officer_cannot_create_a_unit_in_another_district(city, officer_b, checklists):
    with pytest.raises(PermissionDenied):
        services.organisation_create(unit=city.a.community, name="越界工厂", kind="enterprise", contact_name="某",
                                     actor=officer_b)
    assert not Organisation.objects.exists()


def test_a_contact_of_another_scope_cannot_be_linked(city, refinery):
    stranger = make_user("b_contact", Role.UNIT_CONTACT, city.b.community)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.contact_link(organisation=refinery, user=stranger, actor=None)
    assert not refinery.contacts.exists()
