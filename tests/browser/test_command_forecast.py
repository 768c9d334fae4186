"""In the browser: the HQ sees the isolation demand drawn as a band with the assumption under it, and sets the
inflection-point target on the dashboard."""

import datetime

import pytest
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.command.tests.test_reports import analysis_of_city, make_snapshot
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

# The demand chart's series as ECharts holds them: the band's floor and height, and the median.
DEMAND = """(el) => {
  const series = window.echarts.getInstanceByDom(el).getOption().series;
  return series.map((s) => ({ name: s.name, data: s.data, area: !!s.areaStyle }));
}"""


def test_hq_sees_the_isolation_band_and_sets_the_target(page, city):
    make_user("hq_forecast", Role.HQ, city.city)
    make_snapshot(city)
    demand = analysis_of_city()["isolation_demand"]
    login(page, "hq_forecast")
    page.goto(f"/command/u/{city.city.pk}/")
    page.wait_for_selector("#demand-chart[data-ready='1'] canvas")
    series = page.eval_on_selector("#demand-chart", DEMAND)
    low, band, median = series
    assert low["data"] == [row["low"] for row in demand]
    assert band["area"] and band["data"] == [row["high"] - row["low"] for row in demand]
    assert median["data"] == [row["rooms"] for row in demand]
    assert page.inner_text("#forecast-assumption") == analysis_of_city()["assumption"]

    day = timezone.localdate() + datetime.timedelta(days=9)
    page.fill("#target-form input[name=target_date]", day.isoformat())
    page.fill("#target-form input[name=note]", "奋战十天、拿下拐点")
    page.click("#target-form button[type=submit]:not([name])")
    page.wait_for_selector("#target-line[data-days-left='9']")
    assert "9" in page.inner_text("#target-line strong") and "奋战十天" in page.inner_text("#target-line")
