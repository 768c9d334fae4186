"""Vaccination coverage per node and age band (the November 2022 measures pressed for coverage of people over 60):
residents on file, and how many of them have at least one dose, the full primary course (two doses) and a booster
(a third dose). Age is counted in full years on the snapshot's day from the birth date on file (read from the
resident ID when the person was filed); people without one are in the "unknown" band.

Keys: vaccination.residents, vaccination.dose1, vaccination.full, vaccination.booster, each also per band as
vaccination.<measure>.<band> with bands 0_17, 18_59, 60_79, 80_plus, unknown, and for 60 and over together as
vaccination.<measure>.60_plus.
"""

import datetime
from collections import Counter, defaultdict

from django.db.models import Case, Count, IntegerField, Max, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce

from fangkong.command.figures import Context, Counts
from fangkong.people.models import Person

BANDS = ("0_17", "18_59", "60_79", "80_plus", "unknown")
ELDERLY_BANDS = ("60_79", "80_plus")
# (measure, fewest doses): a booster is the third dose (the inactivated vaccines' course is two doses).
MEASURES = (("dose1", 1), ("full", 2), ("booster", 3))


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` earlier; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_band(birth_date: datetime.date | None, today: datetime.date) -> str:
    """The band of someone born on `birth_date`, in full years on `today` (the reference for tests)."""
    if birth_date is None:
        return "unknown"
    age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    if age < 18:
        return "0_17"
    if age < 60:
        return "18_59"
    if age < 80:
        return "60_79"
    return "80_plus"


def _band_expression(today: datetime.date):
    # Born after the day 18 years ago: not yet 18; and so on up the bands.
    return Case(
        When(birth_date__isnull=True, then=Value(4)),
        When(birth_date__gt=years_before(today, 18), then=Value(0)),
        When(birth_date__gt=years_before(today, 60), then=Value(1)),
        When(birth_date__gt=years_before(today, 80), then=Value(2)),
        default=Value(3), output_field=IntegerField())


def collect(ctx: Context) -> Counts:
    from fangkong.vaccination.models import Dose

    counts: Counts = defaultdict(Counter)
    top_dose = (Dose.objects.filter(person=OuterRef("pk")).order_by().values("person")
                .annotate(top=Max("dose_number")).values("top"))
    rows = (Person.objects.filter(merged_into__isnull=True)
            .annotate(band=_band_expression(ctx.today), doses=Coalesce(Subquery(top_dose), Value(0)))
            .values("unit_id", "band", "doses").annotate(n=Count("pk"))
            .values_list("unit_id", "band", "doses", "n").order_by())
    for unit_id, band_index, doses, n in rows.iterator(chunk_size=20_000):
        band = BANDS[band_index]
        c = counts[unit_id]
        bands = (band, "60_plus") if band in ELDERLY_BANDS else (band,)
        c["vaccination.residents"] += n
        for b in bands:
            c[f"vaccination.residents.{b}"] += n
        for measure, fewest in MEASURES:
            if doses >= fewest:
                c[f"vaccination.{measure}"] += n
                for b in bands:
                    c[f"vaccination.{measure}.{b}"] += n
    return counts
