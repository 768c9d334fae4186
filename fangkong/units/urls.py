from django.urls import include, path

from fangkong.units.views import checklists, loops, organisations, resumption

app_name = "units"
urlpatterns = [
    path("", organisations.organisation_list, name="index"),
    path("new/", organisations.organisation_new, name="organisation_new"),
    path("<int:organisation_id>/", organisations.organisation_detail, name="organisation_detail"),
    path("<int:organisation_id>/edit/", organisations.organisation_edit, name="organisation_edit"),
    path("<int:organisation_id>/contacts/", organisations.contact_add, name="contact_add"),
    path("<int:organisation_id>/staff/", organisations.staff_add, name="staff_add"),
    path("<int:organisation_id>/staff/import/", organisations.roster_import, name="roster_import"),
    path("<int:organisation_id>/staff/<int:staff_id>/", organisations.staff_change, name="staff_change"),
    path("<int:organisation_id>/plan/", organisations.plan_upload, name="plan_upload"),
    path("<int:organisation_id>/shifts/", organisations.shift_add, name="shift_add"),
    path("<int:organisation_id>/apply/", resumption.apply, name="apply"),
    path("<int:organisation_id>/loop/", loops.loop_start, name="loop_start"),
    path("plans/<int:plan_id>/file/", organisations.plan_file, name="plan_file"),
    path("applications/", resumption.application_list, name="application_list"),
    path("applications/<int:application_id>/", resumption.application_detail, name="application_detail"),
    path("applications/<int:application_id>/review/", resumption.application_review, name="application_review"),
    path("answers/<int:answer_id>/photo/", resumption.answer_photo, name="answer_photo"),
    path("loops/<int:loop_id>/", loops.loop_detail, name="loop_detail"),
    path("loops/<int:loop_id>/exit/", loops.loop_exit, name="loop_exit"),
    path("loops/<int:loop_id>/entry/", loops.loop_entry, name="loop_entry"),
    path("loops/<int:loop_id>/end/", loops.loop_end, name="loop_end"),
    path("checklists/", checklists.checklist_list, name="checklist_list"),
    path("clinics/", include("fangkong.units.clinics.urls")),
    path("disinfection/", include("fangkong.units.disinfection.urls")),
    path("checklists/<str:kind>/", checklists.checklist_detail, name="checklist_detail"),
    path("checklists/items/<int:item_id>/", checklists.item_change, name="item_change"),
]
