"""The HQ's day in the browser, as issue #7 asks: open the situation dashboard coloured by the week's cases, click
a district on the map, open a street from the table, colour the street's map by overdue tasks, download the daily
report's PDF; a screenshot of the street's dashboard goes to test-results/."""

import datetime
from pathlib import Path

from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.command.snapshot import snapshot_take
from fangkong.tasks.services import task_create
from fangkong.territory.models import Level
from fangkong.territory.services import unit_create
from fangkong.tracing.tests.conftest import case_a, grid_a, people_a, reported_at, tracer_a  # noqa: F401
from tests.browser.conftest import login

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-results"
SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]

# What the map's chart holds now: the figure it is coloured by, each region's value, the colour scale's range.
CHART_STATE = """(el) => {
  const option = window.echarts.getInstanceByDom(el).getOption();
  const regions = option.series.find((s) => s.type === "map");
  return {
    label: regions.name,
    values: Object.fromEntries(regions.data.map((d) => [d.name, Number.isFinite(d.value) ? d.value : null])),
    max: option.visualMap[0].max,
  };
}"""

# The values the page's own map request gives each region for a figure.
FETCHED_VALUES = """async ([el, key]) => {
  const payload = await (await fetch(el.dataset.url, { credentials: "same-origin" })).json();
  return Object.fromEntries(payload.features.features.map((f) => [f.properties.name, f.properties.values[key]]));
}"""

# Where on the page the point [lon, lat] of the map is drawn (the chart converts through its geo component).
PIXEL_OF = """([el, point]) => {
  const [x, y] = window.echarts.getInstanceByDom(el).convertToPixel({ geoIndex: 0 }, point);
  const box = el.getBoundingClientRect();
  return [box.left + x, box.top + y];
}"""


def _square(x: float, y: float, size: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[111 + x + px * size, 36 + y + py * size] for px, py in SQUARE]]}


def _overdue(unit, owner, n: int):
    for i in range(n):
        task_create(kind="follow_up", title=f"回访{i}", unit=unit, owner=owner, actor=None,
                    due_at=timezone.now() - datetime.timedelta(hours=2 + i))


def _switch(page, key: str) -> dict:
    page.select_option("#map-metric", key)
    page.wait_for_selector(f'#node-map[data-metric="{key}"]')
    return page.eval_on_selector("#node-map", CHART_STATE)


def test_hq_drills_into_a_street_colours_the_map_and_downloads_the_daily_report(
        page, city, case_a, grid_worker_a):  # noqa: F811
    make_user("hq_browser", Role.HQ, city.city)
    # Street A gets a second community, so its map has two regions whose figures differ between the two metrics:
    # the week's cases are 1 and 0, the overdue tasks 2 and 3.
    community_2 = unit_create(parent=city.a.street, level=Level.COMMUNITY, name="东城二社区", code="630801001002")
    grid_2 = unit_create(parent=community_2, level=Level.GRID, name="东城网格2", code="630801001002G1")
    for unit, (x, y, size) in ((city.a.district, (0, 0, 0.5)), (city.b.district, (0.5, 0, 0.5)),
                               (city.a.street, (0, 0, 0.5)), (city.a.community, (0, 0, 0.25)),
                               (community_2, (0.25, 0, 0.25))):
        unit.geometry = _square(x, y, size)
        unit.save(update_fields=["geometry"])
    _overdue(city.a.grid, grid_worker_a, 2)
    _overdue(grid_2, None, 3)
    snapshot_take()

    login(page, "hq_browser")
    page.goto("/command/?metric=cases.week")
    page.wait_for_selector('[data-figure="cases.total"]')
    assert page.inner_text('[data-figure="cases.total"]') == "1"
    page.wait_for_selector("#curve-chart[data-ready='1'] canvas")
    page.wait_for_selector("#node-map[data-ready='1'][data-state='drawn']")
    assert page.input_value("#map-metric") == "cases.week"
    city_map = page.eval_on_selector("#node-map", CHART_STATE)
    assert city_map["values"] == {"东城区": 1, "西城区": 0}

    # A real click inside district A's polygon (west half of the map), away from its label in the middle.
    page.locator("#node-map").scroll_into_view_if_needed()
    x, y = page.evaluate(PIXEL_OF, [page.query_selector("#node-map"), [111.12, 36.38]])
    page.mouse.click(x, y)
    page.wait_for_url(f"**/command/u/{city.a.district.pk}/")
    assert page.inner_text("#dashboard-title").startswith(city.a.district.name)

    page.click(f'#children-table tr[data-unit="{city.a.street.pk}"] a')
    page.wait_for_url(f"**/command/u/{city.a.street.pk}/")
    assert page.inner_text("#dashboard-title").startswith(city.a.street.name)
    page.wait_for_selector("#node-map[data-ready='1'][data-state='drawn']")

    cases = _switch(page, "cases.week")
    assert cases["values"] == {"东城一社区": 1, "东城二社区": 0} and cases["max"] == 1
    overdue = _switch(page, "tasks.overdue")
    assert overdue["label"] == page.inner_text("#map-metric option[value='tasks.overdue']")
    assert overdue["values"] == {"东城一社区": 2, "东城二社区": 3} and overdue["max"] == 3
    assert overdue["values"] == page.evaluate(FETCHED_VALUES, [page.query_selector("#node-map"), "tasks.overdue"])
    cell = f'#children-table tr[data-unit="{community_2.pk}"] td[data-metric="tasks.overdue"]'
    assert page.inner_text(cell) == "3"
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "command-dashboard.png"), full_page=True)

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
