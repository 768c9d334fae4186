"""DHIS2 aggregate data: our daily figures as a dataValueSet, and sending it to DHIS2's /api/dataValueSets.

The figures are the command centre's snapshot (command.selectors): daily series (new infections reported on the
day) are read for any day; counts of people under each status or measure and of tests are "as of" the snapshot,
so they go out only for the day the snapshot was taken on (the daily push runs late in the evening, and what it
sent is kept on Dhis2Push for later downloads).
"""

import datetime
import re
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.command.figures import collector_of, group_of
from fangkong.command.selectors import latest_snapshot, node_figures
from fangkong.people.models import ManagementStatus

UID = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}$")


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    # "series": NodeFigures.series[source][day]; "count": NodeFigures.figures[source] as of the snapshot.
    kind: str
    source: str


def _catalogue() -> list[Figure]:
    figures = [
        Figure("cases.new", _("New infections reported"), "series", "report"),
        Figure("cases.new_confirmed", _("New confirmed cases reported"), "series", "report_confirmed"),
        Figure("cases.new_asymptomatic", _("New asymptomatic infections reported"), "series", "report_asymptomatic"),
        Figure("cases.new_imported", _("New imported infections reported"), "series", "report_imported"),
        Figure("cases.new_controlled", _("New infections found under control"), "series", "controlled"),
    ]
    figures += [Figure(f"people.status.{value}", _("People under: %(status)s") % {"status": label}, "count",
                       f"people.status.{value}") for value, label in ManagementStatus.choices]
    figures += [
        Figure("testing.sampled", _("Tests done in the running rounds"), "count", "testing.sampled"),
        Figure("testing.target", _("People to test in the running rounds"), "count", "testing.target"),
        Figure("testing.positive_pools", _("Positive pooled tubes"), "count", "testing.positive_pools"),
        Figure("isolation.people", _("People in centralised isolation sites"), "count", "isolation.people"),
        Figure("contacts.close", _("Close contacts"), "count", "contacts.close"),
        Figure("contacts.secondary", _("Secondary contacts"), "count", "contacts.secondary"),
    ]
    return figures


def catalogue() -> list[Figure]:
    return _catalogue()


def figure_keys() -> set[str]:
    return {f.key for f in _catalogue()}


def period_of(day: datetime.date) -> str:
    return day.strftime("%Y%m%d")


def day_of_period(value: str) -> datetime.date:
    """"20261201" → date; ValueError with a plain message otherwise."""
    if not re.fullmatch(r"\d{8}", value or ""):
        raise ValueError("period must be a day, YYYYMMDD")
    return datetime.datetime.strptime(value, "%Y%m%d").date()


@dataclass
class DataValueSet:
    payload: dict
    snapshot_taken_at: datetime.datetime | None
    # Figures left out: counts for a day other than the snapshot's, or a collector that failed.
    left_out: list[str]


def build(*, day: datetime.date, data_elements: dict, org_units: list, snapshot=None) -> DataValueSet:
    """The dataValueSet of `day` for the mapped figures (data_elements: {figure: DataElementMapping}) and nodes
    (org_units: [OrgUnitMapping]), from the latest snapshot."""
    snapshot = snapshot or latest_snapshot()
    period = period_of(day)
    values, left_out = [], set()
    as_of_day = snapshot is not None and timezone.localtime(snapshot.taken_at).date() == day
    failed = set((snapshot.errors or {}) if snapshot else {})
    figures = [f for f in _catalogue() if f.key in data_elements]
    for mapping in org_units:
        node = node_figures(unit=mapping.unit, snapshot=snapshot) if snapshot else None
        for figure in figures:
            group = group_of(figure.source) if figure.kind == "count" else "cases"
            if node is None or collector_of(group) in failed or (figure.kind == "count" and not as_of_day):
                left_out.add(figure.key)
                continue
            if figure.kind == "series":
                value = node.series.get(figure.source, {}).get(day.isoformat(), 0)
            else:
                value = node.figures.get(figure.source, 0)
            element = data_elements[figure.key]
            row = {"dataElement": element.data_element, "period": period, "orgUnit": mapping.org_unit,
                   "value": str(int(value))}
            if element.category_option_combo:
                row["categoryOptionCombo"] = element.category_option_combo
            values.append(row)
    payload = {"period": period, "dataValues": values}
    data_set = getattr(settings, "DHIS2_DATA_SET", "")
    if data_set:
        payload = {"dataSet": data_set, **payload}
    if len(org_units) == 1:
        payload["orgUnit"] = org_units[0].org_unit
    return DataValueSet(payload=payload, snapshot_taken_at=snapshot.taken_at if snapshot else None,
                        left_out=sorted(left_out))


@dataclass
class ImportSummary:
    status: str
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0
    conflicts: list | None = None
    description: str = ""


def read_import_summary(body: dict) -> ImportSummary:
    """DHIS2 answers an ImportSummary, wrapped in a WebMessage ({"response": …}) since 2.36."""
    summary = body.get("response") if isinstance(body.get("response"), dict) else body
    counts = summary.get("importCount") or {}
    return ImportSummary(status=str(summary.get("status") or body.get("status") or ""),
                         imported=int(counts.get("imported", 0)), updated=int(counts.get("updated", 0)),
                         ignored=int(counts.get("ignored", 0)), deleted=int(counts.get("deleted", 0)),
                         conflicts=list(summary.get("conflicts") or [])[:50],
                         description=str(summary.get("description") or body.get("message") or "")[:300])


def configured() -> bool:
    return bool(getattr(settings, "DHIS2_URL", ""))


def send(payload: dict) -> ImportSummary:
    """POSTs the dataValueSet; raises httpx.HTTPError on a transport failure or an HTTP error status."""
    url = settings.DHIS2_URL.rstrip("/") + "/api/dataValueSets"
    headers = {"Accept": "application/json"}
    auth = None
    token = getattr(settings, "DHIS2_TOKEN", "")
    if token:
        headers["Authorization"] = f"ApiToken {token}"
    elif getattr(settings, "DHIS2_USERNAME", ""):
        auth = (settings.DHIS2_USERNAME, getattr(settings, "DHIS2_PASSWORD", ""))
    params = {}
    scheme = getattr(settings, "DHIS2_ORG_UNIT_ID_SCHEME", "UID")
    if scheme != "UID":
        params["orgUnitIdScheme"] = scheme
    response = httpx.post(url, json=payload, headers=headers, auth=auth, params=params,
                          timeout=getattr(settings, "DHIS2_TIMEOUT_SECONDS", 30))
    # DHIS2 answers 409 with an ImportSummary when some values conflict: that is a result, not a failure.
    if response.status_code == 409:
        try:
            return read_import_summary(response.json())
        except ValueError:
            pass
    response.raise_for_status()
    return read_import_summary(response.json())
