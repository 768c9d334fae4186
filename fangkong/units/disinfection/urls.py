from django.urls import path

from fangkong.units.disinfection import views

urlpatterns = [
    path("", views.disinfection_index, name="disinfection_index"),
    path("orders/new/", views.order_new, name="disinfection_order_new"),
    path("orders/<int:disinfection_order_id>/", views.order_detail, name="disinfection_order"),
    path("schedules/", views.schedule_add, name="disinfection_schedule_add"),
    path("schedules/<int:disinfection_schedule_id>/stop/", views.schedule_stop, name="disinfection_schedule_stop"),
    path("tasks/<int:task_id>/done/", views.task_done, name="disinfection_task_done"),
    path("map.geojson", views.disinfection_map, name="disinfection_map"),
]
