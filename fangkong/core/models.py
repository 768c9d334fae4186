from django.db import models


class IdempotencyRecord(models.Model):
    """The stored answer to a mutating API call, replayed when a device retries with the same key."""

    key = models.CharField(max_length=128)
    # Who sent it and where: a key is only meaningful for one caller and one route.
    caller = models.CharField(max_length=64)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=512)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="idempotency_unique_key")]
