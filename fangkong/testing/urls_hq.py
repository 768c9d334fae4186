from django.urls import path

from fangkong.testing.views import hq

urlpatterns = [
    path("", hq.index, name="index"),
    path("rounds/new/", hq.round_new, name="round_new"),
    path("rounds/<int:round_id>/", hq.round_detail, name="round_detail"),
    path("rounds/<int:round_id>/status/", hq.round_status, name="round_status"),
    path("rounds/<int:round_id>/extras/", hq.round_extra, name="round_extra"),
    path("rounds/<int:round_id>/import/", hq.round_import, name="round_import"),
    path("rounds/<int:round_id>/unsampled/", hq.unsampled, name="unsampled"),
    path("rounds/<int:round_id>/unsampled/tasks/", hq.unsampled_tasks, name="unsampled_tasks"),
    path("rounds/<int:round_id>/recall.csv", hq.recall_export, name="recall_export"),
    path("recalls/<int:recall_id>/", hq.recall_detail, name="recall_detail"),
    path("points/manage/", hq.point_list, name="point_list"),
    path("points/new/", hq.point_new, name="point_new"),
    path("labs/", hq.lab_list, name="lab_list"),
    path("labs/new/", hq.lab_new, name="lab_new"),
    path("labs/<int:lab_id>/staff/", hq.lab_staff_add, name="lab_staff_add"),
]
