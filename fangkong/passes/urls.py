from django.urls import path

from fangkong.passes import views

app_name = "passes"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.freight_new, name="freight_new"),
    path("<int:freight_pass_id>/", views.freight_detail, name="freight_detail"),
    path("<int:freight_pass_id>/review/", views.freight_review, name="freight_review"),
    path("<int:freight_pass_id>/revoke/", views.freight_revoke, name="freight_revoke"),
    path("scan/", views.scan, name="scan"),
    path("scans/", views.scan_list, name="scan_list"),
    path("escort/", views.escort_list, name="escort_list"),
    path("escort/new/", views.escort_new, name="escort_new"),
    path("escort/scan/", views.gate_scan, name="gate_scan"),
    path("escort/<int:escort_pass_id>/", views.escort_detail, name="escort_detail"),
    path("escort/<int:escort_pass_id>/revoke/", views.escort_revoke, name="escort_revoke"),
    path("escort/<int:escort_pass_id>/test/", views.escort_test, name="escort_test"),
]
