from django.urls import path

from fangkong.exports import views

app_name = "exports"

urlpatterns = [
    path("", views.export_list, name="list"),
    path("new/", views.export_new, name="new"),
    path("log/", views.export_log, name="log"),
    path("<int:export_id>/", views.export_detail, name="detail"),
    path("<int:export_id>/row/", views.export_row, name="row"),
    path("<int:export_id>/download/", views.export_download, name="download"),
    path("presets/<int:preset_id>/delete/", views.preset_delete, name="preset_delete"),
]
