"""Included by the isolation app under /isolation/ (namespace "isolation")."""

from django.urls import path

from fangkong.isolation.care import views

urlpatterns = [
    path("sites/<int:site_id>/floors/", views.care_floors, name="care_floors"),
    path("sites/<int:site_id>/floors/<int:floor>/checks/", views.care_floor, name="care_floor"),
    path("sites/<int:site_id>/requests/", views.care_requests, name="care_requests"),
    path("sites/<int:site_id>/requests/new/", views.care_request_add, name="care_request_add"),
    path("sites/<int:site_id>/requests/<int:request_id>/answer/", views.care_request_answer,
         name="care_request_answer"),
]
