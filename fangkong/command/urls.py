from django.urls import path

from fangkong.command.views import dashboard, press, reports, review, target

app_name = "command"
urlpatterns = [
    path("", dashboard.dashboard_page, name="dashboard"),
    path("u/<int:unit_id>/", dashboard.dashboard_page, name="dashboard_unit"),
    path("u/<int:unit_id>/data.json", dashboard.dashboard_data, name="dashboard_data"),
    path("u/<int:unit_id>/map.json", dashboard.map_data, name="map_data"),
    path("refresh/", dashboard.refresh, name="refresh"),
    path("u/<int:unit_id>/target/", target.target_update, name="target_update"),
    path("reports/", reports.report_list, name="report_list"),
    path("reports/new/", reports.report_new, name="report_new"),
    path("reports/<int:report_id>.pdf", reports.report_pdf, name="report_pdf"),
    path("reports/<int:report_id>.xlsx", reports.report_xlsx, name="report_xlsx"),
    path("press/", press.press_page, name="press"),
    path("review/", review.review_page, name="review"),
    path("review/<int:item_id>/", review.item_update, name="review_item"),
    path("review/generate/", review.generate, name="review_generate"),
    path("review/add/", review.item_add, name="review_add"),
]
