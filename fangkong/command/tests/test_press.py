"""The press figures (新闻发布会): the wording for a known snapshot, what is left out, and who sees what."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.command.reports.press import press_figures
from fangkong.command.tests.test_reports import TODAY, YESTERDAY, make_snapshot

EIGHT_TODAY = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(8, 0)))


def month_day(day: datetime.date) -> str:
    return f"{day:%B} {day.day}"


CURRENT = (f"As of 8:00 on {month_day(TODAY)}, there were 35 people in centralised isolation, 13 in home isolation, "
           "7 under home health monitoring. In total 50 close contacts have been traced.")


def test_press_text_for_a_known_snapshot(city, hq):
    make_snapshot(city, taken_at=EIGHT_TODAY)
    figures = press_figures(user=hq, unit=city.city, day=YESTERDAY)
    assert figures.text == (
        f"{month_day(YESTERDAY)} 0–24h: 城关市 reported 6 new confirmed cases and 2 asymptomatic infections; "
        "3 of them were found among people under control and 5 in community screening. "
        f"As of 24:00 on {month_day(YESTERDAY)}, 7 confirmed cases and 2 asymptomatic infections had been reported "
        f"in total. {CURRENT}")
    rows = dict(figures.rows)
    assert rows["New infections"] == 8 and rows["of which confirmed cases"] == 6
    assert rows["found in community screening"] == 5 and rows["Close contacts traced in total"] == 50


def test_without_the_split_by_classification_the_text_says_infections(city, hq):
    make_snapshot(city, taken_at=EIGHT_TODAY, split=False)
    text = press_figures(user=hq, unit=city.city, day=YESTERDAY).text
    assert text.startswith(f"{month_day(YESTERDAY)} 0–24h: 城关市 reported 8 new infections; 3 of them were found "
                           "among people under control and 5 in community screening. "
                           f"As of 24:00 on {month_day(YESTERDAY)}, 9 infections had been reported in total. ")


def test_a_day_without_new_cases(city, officer_a):
    make_snapshot(city, taken_at=EIGHT_TODAY)
    two_days_ago = TODAY - datetime.timedelta(days=2)
    text = press_figures(user=officer_a, unit=city.a.district, day=two_days_ago).text
    assert text.startswith(f"{month_day(two_days_ago)} 0–24h: 东城区 reported no new infection. ")


def test_figures_that_are_not_there_are_left_out_not_zero(city, hq):
    make_snapshot(city, taken_at=EIGHT_TODAY, errors={"cases": "OperationalError: boom"})
    figures = press_figures(user=hq, unit=city.city, day=YESTERDAY)
    assert figures.text == (f"As of 8:00 on {month_day(TODAY)}, there were 35 people in centralised isolation, "
                            "13 in home isolation, 7 under home health monitoring.")
    assert "New infections" not in dict(figures.rows)


def test_a_role_without_the_tracing_capability_reads_no_case_figures(city, hq, monkeypatch):
    from fangkong.accounts import roles

    make_snapshot(city, taken_at=EIGHT_TODAY)
    monkeypatch.setitem(roles.CAPABILITIES, hq.role, roles.CAPABILITIES[hq.role] - {"tracing.view"})
    figures = press_figures(user=hq, unit=city.city, day=YESTERDAY)
    assert "infection" not in figures.text and "close contacts" not in figures.text
    assert figures.text.startswith("As of 8:00")


def test_missing_or_old_snapshot_is_said(city, hq):
    assert press_figures(user=hq, unit=city.city, day=YESTERDAY).warnings == [
        "There are no figures yet: the dashboard snapshot has not been taken."]
    make_snapshot(city, taken_at=timezone.now() - datetime.timedelta(hours=3))
    # Three hours ago is always after the end of the day before yesterday.
    warnings = press_figures(user=hq, unit=city.city, day=TODAY - datetime.timedelta(days=2)).warnings
    assert any("may be out of date" in w for w in warnings)
    assert not any("not final" in w for w in warnings)
    assert any("not final" in w for w in press_figures(user=hq, unit=city.city, day=TODAY).warnings)


def test_press_page_shows_the_text_to_copy(client, city, officer_a):
    make_snapshot(city, taken_at=EIGHT_TODAY)
    client.force_login(officer_a)
    page = client.get(reverse("command:press"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<textarea id="press-textarea" readonly' in html
    assert "东城区 reported 4 new confirmed cases and 1 asymptomatic" in html
    assert 'id="press-copy"' in html and 'id="press-table"' in html
    chosen = client.get(reverse("command:press"), {"day": (TODAY - datetime.timedelta(days=2)).isoformat()})
    assert "东城区 reported no new infection" in chosen.content.decode()


@pytest.mark.parametrize("day", [(TODAY + datetime.timedelta(days=1)).isoformat(), "yesterday"])
def test_press_page_refuses_a_bad_day(client, city, officer_a, day):
    make_snapshot(city, taken_at=EIGHT_TODAY)
    client.force_login(officer_a)
    page = client.get(reverse("command:press"), {"day": day})
    assert page.status_code == 422
    html = page.content.decode()
    assert "has not come yet" in html or "YYYY-MM-DD" in html


def test_press_page_is_scoped(client, city, officer_a, grid_worker_a):
    make_snapshot(city, taken_at=EIGHT_TODAY)
    client.force_login(officer_a)
    assert client.get(reverse("command:press"), {"unit": city.b.district.pk}).status_code == 404
    assert client.get(reverse("command:press"), {"unit": city.city.pk}).status_code == 404
    client.force_login(grid_worker_a)
    assert client.get(reverse("command:press")).status_code == 404
