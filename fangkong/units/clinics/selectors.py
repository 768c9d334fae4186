"""Scoped reads of fever clinics: the clinics of a node, their reports, and the counts per clinic and day with the
unexplained rises (rises.py). A clinic's staff user sees only their own clinic(s)."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from fangkong.accounts.scope import get_visible_or_404
from fangkong.core.paths import subtree_q
from fangkong.units.clinics.rises import is_rise, threshold
from fangkong.units.models import Clinic, ClinicStaff, FeverReport


def rise_settings() -> dict:
    return {"window": int(getattr(settings, "UNITS_FEVER_RISE_WINDOW", 7)),
            "k": int(getattr(settings, "UNITS_FEVER_RISE_SD", 3)),
            "floor": int(getattr(settings, "UNITS_FEVER_RISE_FLOOR", 3))}


def clinic_list(*, user, node=None) -> QuerySet:
    rows = Clinic.objects.visible_to(user).select_related("organisation__unit")
    if node is not None:
        rows = rows.filter(subtree_q("organisation__unit__path", node.path))
    return rows.order_by("organisation__unit__path", "organisation__name", "pk")


def clinic_get(*, user, clinic_id: int, action: str = "view") -> Clinic:
    return get_visible_or_404(Clinic.objects.select_related("organisation__unit"), user=user, action=action,
                              pk=clinic_id)


def clinics_of_staff(*, user) -> list[Clinic]:
    """The clinics the user reports for (their links), active ones only."""
    return list(Clinic.objects.filter(staff__user=user, active=True).select_related("organisation__unit")
                .order_by("organisation__name", "pk"))


def clinic_staff(*, clinic: Clinic) -> list[ClinicStaff]:
    return list(clinic.staff.select_related("user").order_by("pk"))


def clinic_reports(*, user, clinic: Clinic, limit: int = 100) -> list[FeverReport]:
    return list(FeverReport.objects.visible_to(user).filter(clinic=clinic).select_related("person", "test_task")
                .order_by("-seen_at", "-pk")[:limit])


def reports_by(*, user, reporter, day: date) -> list[FeverReport]:
    """What this staff user reported on the day (the report page's own list)."""
    return list(FeverReport.objects.visible_to(user).filter(reported_by=reporter, seen_on=day)
                .select_related("person", "clinic__organisation").order_by("-seen_at", "-pk"))


@dataclass
class DayCell:
    day: date
    count: int
    rise: bool = False
    threshold: float = 0.0


@dataclass
class ClinicRow:
    clinic: Clinic
    cells: list[DayCell] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(c.count for c in self.cells)

    @property
    def rises(self) -> list[DayCell]:
        return [c for c in self.cells if c.rise]


def daily_counts(*, user, node=None, days: int = 14, today: date | None = None,
                 clinic: Clinic | None = None) -> list[ClinicRow]:
    """Per visible clinic, the count of fever patients per day for the last `days` days (oldest first), each
    day judged against the clinic's previous window of days."""
    today = today or timezone.localdate()
    params = rise_settings()
    window = params["window"]
    first = today - timedelta(days=days - 1)
    since = first - timedelta(days=window)
    clinics = clinic_list(user=user, node=node)
    clinics = list(clinics.filter(pk=clinic.pk) if clinic is not None else clinics)
    counts: dict[tuple[int, date], int] = {}
    rows = (FeverReport.objects.visible_to(user).filter(clinic__in=[c.pk for c in clinics], seen_on__gte=since,
                                                          seen_on__lte=today)
            .values("clinic_id", "seen_on").annotate(n=Count("pk")).values_list("clinic_id", "seen_on", "n")
            .order_by())
    for clinic_id, day, n in rows:
        counts[clinic_id, day] = n
    result = []
    span = [since + timedelta(days=i) for i in range(days + window)]
    for clinic in clinics:
        series = [counts.get((clinic.pk, day), 0) for day in span]
        cells = []
        for i in range(window, len(span)):
            previous = series[i - window:i]
            cells.append(DayCell(day=span[i], count=series[i],
                                 rise=is_rise(series[i], previous, k=params["k"], floor=params["floor"]),
                                 threshold=round(threshold(previous, k=params["k"]), 1)))
        result.append(ClinicRow(clinic=clinic, cells=cells))
    return result


def day_totals(rows: list[ClinicRow]) -> list[int]:
    if not rows:
        return []
    return [sum(r.cells[i].count for r in rows) for i in range(len(rows[0].cells))]


def recent_rises(*, user, node=None, days: int | None = None, today: date | None = None) -> list[tuple]:
    """(clinic, cell) of the flagged clinic-days in the last few days (UNITS_FEVER_ALERT_DAYS, 2), newest first."""
    days = days or int(getattr(settings, "UNITS_FEVER_ALERT_DAYS", 2))
    found = []
    for row in daily_counts(user=user, node=node, days=days, today=today):
        found.extend((row.clinic, cell) for cell in row.cells if cell.rise)
    return sorted(found, key=lambda pair: (pair[1].day, pair[1].count), reverse=True)
