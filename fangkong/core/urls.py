from django.urls import path

from fangkong.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("at/<int:unit_id>/", views.home_unit, name="home_unit"),
    path("healthz", views.healthz, name="healthz"),
]
