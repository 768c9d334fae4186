"""Background jobs of the exports app: writing one export (ops.start_job) and the retention sweep (ops schedule)."""

from fangkong.exports import services


def export_job(*, progress, export_id: int) -> dict:
    export = services.export_write(export_id=export_id, progress=progress)
    return services.export_result(export)


def expire_exports_job() -> int:
    """Daily: removes export files past EXPORTS_RETENTION_DAYS."""
    return services.exports_expire()
