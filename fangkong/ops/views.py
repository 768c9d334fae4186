from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from fangkong.accounts.roles import has_capability
from fangkong.core.pagination import page_from_request
from fangkong.ops import selectors, services
from fangkong.ops.health import readiness
from fangkong.ops.templatetags.ops import job_progress_context


@never_cache
@require_GET
def readyz(request):
    ok, checks = readiness()
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)


@login_required
def job_list(request):
    if not has_capability(request.user, "accounts.manage"):
        raise PermissionDenied
    context = {
        "failed_runs": page_from_request(selectors.jobrun_failed_list(user=request.user), request, size=50),
        "pending_runs": selectors.jobrun_pending_list(user=request.user)[:50],
        "schedules": selectors.schedule_list(user=request.user),
        "heartbeats": selectors.heartbeat_list(user=request.user)[:20],
        "failed_jobs": selectors.job_list(user=request.user, status="failed")[:50],
    }
    return render(request, "ops/job_list.html", context)


@never_cache
@vary_on_headers("HX-Request")
@login_required
def job_detail(request, job_id: int):
    job = selectors.job_get(user=request.user, job_id=job_id)
    context = job_progress_context(job, request.user)
    if request.htmx:
        response = render(request, "ops/job_progress.html", context)
        if job.is_finished:
            # 286 tells htmx to stop polling; the finished state is still swapped in.
            return HttpResponseStopPolling(response.content)
        return response
    return render(request, "ops/job_detail.html", context)


@require_POST
@login_required
def job_cancel(request, job_id: int):
    job = selectors.job_get(user=request.user, job_id=job_id, action="change")
    job = services.job_cancel(job=job, actor=request.user)
    if request.htmx:
        return render(request, "ops/job_progress.html", job_progress_context(job, request.user))
    return redirect("ops:job_detail", job_id=job.pk)
