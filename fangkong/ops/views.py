from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.pagination import page_from_request
from fangkong.ops import selectors, services
from fangkong.ops.health import readyz_response
from fangkong.ops.templatetags.ops import job_progress_context


@never_cache
@require_GET
def readyz(request):
    """Reached only when HealthCheckMiddleware is not installed (it answers /readyz before the Host check)."""
    return readyz_response(request)


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


def _on_call(request, action) -> None:
    """Runs an admin action of the on-call page; a refusal (not failed any more, not defined) is a message."""
    try:
        message = action()
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, message)


@require_POST
@login_required
def jobrun_retry(request, run_id: int):
    require_capability_or_404(request.user, "accounts.manage")
    run = selectors.jobrun_get(user=request.user, run_id=run_id)

    def retry():
        services.jobrun_retry(run=run, actor=request.user)
        return _("%(job)s is queued again.") % {"job": run.job_path}

    _on_call(request, retry)
    return redirect("ops:job_list")


@require_POST
@login_required
def job_retry(request, job_id: int):
    require_capability_or_404(request.user, "accounts.manage")
    job = selectors.job_get(user=request.user, job_id=job_id, action="change")

    def retry():
        services.job_retry(job=job, actor=request.user)
        return _("%(job)s is queued again.") % {"job": job.label}

    _on_call(request, retry)
    return redirect("ops:job_list")


@require_POST
@login_required
def schedule_toggle(request, schedule_id: int):
    require_capability_or_404(request.user, "accounts.manage")
    schedule = selectors.schedule_get(user=request.user, schedule_id=schedule_id)
    enabled = request.POST.get("enabled") == "1"

    def toggle():
        services.schedule_set_enabled(schedule=schedule, enabled=enabled, actor=request.user)
        if enabled:
            return _("The schedule %(name)s is on.") % {"name": schedule.name}
        return _("The schedule %(name)s is off.") % {"name": schedule.name}

    _on_call(request, toggle)
    return redirect("ops:job_list")


@require_POST
@login_required
def schedule_run_now(request, schedule_id: int):
    require_capability_or_404(request.user, "accounts.manage")
    schedule = selectors.schedule_get(user=request.user, schedule_id=schedule_id)

    def run_now():
        services.schedule_run_now(schedule=schedule, actor=request.user)
        return _("%(name)s is queued to run now.") % {"name": schedule.name}

    _on_call(request, run_now)
    return redirect("ops:job_list")
