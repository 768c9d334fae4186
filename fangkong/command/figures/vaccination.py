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

from fangkong.command.figures import Context, Counts

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


# One pass over the residents, the doses aggregated once and hash-joined (a per-person subquery ran 10 M index
# probes on the 10 M city). Raw SQL because the ORM cannot LEFT JOIN an aggregated subquery.
COUNTS_SQL = """
SELECT p.unit_id,
       CASE WHEN p.birth_date IS NULL THEN 4 WHEN p.birth_date > %s THEN 0 WHEN p.birth_date > %s THEN 1
            WHEN p.birth_date > %s THEN 2 ELSE 3 END,
       COALESCE(d.top, 0), COUNT(*)
FROM people_person p
LEFT JOIN (SELECT person_id, MAX(dose_number) AS top FROM vaccination_dose GROUP BY person_id) d ON d.person_id = p.id
WHERE p.merged_into_id IS NULL
GROUP BY 1, 2, 3
"""


def collect(ctx: Context) -> Counts:
    from django.db import connection

    counts: Counts = defaultdict(Counter)
    cuts = [years_before(ctx.today, years) for years in (18, 60, 80)]
    with connection.cursor() as cursor:
        cursor.execute(COUNTS_SQL, cuts)
        rows = cursor.fetchall()
    for unit_id, band_index, doses, n in rows:
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
