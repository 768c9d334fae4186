from django.urls import path

from fangkong.ops import views

app_name = "ops"
urlpatterns = [
    path("readyz", views.readyz, name="readyz"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/cancel", views.job_cancel, name="job_cancel"),
    path("jobs/<int:job_id>/retry", views.job_retry, name="job_retry"),
    path("runs/<int:run_id>/retry", views.jobrun_retry, name="jobrun_retry"),
    path("schedules/<int:schedule_id>/toggle", views.schedule_toggle, name="schedule_toggle"),
    path("schedules/<int:schedule_id>/run", views.schedule_run_now, name="schedule_run_now"),
]
