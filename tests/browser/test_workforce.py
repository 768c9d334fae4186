"""An officer puts checkpoint_a on duty at a highway-exit post and records a handover; the post page shows who is on
duty now (交接换班)."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from fangkong.workforce.models import Handover, Shift
from fangkong.workforce.services import post_ensure
from tests.browser.conftest import login


def _local(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_officer_adds_a_shift_and_a_handover_and_the_post_shows_who_is_on_duty(page, phone_page, city, officer_a,
                                                                              checkpoint_a):
    post = post_ensure(kind="checkpoint", name="京港澳高速西平站口", unit=city.a.district,
                       subject_type="arrivals.checkpoint", subject_id=1, actor=None)
    now = timezone.now()

    login(page, "officer_a")
    page.goto(f"/workforce/posts/{post.pk}/")
    expect(page.locator("#now .on-duty-none")).to_be_visible()
    page.click("#add-shift")
    page.wait_for_selector("#shift-form")
    page.fill("input[name=starts_at]", _local(now - datetime.timedelta(hours=1)))
    page.fill("input[name=ends_at]", _local(now + datetime.timedelta(hours=7)))
    page.select_option("select[name=leader]", str(checkpoint_a.pk))
    page.fill("textarea[name=members_text]", "志愿者张三\n志愿者李四")
    page.click("#shift-form button[type=submit]")

    page.wait_for_url(f"**/workforce/posts/{post.pk}/")
    on_duty = page.locator("#now")
    expect(on_duty.locator(".on-duty-leader")).to_have_text("checkpoint_a")
    expect(on_duty).to_contain_text("志愿者张三")
    expect(on_duty).to_contain_text("值班")  # the page is in Chinese
    shift = Shift.objects.get()

    page.click(f"#now a[data-handover='{shift.pk}']")
    page.wait_for_selector("#handover-form")
    page.fill("textarea[name=note]", "测温枪1台电量低，已报物资组")
    page.fill("textarea[name=awaiting_transfer]", "2人待转运至集中隔离点")
    page.click("#handover-form button[type=submit]")

    page.wait_for_url(f"**/workforce/posts/{post.pk}/")
    expect(page.locator("#handovers .handover-note").first).to_contain_text("测温枪1台电量低")
    expect(page.locator("#now .on-duty-leader")).to_have_text("checkpoint_a")
    assert Handover.objects.get().by == officer_a

    # The checkpoint staffer sees the same on a 360-px phone, without sideways scrolling.
    login(phone_page, "checkpoint_a")
    phone_page.goto(f"/workforce/posts/{post.pk}/")
    expect(phone_page.locator("#now .on-duty-leader")).to_have_text("checkpoint_a")
    expect(phone_page.locator("#handovers")).to_contain_text("2人待转运至集中隔离点")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_volunteer_registers_is_vetted_put_on_a_shift_and_checks_in_through_their_link(page, phone_page, city,
                                                                                        officer_a):
    from stdnum.cn import ric

    from fangkong.workforce.models import Attendance, Volunteer

    post = post_ensure(kind="checkpoint", name="京港澳高速西平站口", unit=city.a.district,
                       subject_type="arrivals.checkpoint", subject_id=1, actor=None)
    body = "11010119900101123"
    id_number = body + ric.calc_check_digit(body + "0")

    # The volunteer registers on the public form, on a phone, without an account.
    phone_page.goto("/workforce/join/")
    phone_page.fill("input[name=name]", "志愿者赵六")
    phone_page.fill("input[name=id_number]", "110101199001011230")  # a wrong check digit first
    phone_page.fill("input[name=phone]", "13912340000")
    phone_page.select_option("select[name=unit]", str(city.a.community.pk))
    phone_page.check("input[name=healthy]")
    phone_page.check("input[name=consent]")
    phone_page.click("#join-form button[type=submit]")
    expect(phone_page.locator("small.error[data-field=id_number]")).to_be_visible()
    assert not Volunteer.objects.exists()
    phone_page.fill("input[name=id_number]", id_number)
    phone_page.check("input[name=healthy]")
    phone_page.check("input[name=consent]")
    phone_page.click("#join-form button[type=submit]")
    expect(phone_page.locator("#join-done")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    volunteer = Volunteer.objects.get()

    # The officer vets the registration.
    login(page, "officer_a")
    page.goto("/workforce/volunteers/")
    page.click(f"tr[data-volunteer='{volunteer.pk}'] a")
    page.select_option("select[name=decision]", "approve")
    page.click("#vet-form button[type=submit]")
    expect(page.locator("#volunteer-status")).to_have_attribute("data-status", "approved")
    link = page.locator("#volunteer-link").input_value()
    assert "/workforce/v/" in link

    # … and puts the volunteer on the shift on duty now.
    now = timezone.now()
    page.goto(f"/workforce/posts/{post.pk}/shifts/new/")
    page.fill("input[name=starts_at]", _local(now - datetime.timedelta(hours=1)))
    page.fill("input[name=ends_at]", _local(now + datetime.timedelta(hours=7)))
    page.fill("input[name=leader_name]", "王队长")
    page.select_option("select[name=volunteers]", [str(volunteer.pk)])
    page.click("#shift-form button[type=submit]")
    page.wait_for_url(f"**/workforce/posts/{post.pk}/")
    expect(page.locator("#now")).to_contain_text("志愿者赵六")
    shift = Shift.objects.get()

    # The volunteer opens their link on the phone and checks in.
    phone_page.goto(link)
    card = phone_page.locator(f"article.my-shift[data-shift='{shift.pk}']")
    expect(card).to_contain_text("京港澳高速西平站口")
    card.locator("form.check-in button[type=submit]").click()
    expect(phone_page.locator(f"[data-checked-in='{shift.pk}']")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert Attendance.objects.get().volunteer == volunteer
