from django.urls import path

from fangkong.tracing.views import assist, cases, graph, report, timeliness

app_name = "tracing"
urlpatterns = [
    path("", cases.index, name="index"),
    path("cases/new/", cases.case_new, name="case_new"),
    path("cases/<int:case_id>/", cases.case_detail, name="case_detail"),
    path("cases/<int:case_id>/edit/", cases.case_edit, name="case_edit"),
    path("cases/<int:case_id>/step/", cases.case_step, name="case_step"),
    path("cases/<int:case_id>/assign/", cases.case_assign, name="case_assign"),
    path("cases/<int:case_id>/visits/", cases.visit_add, name="visit_add"),
    path("cases/<int:case_id>/visits/<int:visit_id>/remove/", cases.visit_remove, name="visit_remove"),
    path("cases/<int:case_id>/exposures/", cases.exposure_add, name="exposure_add"),
    path("cases/<int:case_id>/contacts/", cases.contact_add, name="contact_add"),
    path("cases/<int:case_id>/contacts/import/", cases.contacts_import, name="contacts_import"),
    path("cases/<int:case_id>/contacts/<int:contact_id>/release/", cases.contact_release, name="contact_release"),
    path("cases/<int:case_id>/links/", cases.link_add, name="link_add"),
    path("cases/<int:case_id>/links/<int:link_id>/remove/", cases.link_remove, name="link_remove"),
    path("cases/<int:case_id>/detection/", cases.detection_new, name="detection_new"),
    path("runs/<int:run_id>/", cases.run_detail, name="run_detail"),
    path("runs/<int:run_id>/hits/", cases.hits_action, name="hits_action"),
    path("cases/<int:case_id>/report/", report.case_report, name="case_report"),
    path("cases/<int:case_id>/report.pdf", report.case_report_pdf, name="case_report_pdf"),
    path("graph/", graph.graph_page, name="graph"),
    path("graph.json", graph.graph_data, name="graph_data"),
    path("timeliness/", timeliness.timeliness_page, name="timeliness"),
    path("assist/", assist.assist_list, name="assist_list"),
    path("assist/export/", assist.assist_export, name="assist_export"),
    path("assist/<int:assist_id>/", assist.assist_update, name="assist_update"),
]
