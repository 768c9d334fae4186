"""PIPL erasure (people.retention): doses point at the person and hold no copy; what does is the report of an
import, which keeps each rejected row's values so that it can be corrected. A rejected row carrying one of these
people's ID numbers or phones keeps its line and reason, without the values."""

import re

from django.db.models import TextField
from django.db.models.functions import Cast

from fangkong.people.retention import Erasure
from fangkong.vaccination.models import DoseImport


def anonymise(*, erasure: Erasure) -> dict[str, int]:
    numbers = set(erasure.id_numbers) | set(erasure.phones)
    if not numbers:
        return {"vaccination.DoseImport": 0}
    # One pattern over the stored text picks the few imports that mention anyone of the batch, so only those are
    # read into Python (a report keeps up to 50,000 rejected rows).
    pattern = "|".join(re.escape(n) for n in sorted(numbers))
    imports = (DoseImport.objects.filter(rejected_count__gt=0).alias(text=Cast("rejected", TextField()))
               .filter(text__regex=pattern))
    changed = 0
    for record in imports.only("pk", "rejected"):
        rows = [dict(row, values={}) if _mentions(row, numbers) else row for row in record.rejected]
        if rows == record.rejected:
            continue
        changed += 1
        if not erasure.dry_run:
            DoseImport.objects.filter(pk=record.pk).update(rejected=rows)
    return {"vaccination.DoseImport": changed}


def _mentions(row, numbers: set[str]) -> bool:
    values = row.get("values") if isinstance(row, dict) else None
    return isinstance(values, dict) and any(str(v).strip().upper() in numbers for v in values.values())
