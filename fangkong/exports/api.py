"""POST /api/v1/exports/ queues an export; GET /{id} its progress; GET /{id}/download the file (owner only)."""

from django.urls import reverse
from ninja import Router, Status

from fangkong.exports import selectors, services
from fangkong.exports.schemas import ExportIn, ExportOut

router = Router(tags=["exports"])


def _out(export) -> dict:
    job = export.job
    return {
        "id": export.pk, "job_id": export.job_id, "source": export.source, "format": export.format,
        "status": export.state, "done": job.done if job else 0, "total": job.total if job else None,
        "filters": export.filters, "columns": export.columns, "revealed": export.revealed,
        "row_count": export.row_count, "file_size": export.file_size, "created_at": export.created_at,
        "finished_at": export.finished_at, "expires_at": export.expires_at,
        "download_url": reverse("api:export_download", kwargs={"export_id": export.pk})
        if export.is_downloadable else None,
    }


@router.post("/", response={201: ExportOut})
def export_create(request, payload: ExportIn):
    export = services.export_start(actor=request.auth, source_code=payload.source, format=payload.format,
                                   params={k: str(v) for k, v in payload.filters.items()}, columns=payload.columns,
                                   reveal=payload.reveal, reason=payload.reason)
    export = selectors.export_get(user=request.auth, export_id=export.pk)
    return Status(201, _out(export))


@router.get("/{export_id}", response=ExportOut)
def export_status(request, export_id: int):
    return _out(selectors.export_get(user=request.auth, export_id=export_id))


@router.get("/{export_id}/download", url_name="export_download")
def export_download(request, export_id: int):
    from fangkong.exports.views import download_response

    return download_response(selectors.export_get(user=request.auth, export_id=export_id), actor=request.auth)
