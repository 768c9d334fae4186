"""PIPL erasure (people.retention): an export log keeps who exported which list, when, how many rows and why; a
search term typed for it that names one of these people (their name, or their ID number or phone, whole or in
part) is blanked, and the file that search produced, if still kept, is deleted."""

from fangkong.accounts.services import access_log_redact
from fangkong.audit.services import audit_redact
from fangkong.exports.models import ExportLog
from fangkong.exports.services import exports_dir
from fangkong.people.retention import Erasure

# Shorter digit strings (a door number, a year) name nobody.
_MIN_DIGITS = 6


def _names_them(value: str, erasure: Erasure) -> bool:
    value = value.strip()
    if not value:
        return False
    if any(name in value for name in erasure.names):
        return True
    numbers = erasure.id_numbers + erasure.phones
    if any(number in value for number in numbers):
        return True
    return len(value) >= _MIN_DIGITS and any(value.upper() in number.upper() for number in numbers)


def anonymise(*, erasure: Erasure) -> dict[str, int]:
    # Only typed text can name a person (the people list's "q"; the other filters are choices and ids). Export
    # logs are one row per export asked for: a few thousand, read here in one query per batch.
    hits = []
    for pk, filters, file_name in (ExportLog.objects.filter(filters__has_key="q").exclude(filters__q="")
                                   .values_list("pk", "filters", "file_name").iterator()):
        typed = {key: value for key, value in filters.items() if isinstance(value, str)}
        if any(_names_them(value, erasure) for value in typed.values()):
            hits.append((pk, {key: ("" if key in typed and _names_them(typed[key], erasure) else value)
                              for key, value in filters.items()}, file_name))
    if erasure.dry_run or not hits:
        return {"exports.ExportLog": len(hits)}
    folder = exports_dir()
    erasure.delete_files([folder / file_name for _, _, file_name in hits if file_name])
    for pk, filters, file_name in hits:
        values = {"filters": filters}
        if file_name:
            values.update(file_name="", file_deleted_at=erasure.now)
        ExportLog.objects.filter(pk=pk).update(**values)
    pks = [pk for pk, _, _ in hits]
    audit_redact(model=ExportLog, object_ids=pks)
    access_log_redact(model=ExportLog, object_ids=pks)
    return {"exports.ExportLog": len(hits)}
