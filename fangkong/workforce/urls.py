from django.urls import path

from fangkong.workforce import views

app_name = "workforce"
urlpatterns = [
    path("", views.post_list, name="post_list"),
    path("mine/", views.my_shifts, name="my_shifts"),
    path("posts/new/", views.post_new, name="post_new"),
    path("posts/<int:post_id>/", views.post_detail, name="post"),
    path("posts/<int:post_id>/shifts/new/", views.shift_new, name="shift_new"),
    path("shifts/<int:shift_id>/edit/", views.shift_edit, name="shift_edit"),
    path("shifts/<int:shift_id>/delete/", views.shift_delete, name="shift_delete"),
    path("shifts/<int:shift_id>/handover/", views.handover_new, name="handover_new"),
]
