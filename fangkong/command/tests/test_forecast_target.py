"""The 14-day isolation demand with its band, the assumption under the forecast, the serial interval from linked
pairs, the inflection-point target (拿下拐点), and what the daily report says of supervision and fonts."""

import datetime
import re
import zlib

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEntry
from fangkong.command import analysis
from fangkong.command.engine import epi
from fangkong.command.models import InflectionTarget, NodeFigures
from fangkong.command.reports.context import report_context
from fangkong.command.reports.pdf import report_html, report_pdf
from fangkong.command.snapshot import snapshot_take
from fangkong.command.target import target_clear, target_set, target_status
from fangkong.command.tests.test_reports import analysis_of_city, make_snapshot
from fangkong.people.services import household_create, person_create
from fangkong.protocols.engine.rules import rules_from_dict
from fangkong.supervision.models import Assignment
from fangkong.supervision.tests.conftest import checklists, contact_a, inspector_a, inspector_b, visit
from fangkong.tracing import services as tracing
from fangkong.tracing.tests.conftest import resident_id, tracer_a

__all__ = ["checklists", "contact_a", "inspector_a", "inspector_b", "tracer_a"]

TODAY = timezone.localdate()
DAY = datetime.date(2026, 12, 1)


def _presets():
    import json
    from pathlib import Path

    import fangkong.protocols

    data = json.loads((Path(fangkong.protocols.__file__).parent / "data" / "presets.json").read_text())
    return {p["key"]: rules_from_dict(p["rules"]) for p in data["presets"]}


# --- the engine and the analysis ----------------------------------------------------------------------------


def test_occupancy_counts_each_case_for_its_stay_only():
    # 2 cases on day 0, 1 on day 2; 3 close contacts each stay 2 days, 1 secondary stays 4.
    rooms = epi.occupancy(np.array([[2, 0, 1, 0, 0]]), [(3, 2), (1, 4)])
    # day 0: 2×3 + 2×1; day 1: same; day 2: 1×3 + (2+1)×1; day 3: 1×3 + 3; day 4: 0 + 1 (day 0's left)
    assert rooms.tolist() == [[8, 8, 6, 6, 1]]
    with pytest.raises(ValueError, match="at least a day"):
        epi.occupancy(np.array([[1]]), [(1, 0)])
    with pytest.raises(ValueError, match="negative"):
        epi.occupancy(np.array([[-1]]), [(1, 1)])


def test_central_days_follow_each_protocol_edition():
    presets = _presets()
    ed8, ed9, ed10 = presets["covid-ed8"], presets["covid-ed9"], presets["covid-10"]
    assert analysis.central_days(ed8.plans["close_contact"]) == 14  # 14 central, then 7 at home
    assert analysis.central_days(ed8.plans["secondary_contact"]) == 7
    assert analysis.central_days(ed9.plans["close_contact"]) == 7
    assert analysis.central_days(ed9.plans["secondary_contact"]) == 0  # home isolation
    assert analysis.central_days(ed10.plans["close_contact"]) == 0
    assert analysis.central_days(None) == 0
    groups = analysis.isolation_groups(ed9.plans, {"close_contact": 4.123})
    assert groups == [{"category": "close_contact", "per_case": 4.12, "central_days": 7},
                      {"category": "secondary_contact", "per_case": 0.0, "central_days": 0}]


def _rising(days=30):
    counts = {(DAY - datetime.timedelta(days=days - 1 - i)).isoformat(): 5 + i for i in range(days)}
    return {"onset": counts, "report": counts}


SI = {"mean": 3.0, "sd": 2.0, "source": "protocol", "pairs": 3}


def test_isolation_demand_is_a_band_from_the_projected_paths():
    groups = [{"category": "close_contact", "per_case": 4.0, "central_days": 7},
              {"category": "secondary_contact", "per_case": 2.0, "central_days": 0}]
    result = analysis.analyse(series=_rising(), today=DAY, si=SI, isolation=groups)
    demand = result["isolation_demand"]
    assert [row["date"] for row in demand] == [row["date"] for row in result["projection"]]
    assert len(demand) == 14
    assert all(row["low"] <= row["rooms"] <= row["high"] for row in demand)
    assert demand[-1]["high"] > demand[-1]["low"]  # a real band, not a line
    # The median room count is 4 × the week's cases (the home-isolated secondary contacts need none): re-derived
    # from the same seeded paths.
    paths = epi.project_paths(*_inputs(), rt_mean=result["current_rt"]["mean"], rt_sd=_current_sd(result),
                              si_mean=3.0, si_sd=2.0, days=14)
    expected = np.quantile(epi.occupancy(paths, [(4.0, 7)]), 0.5, axis=0)
    assert [row["rooms"] for row in demand] == [int(round(v)) for v in expected]
    assert result["isolation_peak"] == max(demand, key=lambda r: (r["rooms"], r["high"]))
    # Twice the contacts, twice the rooms.
    doubled = analysis.analyse(series=_rising(), today=DAY, si=SI,
                               isolation=[{"category": "close_contact", "per_case": 8.0, "central_days": 7}])
    assert doubled["isolation_demand"][-1]["rooms"] == pytest.approx(2 * demand[-1]["rooms"], abs=1)


def _inputs():
    series = _rising()["onset"]
    first = min(datetime.date.fromisoformat(d) for d in series)
    dates = [first + datetime.timedelta(days=i) for i in range((DAY - first).days + 1)]
    local = [series[d.isoformat()] for d in dates]
    return dates, local, [0] * len(dates)


def _current_sd(result):
    return next(r["sd"] for r in reversed(result["rt"]) if r["status"] == "ok")


def test_assumption_says_rt_serial_interval_and_the_protocols_isolation():
    groups = [{"category": "close_contact", "per_case": 4.0, "central_days": 7},
              {"category": "secondary_contact", "per_case": 2.0, "central_days": 0}]
    result = analysis.analyse(series=_rising(), today=DAY, si=SI, isolation=groups)
    text = result["assumption"]
    rt = result["current_rt"]
    assert f"{rt['mean']:.2f} ({rt['q025']:.2f}–{rt['q975']:.2f})" in text
    assert "no new imported cases" in text and "the protocol's default (3 linked pairs" in text
    assert "4 close contacts per case, in centralised isolation for 7 days" in text
    assert "2 secondary contacts per case, isolated at home" in text


def test_a_protocol_without_centralised_isolation_needs_no_rooms_and_says_so():
    groups = analysis.isolation_groups(_presets()["covid-10"].plans, {"close_contact": 5.0})
    result = analysis.analyse(series=_rising(), today=DAY, si=SI, isolation=groups)
    assert result["projection"] and result["isolation_demand"] == [] and result["isolation_peak"] is None
    assert "sends no contacts to centralised isolation" in result["assumption"]


def test_too_few_cases_give_no_forecast_but_still_an_assumption_line():
    counts = {(DAY - datetime.timedelta(days=i)).isoformat(): 1 for i in (0, 5, 9)}
    result = analysis.analyse(series={"onset": counts, "report": counts}, today=DAY, si=SI, isolation=[])
    assert result["projection"] == [] and result["isolation_demand"] == []
    assert result["assumption"].startswith("No forecast: too few cases")


# --- the snapshot: serial interval from pairs, contacts per case from tracing ----------------------------------


def _case(n, household, tracer, day):
    person = person_create(name=f"病例{n}", id_number=resident_id(200 + n), household=household, actor=None)
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    return tracing.case_open(person=person, first_positive_at=at, reported_at=at + datetime.timedelta(hours=4),
                             source="testing_round", actor=tracer, onset_date=day, classification="confirmed")


def test_serial_interval_comes_from_linked_pairs_when_there_are_enough(city, tracer_a, settings):
    settings.COMMAND_RAISE_COLLECTOR_ERRORS = True
    household = household_create(unit=city.a.building, number="902", address="东城一社区1号楼902", actor=None)
    pairs = analysis.MIN_SI_PAIRS
    for i in range(pairs):
        infector = _case(2 * i, household, tracer_a, TODAY - datetime.timedelta(days=10))
        # intervals of 3 and 5 days, alternately: mean 4, sd 1
        infectee = _case(2 * i + 1, household, tracer_a, TODAY - datetime.timedelta(days=7 if i % 2 else 5))
        tracing.link_add(infector=infector, infectee=infectee, confidence="confirmed", actor=tracer_a)
    si = NodeFigures.objects.get(snapshot=snapshot_take(), unit=city.city).analysis["si"]
    assert si == {"mean": 4.0, "sd": 1.0, "source": "pairs", "pairs": pairs}


def test_one_pair_short_the_protocols_interval_is_used(city, tracer_a, settings):
    settings.COMMAND_RAISE_COLLECTOR_ERRORS = True
    household = household_create(unit=city.a.building, number="903", address="东城一社区1号楼903", actor=None)
    for i in range(analysis.MIN_SI_PAIRS - 1):
        infector = _case(2 * i, household, tracer_a, TODAY - datetime.timedelta(days=10))
        infectee = _case(2 * i + 1, household, tracer_a, TODAY - datetime.timedelta(days=6))
        tracing.link_add(infector=infector, infectee=infectee, confidence="confirmed", actor=tracer_a)
    node = NodeFigures.objects.get(snapshot=snapshot_take(), unit=city.city).analysis
    assert node["si"]["source"] == "protocol" and node["si"]["pairs"] == analysis.MIN_SI_PAIRS - 1
    # The active protocol (edition 9): close contacts 7 days centralised, secondary contacts at home.
    assert [(g["category"], g["central_days"]) for g in node["isolation"]] == [("close_contact", 7),
                                                                               ("secondary_contact", 0)]
    assert node["assumption"].count("linked pairs") == 1


# --- the inflection-point target ----------------------------------------------------------------------------


FALLING = {"direction": "falling", "days_falling": 5, "peak_date": "2026-11-25"}


@pytest.mark.parametrize("target, trend, line, flags", [
    (DAY + datetime.timedelta(days=3), FALLING,
     "3 days left to the inflection-point target (2026-12-04); new cases have fallen for 5 days in a row since the "
     "peak on 2026-11-25.", {"peaked": True, "met": True, "overdue": False}),
    (DAY + datetime.timedelta(days=1), {"direction": "rising", "days_falling": 0, "peak_date": "2026-12-01"},
     "1 day left to the inflection-point target (2026-12-02); new cases are still rising: the inflection point has "
     "not come.", {"peaked": False, "met": False, "overdue": False}),
    (DAY, {"direction": "flat", "days_falling": 0, "peak_date": "2026-11-20"},
     "The inflection-point target (2026-12-01) is today; new cases are level: the inflection point has not come.",
     {"peaked": False, "overdue": False}),
    (DAY - datetime.timedelta(days=2), {"direction": "rising", "days_falling": 0, "peak_date": "2026-12-01"},
     "The inflection-point target (2026-11-29) passed 2 days ago; new cases are still rising: the inflection point "
     "has not come.", {"peaked": False, "overdue": True}),
    # Peaked after the target day: the trend falls now, but the target was missed.
    (datetime.date(2026, 11, 20), FALLING, None, {"peaked": True, "met": False, "overdue": False}),
    (DAY + datetime.timedelta(days=3), None, "3 days left to the inflection-point target (2026-12-04).",
     {"peaked": False}),
])
def test_target_lines(target, trend, line, flags):
    result = analysis.target_lines(target=target, today=DAY, trend=trend)
    if line is not None:
        assert result["line"] == line
    assert result["days_left"] == (target - DAY).days
    for key, value in flags.items():
        assert result[key] is value, key


def test_officer_sets_their_districts_target_and_the_city_one_applies_below(city, hq, officer_a):
    city_target = target_set(unit=city.city, target_date=TODAY + datetime.timedelta(days=10), note="奋战十天",
                             actor=hq)
    status = target_status(city.b.district, None)
    assert status["row"] == city_target and not status["own"] and status["days_left"] == 10
    own = target_set(unit=city.a.district, target_date=TODAY + datetime.timedelta(days=5), actor=officer_a)
    assert target_status(city.a.street, None)["row"] == own
    assert AuditEntry.objects.filter(object_id=own.pk, action="create").exists()
    with pytest.raises(PermissionDenied):
        target_set(unit=city.b.district, target_date=TODAY, actor=officer_a)
    assert target_clear(unit=city.a.district, actor=officer_a)
    assert target_status(city.a.street, None)["row"] == city_target


@pytest.mark.parametrize("day, message", [
    (TODAY - datetime.timedelta(days=1), "cannot be in the past"),
    (TODAY + datetime.timedelta(days=400), "within 180 days"),
    ("tomorrow", "YYYY-MM-DD"),
])
def test_bad_target_dates_are_refused_and_nothing_is_written(city, hq, day, message):
    with pytest.raises(ValidationError, match=message):
        target_set(unit=city.city, target_date=day, actor=hq)
    assert not InflectionTarget.objects.exists()


def test_hq_sets_the_target_on_the_dashboard_and_sees_the_line(client, city, hq):
    make_snapshot(city)
    client.force_login(hq)
    page = reverse("command:dashboard_unit", kwargs={"unit_id": city.city.pk})
    assert 'id="target-form"' in client.get(page).content.decode()
    response = client.post(reverse("command:target_update", kwargs={"unit_id": city.city.pk}),
                           {"target_date": (TODAY + datetime.timedelta(days=4)).isoformat(), "note": "拿下拐点"})
    assert response.status_code == 302 and response.url.endswith("#inflection-target")
    html = client.get(page).content.decode()
    line = re.search(r'<p id="target-line"[^>]*><strong>([^<]+)</strong>', html).group(1)
    trend = analysis_of_city()["trend"]
    assert line.startswith("4 days left to the inflection-point target")
    assert f"new cases have fallen for {trend['days_falling']} days in a row since the peak on " in line
    assert 'data-peaked="1"' in html and "拿下拐点" in html
    # The curve's assumption and the isolation band are on the page too.
    assert analysis_of_city()["assumption"].split(" ")[0] in html and 'id="demand-data"' in html


def test_a_bad_date_on_the_dashboard_says_why_and_writes_nothing(client, city, hq):
    make_snapshot(city)
    client.force_login(hq)
    url = reverse("command:target_update", kwargs={"unit_id": city.city.pk})
    response = client.post(url, {"target_date": (TODAY - datetime.timedelta(days=3)).isoformat()}, follow=True)
    assert "cannot be in the past" in response.content.decode()
    response = client.post(url, {"target_date": "next week"}, follow=True)
    assert "YYYY-MM-DD" in response.content.decode()
    assert not InflectionTarget.objects.exists()


def test_target_form_is_closed_to_those_without_command_report_and_outside_scope(client, city, officer_a):
    make_snapshot(city)
    inspector = make_user("insp", Role.INSPECTOR, city.city)
    client.force_login(inspector)
    day = (TODAY + datetime.timedelta(days=2)).isoformat()
    assert client.post(reverse("command:target_update", kwargs={"unit_id": city.city.pk}),
                       {"target_date": day}).status_code == 404
    client.force_login(officer_a)
    assert client.post(reverse("command:target_update", kwargs={"unit_id": city.b.district.pk}),
                       {"target_date": day}).status_code == 404
    assert not InflectionTarget.objects.exists()


# --- the daily report: target, supervision, fonts -----------------------------------------------------------


def test_report_has_the_target_line_and_unresolved_findings(city, hq, inspector_a, inspector_b, contact_a,
                                                            checklists):
    make_snapshot(city)
    target_set(unit=city.city, target_date=TODAY + datetime.timedelta(days=6), actor=hq)
    open_finding = visit(inspector_a, city.a.community, "东一社区北门卡口")[0]
    assigned = visit(inspector_a, city.a.community, "东一社区南门卡口")[0]
    from fangkong.supervision import services as supervision

    assignment = supervision.assignment_issue(finding=assigned, requirements="24小时值守", actor=inspector_a)
    closed = visit(inspector_a, city.a.community, "东一社区西门卡口")[0]
    closed_assignment = supervision.assignment_issue(finding=closed, requirements="补登记", actor=inspector_a)
    Assignment.objects.filter(pk=closed_assignment.pk).update(status=Assignment.Status.CLOSED)
    elsewhere = visit(inspector_b, city.b.community, "西一社区卡口")[0]

    report = report_context(unit=city.a.district, day=TODAY)
    assert report.target["days_left"] == 6 and report.target["line"].startswith("6 days left")
    sites = [row["site"] for row in report.findings.rows]
    assert sites == ["东一社区北门卡口", "东一社区南门卡口"]
    assert report.findings.rows[0]["status"] == "Not yet assigned" and report.findings.rows[0]["assignment"] == ""
    assert report.findings.rows[1]["assignment"] == assignment.number
    assert all(row["problem"] for row in report.findings.rows)
    city_sites = [row["site"] for row in report_context(unit=city.city, day=TODAY).findings.rows]
    assert elsewhere.site.name in city_sites and closed.site.name not in city_sites and open_finding

    supervision_table = next(t for t in report.tables if t.section.slug == "supervision")
    keys = [c.key for c in supervision_table.section.columns]
    node_row = dict(zip(keys, supervision_table.rows[0].values, strict=True))
    # Open assignments are counted live: one open, the closed one not.
    assert node_row["supervision.open_assignments"] == 1
    html = report_html(report)
    assert "6 days left to the inflection-point target" in html and "东一社区南门卡口" in html
    assert "Unresolved supervision findings" in html and "New findings today" in html


def test_supervision_figures_come_from_the_snapshot(city, inspector_a, contact_a, checklists, settings):
    settings.COMMAND_RAISE_COLLECTOR_ERRORS = True
    from fangkong.supervision import services as supervision

    finding = visit(inspector_a, city.a.community, "东一社区北门卡口", failed=2)
    supervision.assignment_issue(finding=finding[0], requirements="整改", actor=inspector_a)
    snapshot_take()
    report = report_context(unit=city.city, day=TODAY)
    table = next(t for t in report.tables if t.section.slug == "supervision")
    rows = {row.unit.name: dict(zip([c.key for c in table.section.columns], row.values, strict=True))
            for row in table.rows}
    assert rows["城关市"]["supervision.findings_today"] == 2 and rows["城关市"]["supervision.open_findings"] == 2
    assert rows["东城区"]["supervision.open_assignments"] == 1 and rows["西城区"]["supervision.open_findings"] == 0


def test_the_pdf_embeds_a_cjk_font(city):
    make_snapshot(city)
    pdf = report_pdf(report_context(unit=city.city, day=TODAY))
    # The font dictionaries may sit in compressed object streams: read every stream as well as the plain text.
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    text = b"\n".join(parts)
    fonts = set(re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-_]+)", text))
    # A subset (the "ABCDEF+" prefix) of Noto Sans CJK SC, however the PDF writer spells the name.
    cjk = [name for name in fonts if re.fullmatch(rb"[A-Z]{6}\+Noto-?(Sans|Serif)-?CJK-?(SC|TC|JP|KR)(-\w+)?", name)]
    assert cjk, fonts
    # Embedded, not just named: the font descriptor points to a font file.
    assert re.search(rb"/FontFile[23]?\s", text)
