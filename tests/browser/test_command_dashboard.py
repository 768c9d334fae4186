"""The HQ's day in the browser, as issue #7 asks: open the situation dashboard, drill into a street, colour the map
by overdue tasks, download the daily report's PDF; a screenshot of the dashboard goes to test-results/."""

import datetime
from pathlib import Path

from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.command.snapshot import snapshot_take
from fangkong.tasks.services import task_create
from fangkong.tracing.tests.conftest import case_a, grid_a, people_a, reported_at, tracer_a  # noqa: F401
from tests.browser.conftest import login

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-results"
SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]


def _square(x: float, y: float, size: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[111 + x + px * size, 36 + y + py * size] for px, py in SQUARE]]}


def test_hq_drills_into_a_street_colours_the_map_and_downloads_the_daily_report(
        page, city, case_a, grid_worker_a):  # noqa: F811
    make_user("hq_browser", Role.HQ, city.city)
    for unit, (x, y, size) in ((city.a.district, (0, 0, 0.5)), (city.b.district, (0.5, 0, 0.5)),
                               (city.a.street, (0, 0, 0.5)), (city.a.community, (0, 0, 0.5))):
        unit.geometry = _square(x, y, size)
        unit.save(update_fields=["geometry"])
    task_create(kind="follow_up", title="回访", unit=city.a.grid, owner=grid_worker_a, actor=None,
                due_at=timezone.now() - datetime.timedelta(hours=2))
    snapshot_take()

    login(page, "hq_browser")
    page.goto("/command/")
    page.wait_for_selector('[data-figure="cases.total"]')
    assert page.inner_text('[data-figure="cases.total"]') == "1"
    page.wait_for_selector("#curve-chart[data-ready='1'] canvas")
    page.wait_for_selector("#node-map[data-ready='1']")
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "command-dashboard.png"), full_page=True)

    page.click(f'#children-table tr[data-unit="{city.a.district.pk}"] a')
    page.wait_for_url(f"**/command/u/{city.a.district.pk}/")
    page.click(f'#children-table tr[data-unit="{city.a.street.pk}"] a')
    page.wait_for_url(f"**/command/u/{city.a.street.pk}/")
    assert page.inner_text("#dashboard-title").startswith(city.a.street.name)
    page.wait_for_selector(f'#children-table tr[data-unit="{city.a.community.pk}"]')

    page.select_option("#map-metric", "tasks.overdue")
    page.wait_for_selector('#node-map[data-metric="tasks.overdue"]')
    overdue = page.locator(f'#children-table tr[data-unit="{city.a.community.pk}"] td[data-metric="tasks.overdue"]')
    assert overdue.inner_text() == "1"

    report_pdf(page)


def report_pdf(page):
    page.goto("/command/reports/")
    page.click("#report-form button[type=submit]")
    link = page.locator("#reports a.report-pdf").first
    link.wait_for()
    with page.expect_download() as download:
        link.click()
    path = download.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF")
