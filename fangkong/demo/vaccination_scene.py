"""The demo city's vaccination records: doses for the residents of one district with the coverage of late 2022 in
miniature — high among adults, lower among the elderly and lowest over 80, which the November 2022 measures set out
to raise. Written as one "import" of the district (a DoseImport row the imports page lists), deterministic for a seed;
a district that already has doses is left as it is."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from fangkong.command.figures.vaccination import age_band

IMPORT_NAME = "演示：区疾控接种记录.xlsx"
# Shares of residents with at least 1, 2 and 3 doses, per age band.
COVERAGE = {"0_17": (0.85, 0.80, 0.05), "18_59": (0.95, 0.93, 0.78), "60_79": (0.88, 0.84, 0.62),
            "80_plus": (0.62, 0.55, 0.38), "unknown": (0.5, 0.45, 0.3)}
PRODUCTS = ("sinopharm", "sinovac", "sinovac", "sinopharm", "zf2001", "cansino")
SITES = ("区疾控中心接种门诊", "社区卫生服务中心接种点", "临时接种点（体育馆）")
FIRST_DOSES = (datetime.date(2021, 3, 15), datetime.date(2021, 9, 30))


def seed_vaccination(*, city, district, seed: int = 2020) -> dict:
    from fangkong.core.paths import subtree_q
    from fangkong.people.models import Person
    from fangkong.vaccination.models import Dose, DoseImport, Product

    if Dose.objects.filter(subtree_q("person__unit__path", district.path)).exists():
        return {"created": False, "users": []}
    products = {p.code: p.pk for p in Product.objects.all()}
    today = timezone.localdate()
    rng = random.Random(seed)
    span = (FIRST_DOSES[1] - FIRST_DOSES[0]).days
    doses = []
    people = (Person.objects.filter(subtree_q("unit__path", district.path), merged_into__isnull=True)
              .order_by("pk").values_list("pk", "birth_date"))
    with transaction.atomic():
        record = DoseImport.objects.create(unit=district, filename=IMPORT_NAME, status=DoseImport.Status.DONE)
        for person_id, birth_date in people.iterator(chunk_size=10_000):
            if birth_date is not None and (today - birth_date).days < 3 * 365:
                continue  # under 3: not eligible
            shares = COVERAGE[age_band(birth_date, today)]
            draw = rng.random()
            count = sum(draw < share for share in shares)
            product = products.get(rng.choice(PRODUCTS)) or products["other"]
            day = FIRST_DOSES[0] + datetime.timedelta(days=rng.randrange(span))
            site = rng.choice(SITES)
            for number in range(1, count + 1):
                doses.append(Dose(person_id=person_id, product_id=product, dose_number=number, given_on=day,
                                  site_name=site, batch=f"{2021 + number // 3}{rng.randrange(10**5):05d}",
                                  source_import=record))
                day += datetime.timedelta(days=28 if number == 1 else 180)
            if len(doses) >= 5000:
                Dose.objects.bulk_create(doses)
                doses = []
        Dose.objects.bulk_create(doses)
        created = Dose.objects.filter(source_import=record).count()
        DoseImport.objects.filter(pk=record.pk).update(rows=created, created=created, finished_at=timezone.now())
    return {"created": True, "doses": created, "users": []}


def wipe_vaccination(*, units) -> None:
    """The doses of people under these units and the district's imports, before the people and units go."""
    from fangkong.vaccination.models import Dose, DoseImport

    Dose.objects.filter(person__unit_id__in=units).delete()
    DoseImport.objects.filter(unit_id__in=units).delete()
