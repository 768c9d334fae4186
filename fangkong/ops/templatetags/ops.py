"""`{% load ops %}{% job_progress job %}`: a job's progress box, polling itself until the job ends."""

from django import template

from fangkong.ops.models import Job

register = template.Library()


def job_progress_context(job: Job, user) -> dict:
    may_cancel = (
        not job.is_finished
        and not job.cancel_requested
        and user is not None
        and Job.objects.visible_to(user, "change").filter(pk=job.pk).exists()
    )
    return {"job": job, "may_cancel": may_cancel}


@register.inclusion_tag("ops/job_progress.html", takes_context=True)
def job_progress(context, job: Job) -> dict:
    request = context.get("request")
    result = job_progress_context(job, getattr(request, "user", None))
    result["csrf_token"] = context.get("csrf_token")
    return result
