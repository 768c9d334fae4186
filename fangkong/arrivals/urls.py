from django.urls import path

from fangkong.arrivals import views

app_name = "arrivals"
urlpatterns = [
    path("", views.index, name="index"),
    path("list/", views.arrival_list, name="list"),
    path("new/", views.arrival_new, name="arrival_new"),
    path("import/", views.import_list, name="import"),
    path("hq/", views.hq, name="hq"),
    path("links/new/", views.report_link_new, name="link_new"),
    path("checkpoints/new/", views.checkpoint_new, name="checkpoint_new"),
    path("checkpoints/<int:checkpoint_id>/", views.checkpoint, name="checkpoint"),
    path("checkpoints/<int:checkpoint_id>/occupant/", views.occupant_block, name="occupant_block"),
    path("checkpoints/<int:checkpoint_id>/proposal/", views.proposal, name="proposal"),
    path("occupants/<int:occupant_id>/remeasure/", views.remeasure, name="remeasure"),
    path("report/<str:token>/", views.self_report, name="self_report"),
]
