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


class ImportRecord(models.Model):
    """A file that was imported, by content hash: written in the import's own transaction, so a job that
    dies after committing and runs again finds its file already in and does not import it twice."""

    kind = models.CharField(max_length=40)
    checksum = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "checksum"], name="import_record_unique_file")]
