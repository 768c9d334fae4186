"""The daily report (日报): what it says, as PDF and workbook, who may make and download it, and bad input."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import AccessLog
from fangkong.command.models import DailyReport, NodeFigures, Snapshot
from fangkong.command.reports.context import report_context
from fangkong.command.reports.jobs import send_daily_report
from fangkong.command.reports.pdf import report_html
from fangkong.command.reports.services import report_create
from fangkong.isolation.tests.conftest import family_a, grid_a, site_a, site_staff
from fangkong.ops.models import Job
from fangkong.tasks.models import Task

__all__ = ["family_a", "grid_a", "site_a", "site_staff"]

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def _d(days_ago: int) -> str:
    return (TODAY - datetime.timedelta(days=days_ago)).isoformat()


# The city's curve: 25 days rising, then 12 falling, the last day the report's "today".
CITY_CURVE = [4 + 2 * d for d in range(25)] + [52 - 4 * d for d in range(1, 13)]
CITY_ISOLATION = [{"category": "close_contact", "per_case": 3.0, "central_days": 7},
                  {"category": "secondary_contact", "per_case": 1.5, "central_days": 0}]


def analysis_of_city():
    """What the snapshot job writes for the city: analysis.analyse itself on a rising-then-falling curve."""
    from fangkong.command.analysis import analyse

    counts = {_d(len(CITY_CURVE) - 1 - i): n for i, n in enumerate(CITY_CURVE)}
    return analyse(series={"onset": counts, "report": counts}, today=TODAY,
                   si={"mean": 3.1, "sd": 2.0, "source": "pairs", "pairs": 41}, isolation=CITY_ISOLATION)


def node_row(snapshot, unit, *, figures, series=None, analysis=None):
    return NodeFigures.objects.create(snapshot=snapshot, unit=unit, parent_id=unit.parent_id, figures=figures,
                                      series=series or {}, analysis=analysis)


def make_snapshot(city, *, taken_at=None, errors=None, split=True):
    """A snapshot as the dashboard job would write it: the city, both districts and district A's street.

    District A had 5 new cases yesterday (3 found under control) and 2 today; district B 3 yesterday (all in the
    community). The city's series are their sums."""
    snapshot = Snapshot.objects.create(taken_at=taken_at or timezone.now(), errors=errors or {})
    a_series = {"report": {_d(1): 5, _d(0): 2, _d(3): 1}, "controlled": {_d(1): 3, _d(0): 2},
                "onset": {_d(2): 4, _d(1): 3, _d(3): 1}}
    b_series = {"report": {_d(1): 3}, "onset": {_d(2): 3}}
    if split:
        a_series |= {"report_confirmed": {_d(1): 4, _d(0): 1, _d(3): 1}, "report_asymptomatic": {_d(1): 1, _d(0): 1}}
        b_series |= {"report_confirmed": {_d(1): 2}, "report_asymptomatic": {_d(1): 1}}
    a = {"cases.total": 8, "cases.confirmed": 6, "cases.asymptomatic": 2, "contacts.close": 40,
         "people.status.central_isolation": 30, "people.status.home_isolation": 12,
         "people.status.home_monitoring": 7, "isolation.rooms": 100, "isolation.rooms_occupied": 30,
         "isolation.rooms_free": 70, "isolation.shortfall": 0, "testing.target": 1000, "testing.sampled": 800,
         "arrivals.today": 4, "arrivals.week": 20, "arrivals.first_contact_done": 18,
         "arrivals.first_contact_on_time": 15, "tasks.open": 9, "tasks.overdue": 2}
    b = {"cases.total": 3, "cases.confirmed": 2, "cases.asymptomatic": 1, "contacts.close": 10,
         "people.status.central_isolation": 5, "people.status.home_isolation": 1,
         "isolation.rooms": 50, "isolation.rooms_occupied": 5, "isolation.rooms_free": 45,
         "isolation.shortfall": 12, "testing.target": 500, "testing.sampled": 500, "tasks.open": 1}

    def total(key):
        return a.get(key, 0) + b.get(key, 0)

    city_series = {}
    for name in set(a_series) | set(b_series):
        days = set(a_series.get(name, {})) | set(b_series.get(name, {}))
        city_series[name] = {d: a_series.get(name, {}).get(d, 0) + b_series.get(name, {}).get(d, 0)
                             for d in sorted(days)}
    node_row(snapshot, city.city, figures={k: total(k) for k in set(a) | set(b)}, series=city_series,
             analysis=analysis_of_city())
    node_row(snapshot, city.a.district, figures=a, series=a_series)
    node_row(snapshot, city.b.district, figures=b, series=b_series)
    node_row(snapshot, city.a.street, figures=a, series=a_series)
    return snapshot


def overdue_task(unit, title, hours_late=5):
    return Task.objects.create(kind="household_visit", title=title, unit=unit,
                               due_at=timezone.now() - datetime.timedelta(hours=hours_late))


@pytest.fixture
def snapshot(city):
    return make_snapshot(city)


# --- what the report says -----------------------------------------------------------------------------------


def test_report_figures_by_district_trend_and_analysis(city, snapshot):
    report = report_context(unit=city.city, day=YESTERDAY)
    cases = report.tables[0]
    rows = {row.unit.name: dict(zip([c.key for c in cases.section.columns], row.values, strict=True))
            for row in cases.rows}
    assert [row.unit.name for row in cases.rows] == ["城关市", "东城区", "西城区"]
    assert (rows["城关市"]["new"], rows["城关市"]["new_controlled"], rows["城关市"]["new_community"]) == (8, 3, 5)
    # Cumulative at the end of yesterday: today's 2 are not counted.
    assert rows["城关市"]["cumulative"] == 9 and rows["东城区"]["cumulative"] == 6
    testing = {row.unit.name: row.values for row in report.tables[3].rows}
    assert testing["东城区"][2] == pytest.approx(0.8)
    trend = {d.day: d for d in report.trend}
    assert len(report.trend) == 14 and trend[YESTERDAY].report == 8 and trend[YESTERDAY].community == 5
    city_analysis = analysis_of_city()
    assert report.analysis.direction == "falling"
    assert report.analysis.trend_line == city_analysis["trend"]["line"]
    assert report.analysis.trend_line.startswith("新增病例连续") and report.analysis.trend_line.endswith("天下降")
    # The latest Rt window ending by the report day: yesterday's report does not read today's window.
    windows = {w["t_end"]: w["mean"] for w in city_analysis["rt"]}
    assert report.analysis.rt["mean"] == windows[YESTERDAY.isoformat()]
    today_rt = report_context(unit=city.city, day=TODAY).analysis.rt["mean"]
    assert today_rt == windows[TODAY.isoformat()] != report.analysis.rt["mean"] and today_rt < 1
    # The forecast's assumption is the one analyse() wrote, the same line the dashboard shows under the curve.
    assert report.analysis.assumption == city_analysis["assumption"]
    assert "41" in report.analysis.assumption and "7" in report.analysis.assumption
    assert report.analysis.forecast_total == city_analysis["projection_total"]
    assert report.analysis.isolation_peak["rooms"] > 0


def test_report_html_has_title_time_and_tables(city, snapshot):
    html = report_html(report_context(unit=city.city, day=TODAY))
    assert f"城关市 epidemic prevention and control daily report ({TODAY:%b}" in html
    assert timezone.localtime(snapshot.taken_at).strftime("%Y-%m-%d %H:%M") in html
    assert "东城区" in html and "西城区" in html and analysis_of_city()["trend"]["line"] in html
    assert 'id="forecast-assumption"' in html and "linked pairs of cases" in html
    assert "<svg" in html and "counter(pages)" in html and "Noto Sans CJK SC" in html


def test_module_that_failed_is_blank_not_zero(city):
    make_snapshot(city, errors={"testing": "OperationalError: boom"})
    report = report_context(unit=city.city, day=TODAY)
    testing = report.tables[3]
    assert all(value is None for value in testing.rows[0].values)
    assert "—" in testing.display_rows()[0][1]
    assert report.tables[0].rows[0].values[0] == 2  # the others are there


def test_lists_stay_inside_the_node(city, snapshot, officer_a):
    overdue_task(city.a.grid, "东城 late visit", hours_late=30)
    overdue_task(city.a.grid, "东城 later visit", hours_late=2)
    overdue_task(city.b.grid, "西城 late visit")
    Task.objects.create(kind="household_visit", title="not due", unit=city.a.grid,
                        due_at=timezone.now() + datetime.timedelta(hours=3))
    from fangkong.command.models import ReviewItem

    ReviewItem.objects.create(day=YESTERDAY, unit=city.a.street, kind="overdue_task", title="东城 problem",
                              owner=officer_a)
    ReviewItem.objects.create(day=YESTERDAY, unit=city.b.street, kind="other", title="西城 problem")
    ReviewItem.objects.create(day=YESTERDAY, unit=city.a.street, kind="other", title="东城 fixed", status="fixed")
    report = report_context(unit=city.a.district, day=TODAY)
    assert [row["title"] for row in report.overdue.rows] == ["东城 late visit", "东城 later visit"]
    assert report.overdue.rows[0]["unit"] == "东城网格1" and report.overdue.rows[0]["hours_over"] == 30
    assert [row["title"] for row in report.review_items.rows] == ["东城 problem"]
    assert report.review_items.rows[0]["owner"] == str(officer_a)
    city_report = report_context(unit=city.city, day=TODAY)
    assert len(city_report.overdue.rows) == 3 and len(city_report.review_items.rows) == 2


def test_arrivals_of_the_day_are_listed_masked(city, snapshot):
    from fangkong.arrivals.models import Arrival

    Arrival.objects.create(name="张三丰", origin_name="某省某市", left_origin_on=TODAY, arrived_on=TODAY,
                           destination=city.a.grid)
    Arrival.objects.create(name="李四", origin_name="某省某市", left_origin_on=TODAY, arrived_on=TODAY,
                           destination=city.b.grid)
    report = report_context(unit=city.a.district, day=TODAY)
    assert [row["name"] for row in report.arrivals.rows] == ["张**"]
    assert report_context(unit=city.a.district, day=YESTERDAY).arrivals.rows == []


# --- the files ------------------------------------------------------------------------------------------------


def test_report_create_stores_pdf_and_workbook(city, snapshot, hq):
    from openpyxl import load_workbook

    overdue_task(city.a.grid, "东城 late visit")
    report = report_create(unit=city.city, day=YESTERDAY, actor=hq)
    report.refresh_from_db()
    assert bytes(report.pdf).startswith(b"%PDF")
    assert report.snapshot_taken_at == snapshot.taken_at and report.created_by == hq
    book = load_workbook(io.BytesIO(bytes(report.xlsx)))
    assert book.sheetnames == ["Summary", "Cases", "Management status", "Isolation", "Testing", "Arrivals", "Tasks",
                               "Supervision", "Trend (14 days)", "Overdue tasks", "Unresolved findings",
                               "Review items", "Releases tomorrow", "Arrivals today"]
    assert book["Summary"]["A1"].value.startswith("城关市 epidemic prevention and control daily report")
    cases = book["Cases"]
    assert [c.value for c in cases[1]][:4] == ["Node", "New cases", "of which found under control",
                                                "of which found in the community"]
    assert [c.value for c in cases[2]][:5] == ["城关市", 8, 3, 5, 9]
    assert cases["A3"].value == "东城区" and cases.freeze_panes == "B2"
    assert isinstance(cases["B3"].value, int)
    testing = book["Testing"]
    assert testing["D3"].value == pytest.approx(0.8) and testing["D3"].number_format == "0.0%"
    trend = book["Trend (14 days)"]
    assert trend.max_row == 15 and trend["C15"].value == 8 and trend["C13"].value == 1  # the last day is the report day
    assert book["Overdue tasks"]["E2"].value == "东城 late visit"


def test_future_or_malformed_day_is_refused_and_nothing_made(city, snapshot, hq):
    with pytest.raises(ValidationError, match="not come yet"):
        report_create(unit=city.city, day=TODAY + datetime.timedelta(days=1), actor=hq)
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        report_create(unit=city.city, day="2026-13-45", actor=hq)
    assert not DailyReport.objects.exists()


def test_no_snapshot_says_so(city, hq):
    with pytest.raises(ValidationError, match="snapshot has not been taken"):
        report_create(unit=city.city, day=TODAY, actor=hq)
    assert not DailyReport.objects.exists()


def test_scheduled_report_is_made_once_a_day(city, snapshot, hq):
    from fangkong.command.jobs import send_daily_report as scheduled  # the path ops.schedules names

    first = scheduled()
    assert send_daily_report() == first
    report_create(unit=city.city, day=YESTERDAY, actor=hq)  # one by hand does not stop the schedule's, nor count
    made = DailyReport.objects.get(pk=first)
    assert (made.unit, made.day, made.created_by) == (city.city, YESTERDAY, None)
    assert DailyReport.objects.filter(created_by__isnull=True).count() == 1


# --- the pages ---------------------------------------------------------------------------------------------------


def test_officer_makes_a_report_through_the_job_queue(client, city, snapshot, officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("command:report_new"),
                           {"unit": city.a.district.pk, "day": YESTERDAY.isoformat()})
    assert response.status_code == 302 and response.url == reverse("command:report_list")
    job = Job.objects.get(kind="command_report")
    assert job.status == Job.Status.SUCCEEDED, job.error
    report = DailyReport.objects.get()
    assert (report.unit, report.day, report.created_by) == (city.a.district, YESTERDAY, officer_a)
    assert job.result["report_id"] == report.pk
    page = client.get(reverse("command:report_list")).content.decode()
    assert f'data-report="{report.pk}"' in page and reverse("command:report_pdf", args=[report.pk]) in page


@pytest.mark.parametrize("day, message", [
    ((TODAY + datetime.timedelta(days=2)).isoformat(), "has not come yet"),
    ("1 December", "YYYY-MM-DD"),
    ("", "required"),
])
def test_bad_day_on_the_page_is_refused(client, city, snapshot, officer_a, day, message):
    client.force_login(officer_a)
    response = client.post(reverse("command:report_new"), {"unit": city.a.district.pk, "day": day})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Job.objects.exists() and not DailyReport.objects.exists()


def test_node_out_of_scope_is_404(client, city, snapshot, officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("command:report_new"), {"unit": city.b.district.pk, "day": TODAY.isoformat()})
    assert response.status_code == 404
    assert not Job.objects.exists() and not DailyReport.objects.exists()


def test_officer_sees_and_downloads_only_their_reports(client, city, snapshot, officer_a, hq):
    mine = report_create(unit=city.a.district, day=TODAY, actor=hq)
    theirs = report_create(unit=city.b.district, day=TODAY, actor=hq)
    cities = report_create(unit=city.city, day=TODAY, actor=hq)
    client.force_login(officer_a)
    page = client.get(reverse("command:report_list")).content.decode()
    assert f'data-report="{mine.pk}"' in page
    assert f'data-report="{theirs.pk}"' not in page and f'data-report="{cities.pk}"' not in page
    for name in ("command:report_pdf", "command:report_xlsx"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
        assert client.get(reverse(name, args=[cities.pk])).status_code == 404
    assert not AccessLog.objects.exists()


def test_download_is_logged_as_an_export(client, city, snapshot, officer_a, hq):
    report = report_create(unit=city.a.district, day=TODAY, actor=hq)
    client.force_login(officer_a)
    pdf = client.get(reverse("command:report_pdf", args=[report.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("command:report_xlsx", args=[report.pk]))
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    logs = list(AccessLog.objects.order_by("pk"))
    assert [(log.actor, log.kind, log.object_id) for log in logs] == [(officer_a, "export", report.pk)] * 2
    assert logs[0].fields == "daily_report,pdf" and logs[1].fields == "daily_report,xlsx"


def test_roles_without_the_capability_see_nothing(client, city, snapshot, grid_worker_a, hq):
    report = report_create(unit=city.a.district, day=TODAY, actor=hq)
    client.force_login(grid_worker_a)
    assert client.get(reverse("command:report_list")).status_code == 404
    assert client.get(reverse("command:report_pdf", args=[report.pk])).status_code == 404
    assert client.post(reverse("command:report_new"), {"unit": city.a.grid.pk, "day": TODAY}).status_code == 404


def test_tomorrows_releases_are_listed_for_the_district(city, snapshot, officer_a, site_a, family_a, site_staff):
    from fangkong.isolation import selectors as isolation
    from fangkong.isolation import services as placing

    entries = isolation.placement_queue(user=officer_a)
    stays = placing.placement_confirm(groups=isolation.propose(user=officer_a, entries=entries).groups,
                                      actor=officer_a)
    alone = next(s for s in stays if s.person.name == "吴单")
    placing.handover_record(stay=alone, received_by="赵医生", actor=site_staff)
    end = Task.objects.filter(person_id=alone.person_id, kind="measure_stage_end").order_by("due_at").first()
    end_of_tomorrow = timezone.make_aware(datetime.datetime.combine(TODAY + datetime.timedelta(days=2),
                                                                    datetime.time(0)))
    Task.objects.filter(pk=end.pk).update(due_at=end_of_tomorrow)
    rows = report_context(unit=city.a.district, day=TODAY).releases.rows
    assert [(r["name"], r["site"], r["room"]) for r in rows] == [("吴*", "东城宾馆隔离点", alone.room.number)]
    assert report_context(unit=city.b.district, day=TODAY).releases.rows == []
    assert report_context(unit=city.a.district, day=YESTERDAY).releases.rows == []
