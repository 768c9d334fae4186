from django.urls import path

from fangkong.units.clinics import views

urlpatterns = [
    path("", views.clinic_index, name="clinic_index"),
    path("new/", views.clinic_new, name="clinic_new"),
    path("report/", views.fever_report, name="fever_report"),
    path("<int:clinic_id>/", views.clinic_detail, name="clinic_detail"),
    path("<int:clinic_id>/staff/", views.clinic_staff_add, name="clinic_staff_add"),
]
