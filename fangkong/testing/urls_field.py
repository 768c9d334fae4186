from django.urls import path

from fangkong.testing.views import field

urlpatterns = [
    path("sample/", field.sampler_home, name="sampler_home"),
    path("sample/points/<int:point_id>/", field.point_sample, name="point_sample"),
    path("sample/points/<int:point_id>/queue/", field.point_queue, name="point_queue"),
    path("sample/points/<int:point_id>/handover/", field.handover_new, name="handover_new"),
    path("sample/tubes/<str:code>/", field.tube_fill, name="tube_fill"),
    path("sample/tubes/<str:code>/close/", field.tube_close, name="tube_close"),
    path("sample/tubes/<str:code>/samples/<int:sample_id>/remove/", field.sample_remove, name="sample_remove"),
    path("lab/", field.lab_home, name="lab_home"),
    path("lab/handovers/<int:handover_id>/", field.handover_receive, name="handover_receive"),
    path("lab/tubes/<str:code>/result/", field.tube_result, name="tube_result"),
    path("lab/results/", field.lab_results_upload, name="lab_results_upload"),
    path("points/", field.public_points, name="public_points"),
]
