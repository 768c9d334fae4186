from django.urls import path

from fangkong.supervision.views import assignments, checklists, inspections, overview

app_name = "supervision"
urlpatterns = [
    path("", inspections.index, name="index"),
    path("inspections/new/", inspections.inspection_new, name="inspection_new"),
    path("inspections/<int:inspection_id>/", inspections.inspection_detail, name="inspection_detail"),
    path("inspections/<int:inspection_id>/sites/", inspections.site_add, name="site_add"),
    path("inspections/<int:inspection_id>/sites/<int:inspection_site_id>/", inspections.site_fill, name="site_fill"),
    path("findings/", assignments.finding_list, name="finding_list"),
    path("findings/<int:finding_id>/", assignments.finding_detail, name="finding_detail"),
    path("assignments/", assignments.assignment_list, name="assignment_list"),
    path("assignments/<int:assignment_id>/", assignments.assignment_detail, name="assignment_detail"),
    path("assignments/<int:assignment_id>/rectify/", assignments.rectify, name="rectify"),
    path("assignments/<int:assignment_id>/verify/", assignments.verify, name="verify"),
    path("assignments/<int:assignment_id>/pdf/", assignments.assignment_pdf, name="assignment_pdf"),
    path("checklists/", checklists.checklist_list, name="checklist_list"),
    path("checklists/<str:site_type>/", checklists.checklist_detail, name="checklist_detail"),
    path("checklists/items/<int:item_id>/", checklists.item_change, name="item_change"),
    path("accountability/", overview.accountability, name="accountability"),
    path("figures/", overview.figures, name="figures"),
    path("photos/<int:photo_id>/", overview.photo, name="photo"),
]
