"""The protocol pages: field staff read, HQ copies, edits and activates; presets are never edited."""

import pytest
from django.urls import reverse

from fangkong.protocols.models import Measure, RuleSet, RuleSetVersion
from fangkong.protocols.selectors import active_version, current_version
from fangkong.protocols.services import measure_start, ruleset_copy

pytestmark = pytest.mark.django_db


def _edition_9():
    return RuleSet.objects.get(preset_key="covid-ed9")


def _form_data(client, rule_set):
    """What the edit form would post unchanged: its initial values."""
    response = client.get(reverse("protocols:edit", kwargs={"rule_set_id": rule_set.pk}))
    form = response.context["form"]
    data = {}
    for field in form:
        value = field.value()
        if value is None or value is False:
            continue
        data[field.html_name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def test_field_staff_see_the_rule_sets_in_readable_tables(client, grid_worker_a):
    client.force_login(grid_worker_a)

    listing = client.get(reverse("protocols:index"))
    page = client.get(reverse("protocols:ruleset", kwargs={"rule_set_id": _edition_9().pk}))

    assert listing.status_code == 200
    assert "新冠肺炎防控方案（第九版" in listing.content.decode()
    body = page.content.decode()
    assert "Centralised isolation: 7 days (day 1–7)" in body
    assert "Home health monitoring: 3 days (day 8–10)" in body
    assert "days 1, 2, 3, 5, 7 (overall day 1, 2, 3, 5, 7)" in body
    assert "days 3 (overall day 10)" in body
    assert "first contact 2 h" in body and "transfer 12 h" in body
    assert "upgraded to close contact" in body  # the secondary-contact rule, as data
    assert 'id="copy-link"' not in body and 'id="activate-link"' not in body


def test_grid_worker_cannot_copy_edit_or_activate(client, grid_worker_a, hq):
    copy = ruleset_copy(rule_set=_edition_9(), name="本市方案", actor=hq)
    client.force_login(grid_worker_a)

    for name in ("copy", "edit", "edit_json", "activate"):
        assert client.get(reverse(f"protocols:{name}", kwargs={"rule_set_id": copy.pk})).status_code == 404
        assert client.post(reverse(f"protocols:{name}", kwargs={"rule_set_id": copy.pk}),
                           {"name": "x", "rules": "{}"}).status_code == 404
    assert not RuleSet.objects.get(pk=copy.pk).is_active
    assert RuleSet.objects.count() == 5


def test_users_without_the_capability_see_nothing(client, lab_user):
    client.force_login(lab_user)
    assert client.get(reverse("protocols:index")).status_code == 404
    assert client.get(reverse("protocols:ruleset", kwargs={"rule_set_id": _edition_9().pk})).status_code == 404


def test_editing_a_preset_is_refused(client, hq):
    client.force_login(hq)
    preset = _edition_9()

    response = client.post(reverse("protocols:edit_json", kwargs={"rule_set_id": preset.pk}),
                           {"rules": "{}", "note": "x"}, follow=True)

    assert "A preset cannot be edited" in response.content.decode()
    assert preset.versions.count() == 1


def test_hq_copies_edits_with_the_form_and_activates(client, hq):
    client.force_login(hq)
    response = client.post(reverse("protocols:copy", kwargs={"rule_set_id": _edition_9().pk}), {"name": "本市方案"})
    copy = RuleSet.objects.get(name="本市方案")
    assert response.url == reverse("protocols:ruleset", kwargs={"rule_set_id": copy.pk})

    data = _form_data(client, copy)
    data["close_contact-0-days"] = "10"
    data["close_contact-0-test_days"] = "1, 2, 3, 5, 7, 10"
    data["note"] = "集中隔离延长至10天"
    response = client.post(reverse("protocols:edit", kwargs={"rule_set_id": copy.pk}), data)
    assert response.status_code == 302
    version = current_version(copy)
    assert version.number == 2
    assert version.rules["plans"]["close_contact"]["stages"][0] == {
        "status": "central_isolation", "days": 10, "test_days": [1, 2, 3, 5, 7, 10]}
    # Everything else came through the form unchanged.
    before = current_version(_edition_9()).rules
    before["plans"]["close_contact"]["stages"][0] = version.rules["plans"]["close_contact"]["stages"][0]
    assert version.rules == before

    page = client.get(reverse("protocols:ruleset", kwargs={"rule_set_id": copy.pk})).content.decode()
    assert "Close contact · stage 1 · Days" in page  # the diff of version 2
    assert "Centralised isolation: 10 days (day 1–10)" in page

    client.post(reverse("protocols:activate", kwargs={"rule_set_id": copy.pk}))
    assert active_version() == version


def test_a_bad_number_is_shown_at_its_field_and_nothing_is_written(client, hq):
    copy = ruleset_copy(rule_set=_edition_9(), name="本市方案", actor=hq)
    client.force_login(hq)
    data = _form_data(client, copy)
    data["close_contact-0-test_days"] = "1, 2, 9"

    response = client.post(reverse("protocols:edit", kwargs={"rule_set_id": copy.pk}), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "day 9 is outside the stage's 7 days" in errors["close_contact-0-test_days"][0]
    assert copy.versions.count() == 1

    data["close_contact-0-test_days"] = "1, two"
    response = client.post(reverse("protocols:edit", kwargs={"rule_set_id": copy.pk}), data)
    assert "close_contact-0-test_days" in response.context["form"].errors
    assert copy.versions.count() == 1


def test_json_edit_names_the_field_and_rejects_broken_json(client, hq):
    copy = ruleset_copy(rule_set=_edition_9(), name="本市方案", actor=hq)
    client.force_login(hq)
    url = reverse("protocols:edit_json", kwargs={"rule_set_id": copy.pk})

    broken = client.post(url, {"rules": "{", "note": ""})
    assert "Not valid JSON" in broken.content.decode()

    rules = current_version(copy).rules
    rules["pool_size"] = 7
    import json

    bad = client.post(url, {"rules": json.dumps(rules), "note": ""})
    assert "pool_size: must be one of the allowed pool sizes" in bad.content.decode()
    assert RuleSetVersion.objects.filter(rule_set=copy).count() == 1


def test_activation_asks_first(client, hq):
    copy = ruleset_copy(rule_set=_edition_9(), name="本市方案", actor=hq)
    client.force_login(hq)

    page = client.get(reverse("protocols:activate", kwargs={"rule_set_id": copy.pk}))

    assert 'id="activate-confirm"' in page.content.decode()
    assert "keep the rules they started under" in page.content.decode()
    assert not RuleSet.objects.get(pk=copy.pk).is_active


def test_person_measures_partial_shows_the_governing_version(chen, grid_worker_a):
    from django.template.loader import render_to_string
    from django.utils import timezone

    from fangkong.protocols.selectors import measures_of

    measure_start(person=chen, category="close_contact", day_one=timezone.localdate(), actor=None, source="test")
    html = render_to_string("protocols/person_measures.html", {"measures": measures_of(user=grid_worker_a,
                                                                                       person=chen)})

    assert "Close contact" in html and "v1" in html and "新冠肺炎防控方案（第九版" in html
    # Registered today: day 1's test is due by the end of today.
    assert f"by the end of {timezone.localdate():%Y-%m-%d}" in html
    assert Measure.objects.count() == 1


def test_due_tomorrow_lists_reminded_work_in_scope_only(client, chen, grid_worker_a, grid_worker_b):
    from django.utils import timezone

    from fangkong.protocols.jobs import send_protocol_reminders

    measure_start(person=chen, category="close_contact", day_one=timezone.localdate(), actor=None, source="test")
    send_protocol_reminders()

    client.force_login(grid_worker_a)
    mine = client.get(reverse("protocols:index")).content.decode()
    client.force_login(grid_worker_b)
    theirs = client.get(reverse("protocols:index")).content.decode()

    assert "Test on day 2: 陈纲" in mine
    assert "陈纲" not in theirs and "Nothing due tomorrow." in theirs
