from django.contrib.contenttypes.models import ContentType

from fangkong.audit.models import AuditEntry


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def audit_record(*, actor, obj, action: str, unit_path: str, changes: dict | None = None,
                 note: str = "") -> AuditEntry:
    """Write one audit row; call it inside the transaction of the change it records."""
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        action=action,
        changes={k: [_plain(a), _plain(b)] for k, (a, b) in (changes or {}).items()},
        note=note[:300],
        actor=actor if actor is not None and actor.is_authenticated else None,
        unit_path=unit_path,
    )


def audit_record_many(*, actor, model, action: str, entries, batch_size: int = 1000) -> int:
    """One audit row per object for a bulk write: entries are (obj, unit_path, changes) tuples."""
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    user = actor if actor is not None and actor.is_authenticated else None
    rows = [AuditEntry(content_type=content_type, object_id=obj.pk, object_repr=str(obj)[:200], action=action,
                       actor=user, unit_path=unit_path,
                       changes={k: [_plain(a), _plain(b)] for k, (a, b) in (changes or {}).items()})
            for obj, unit_path, changes in entries]
    AuditEntry.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


def diff(before: dict, after: dict) -> dict:
    return {k: (before.get(k), after[k]) for k in after if before.get(k) != after[k]}


def audit_redact(*, model, object_ids) -> int:
    """PIPL erasure: the audit rows of these objects keep who did what and when, not the personal values."""
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    return AuditEntry.objects.filter(content_type=content_type, object_id__in=list(object_ids)).update(
        object_repr="", changes={}, note="")
