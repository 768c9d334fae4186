"""A site's rooms from a spreadsheet (CSV or Excel, Chinese or English headers), for services.rooms_create."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fangkong.core.imports import ImportReport, read_table, rows_by_column

ALIASES = {"房号": "number", "房间号": "number", "楼层": "floor", "类型": "kind", "房型": "kind", "床位": "beds",
           "床位数": "beds", "类别": "category", "人员类别": "category"}
KINDS = {"单人间": "single", "单间": "single", "家庭间": "family", "家庭房": "family", "single": "single",
         "family": "family"}


def room_rows(data, filename: str) -> list[dict]:
    """The rows as rooms_create takes them; a file it cannot read, or a missing column, is a ValidationError."""
    report = ImportReport()
    try:
        header, rows = read_table(data, filename)
    except Exception:
        raise ValidationError({"file": _("This file cannot be read as CSV or Excel.")}) from None
    keyed = rows_by_column(header, rows, aliases=ALIASES, required=["number", "floor"],
                           expected=["number", "floor", "kind", "beds", "category"], report=report)
    if keyed is None:
        raise ValidationError({"file": report.errors[0].message})
    out = []
    for _line, row in keyed:
        kind = row.get("kind", "").strip().lower()
        out.append({"number": row.get("number", ""), "floor": row.get("floor", ""),
                    "kind": KINDS.get(kind, kind or "single"), "beds": row.get("beds", ""),
                    "category": row.get("category", "").strip()})
    return out
