from django.urls import path

from fangkong.tasks import views

app_name = "tasks"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("backlog/", views.backlog, name="backlog"),
    path("timeliness/", views.timeliness, name="timeliness"),
    path("dispatch/", views.dispatch, name="dispatch"),
    path("<int:task_id>/", views.task_detail, name="task"),
    path("<int:task_id>/accept/", views.task_accept, name="accept"),
    path("<int:task_id>/complete/", views.task_complete, name="complete"),
    path("<int:task_id>/fail/", views.task_fail, name="fail"),
    path("<int:task_id>/cancel/", views.task_cancel, name="cancel"),
    path("<int:task_id>/reassign/", views.task_reassign, name="reassign"),
]
