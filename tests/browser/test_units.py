"""Units in the browser, as issue 12 asks: the refinery's unit contact applies to reopen against the enterprise
checklist, the street first finds a required item missing, the contact's second application has it, and the street
approves."""

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.units.models import Application, UnitChecklistItem
from fangkong.units.tests.conftest import checklists, contact, refinery, staff  # noqa: F401
from tests.browser.conftest import login


def test_a_unit_contact_applies_to_reopen_and_the_street_approves(
        phone_page, page, city, refinery, contact, staff):  # noqa: F811
    make_user("street_a", Role.OFFICER, city.a.street, display_name="东城街道防控办")
    items = list(UnitChecklistItem.objects.filter(kind="enterprise", active=True).order_by("position"))
    required = next(i for i in items if i.required)

    unit = phone_page
    login(unit, "refinery_contact")
    unit.goto("/units/")
    unit.click(f'#units tr[data-unit="{refinery.pk}"] a')
    unit.click("#apply")
    unit.wait_for_selector("#application-form")
    assert unit.inner_text('#live-figures [data-figure="total"] dd') == "3"
    for item in items:
        unit.check(f'[data-item="{item.pk}"] input[value={"no" if item.pk == required.pk else "yes"}]')
    unit.click("#submit-application")
    unit.wait_for_selector('#application[data-status="submitted"]')
    first = Application.objects.get()

    street = page
    login(street, "street_a")
    street.goto("/units/applications/")
    street.click(f'#application-list li[data-application="{first.pk}"] a')
    street.check("#review-form input[name=decision][value=approve]")
    street.click("#review-form button[type=submit]")
    street.wait_for_selector("#review-form .error, #review-form small.error")
    assert required.text in street.inner_text("#review-form")
    first.refresh_from_db()
    assert first.status == "submitted"
    street.check("#review-form input[name=decision][value=return]")
    street.fill("#review-form textarea[name=reason]", f"{required.text}未落实，请整改后再申请")
    street.click("#review-form button[type=submit]")
    street.wait_for_selector('#application[data-status="returned"]')

    unit.goto(f"/units/{refinery.pk}/")
    assert "请整改" in unit.inner_text(f'#applications li[data-application="{first.pk}"]')
    unit.click("#apply")
    for item in items:
        unit.check(f'[data-item="{item.pk}"] input[value=yes]')
    unit.click("#submit-application")
    unit.wait_for_selector('#application[data-status="submitted"]')
    second = Application.objects.exclude(pk=first.pk).get()

    street.goto(f"/units/applications/{second.pk}/")
    street.check("#review-form input[name=decision][value=approve]")
    street.click("#review-form button[type=submit]")
    street.wait_for_selector('#application[data-status="approved"]')

    unit.goto(f"/units/{refinery.pk}/")
    unit.wait_for_selector('#unit[data-status="open"]')
    assert [e for e in second.events.values_list("to_status", flat=True)] == ["submitted", "approved"]
