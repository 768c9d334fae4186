from django.urls import path

from fangkong.notices import feeds, views

app_name = "notices"

urlpatterns = [
    path("", views.staff_list, name="index"),
    path("new/", views.notice_new, name="new"),
    path("manage/<int:notice_id>/", views.notice_manage, name="manage"),
    path("manage/<int:notice_id>/edit/", views.notice_edit, name="edit"),
    path("manage/<int:notice_id>/withdraw/", views.notice_withdraw, name="withdraw"),
    path("manage/<int:notice_id>/supersede/", views.notice_supersede, name="supersede"),
    path("node/<int:node>/", views.node_notices, name="node"),
    path("node/<int:node>/feed/", feeds.NodeNoticesFeed(), name="node_feed"),
    path("gates/", views.gate_list, name="gates"),
    path("gates/<int:gate_id>/", views.gate_edit, name="gate_edit"),
    path("gates.geojson", views.gates_geojson, name="gates_geojson"),
    # Last: a public number is any other single path segment.
    path("<str:number>/", views.public_notice, name="public"),
    path("<str:number>/files/<int:position>/", views.attachment, name="attachment"),
]
