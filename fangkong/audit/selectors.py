from django.contrib.contenttypes.models import ContentType

from fangkong.audit.models import AuditEntry


def audit_for_object(*, user, obj, limit: int = 200):
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return (
        AuditEntry.objects.visible_to(user, "view")
        .filter(content_type=ct, object_id=obj.pk)
        .select_related("actor")[:limit]
    )
