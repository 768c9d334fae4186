from django.urls import path

from fangkong.workforce import roster_views, views, volunteer_views

app_name = "workforce"
urlpatterns = [
    path("", views.post_list, name="post_list"),
    path("mine/", views.my_shifts, name="my_shifts"),
    path("hq/", roster_views.hq, name="hq"),
    path("rules/", roster_views.rules_page, name="rules"),
    path("posts/new/", views.post_new, name="post_new"),
    path("posts/<int:post_id>/", views.post_detail, name="post"),
    path("posts/<int:post_id>/shifts/new/", views.shift_new, name="shift_new"),
    path("posts/<int:post_id>/rosters/new/", roster_views.roster_new, name="roster_new"),
    path("posts/<int:post_id>/groups/new/", roster_views.group_new, name="group_new"),
    path("rosters/<int:roster_id>/", roster_views.roster_detail, name="roster"),
    path("shifts/<int:shift_id>/edit/", views.shift_edit, name="shift_edit"),
    path("shifts/<int:shift_id>/delete/", views.shift_delete, name="shift_delete"),
    path("shifts/<int:shift_id>/handover/", views.handover_new, name="handover_new"),
    path("shifts/<int:shift_id>/attendance/", roster_views.shift_attendance, name="shift_attendance"),
    path("volunteers/", volunteer_views.volunteer_list, name="volunteer_list"),
    path("volunteers/import/", volunteer_views.volunteer_import, name="volunteer_import"),
    path("volunteers/<int:volunteer_id>/", volunteer_views.volunteer_detail, name="volunteer"),
    path("volunteers/<int:volunteer_id>/link/", volunteer_views.volunteer_link_revoke, name="volunteer_link_revoke"),
    # Public: no login.
    path("join/", volunteer_views.volunteer_join, name="volunteer_join"),
    path("v/<str:token>/", volunteer_views.volunteer_link, name="volunteer_link"),
    path("v/<str:token>/shifts/<int:shift_id>/handover/", volunteer_views.volunteer_link_handover,
         name="volunteer_link_handover"),
]
