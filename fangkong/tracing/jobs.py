"""Co-presence detection for one case as a background job: the uploaded visits (venue scans, cell visits) and the
case's itinerary places with a place code go through the engine; every person found becomes a hit to review."""

import csv
import os
import shutil
import tempfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fangkong.tracing.models import Case, DetectionHit, DetectionRun


def _case_rows(case: Case) -> tuple[list[dict], list[dict]]:
    """The engine's cases row and extra visits for this case: its ID number as person_id, its window, and the
    itinerary places that carry a place code (times in UTC ISO-8601)."""
    key = case.person.id_number
    cases = [{"case_id": key, "window_start": case.window_start.isoformat(), "window_end": case.window_end.isoformat()}]
    visits = [{"person_id": key, "place_id": v.place_code, "start": v.start.isoformat(),
               "end": v.end.isoformat() if v.end else ""} for v in case.visits.exclude(place_code="")]
    return cases, visits


def _write_csv(path: str, fields: list[str], rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore", restval="")
        writer.writeheader()
        writer.writerows(rows)


def _visits_source(run: DetectionRun, extra: list[dict], work: str) -> str:
    """The engine's visits: the uploaded file, plus for a CSV upload the itinerary rows in a second CSV with the
    upload's own header (so the two read as one table through a glob)."""
    if not extra or not run.path.lower().endswith(".csv"):
        return run.path
    with open(run.path, encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    first = os.path.join(work, "visits-0.csv")
    shutil.copyfile(run.path, first)
    _write_csv(os.path.join(work, "visits-1.csv"), [h.strip() for h in header], extra)
    return os.path.join(work, "visits-*.csv")


def detection_start(*, case: Case, upload, min_minutes: int, default_dwell_minutes: int, actor) -> DetectionRun:
    from fangkong.ops.services import start_job
    from fangkong.tracing.services import _ensure_may_trace

    _ensure_may_trace(actor, case.unit)
    suffix = os.path.splitext(upload.name or "")[1].lower()
    if suffix not in (".csv", ".parquet"):
        raise ValidationError({"file": _("Upload the visits as CSV or Parquet.")})
    folder = settings.MEDIA_ROOT / "copresence"
    folder.mkdir(parents=True, exist_ok=True)
    handle, path = tempfile.mkstemp(prefix=f"visits-{case.pk}-", suffix=suffix, dir=folder)
    with os.fdopen(handle, "wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    with transaction.atomic():
        run = DetectionRun.objects.create(case=case, filename=(upload.name or "")[:200], path=path,
                                          min_minutes=min_minutes, default_dwell_minutes=default_dwell_minutes,
                                          created_by=actor if actor is not None and actor.is_authenticated else None)
        job = start_job(kind="tracing_copresence", actor=actor, unit=case.unit,
                        label=_("Co-presence for case %(number)s: %(name)s") % {"number": case.number,
                                                                                "name": run.filename[:100]},
                        func_path="fangkong.tracing.jobs.detection_job", kwargs={"run_id": run.pk})
        run.job = job
        run.save(update_fields=["job"])
    return run


def detection_job(*, progress, run_id: int) -> dict:
    """Runs the engine for the run's case and stores its hits; a refused file ends the run as failed with the
    engine's message (which names the row and column)."""
    from fangkong.people.selectors import persons_by_documents
    from fangkong.tracing.engine.copresence import CopresenceInputError, find_copresence

    run = DetectionRun.objects.select_related("case__person").get(pk=run_id)
    case = run.case
    cases, extra = _case_rows(case)
    with tempfile.TemporaryDirectory(prefix="fk-copresence-") as work:
        cases_path = os.path.join(work, "cases.csv")
        _write_csv(cases_path, ["case_id", "window_start", "window_end"], cases)
        visits = _visits_source(run, extra, work)
        out_path = os.path.join(work, "hits.csv")
        try:
            summary = find_copresence(visits, cases_path, out_path, min_minutes=run.min_minutes,
                                      default_dwell_minutes=run.default_dwell_minutes,
                                      timezone=settings.TIME_ZONE, temp_directory=work,
                                      progress=lambda step, done, total: progress(done, total))
        except CopresenceInputError as exc:
            # Name the file the tracer uploaded, not the copy the job read.
            message = str(exc).replace(visits, run.filename).replace(os.path.join(work, "visits-0.csv"),
                                                                     run.filename).replace(run.path, run.filename)
            DetectionRun.objects.filter(pk=run.pk).update(status=DetectionRun.Status.FAILED, error=message[:500],
                                                          finished_at=timezone.now())
            return {"error": message}
        except Exception:
            DetectionRun.objects.filter(pk=run.pk).update(status=DetectionRun.Status.FAILED,
                                                          error=_("The detection failed; see the job's log.")[:500],
                                                          finished_at=timezone.now())
            raise
        with open(out_path, encoding="utf-8") as fh:
            rows = [row for row in csv.DictReader(fh) if row["case_id"] == case.person.id_number]
    keys = [row["contact_id"].strip().upper() for row in rows]
    people = persons_by_documents(id_type="resident", id_numbers=keys)
    hits = [DetectionHit(run=run, person_key=key[:40], person_id=people.get(key),
                         copresent_minutes=float(row["copresent_minutes"]),
                         first_contact=parse_datetime(row["first_contact"]),
                         last_contact=parse_datetime(row["last_contact"]), places=row["places"][:500])
            for key, row in zip(keys, rows, strict=True)]
    with transaction.atomic():
        DetectionHit.objects.bulk_create(hits, batch_size=1000)
        DetectionRun.objects.filter(pk=run.pk).update(status=DetectionRun.Status.DONE, finished_at=timezone.now(),
                                                      visits_read=getattr(summary, "visits_read", 0) or 0)
    return {"hits": len(hits), "on_file": sum(1 for h in hits if h.person_id)}
