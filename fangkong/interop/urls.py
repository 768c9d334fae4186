from django.urls import path

from fangkong.interop import views

app_name = "interop"
urlpatterns = [
    path("", views.inbox_list, name="index"),
    path("inbox/", views.inbox_list, name="inbox_list"),
    path("inbox/<int:inbox_item_id>/", views.inbox_detail, name="inbox_detail"),
    path("inbox/<int:inbox_item_id>/resolve/", views.inbox_resolve, name="inbox_resolve"),
    path("inbox/<int:inbox_item_id>/reject/", views.inbox_reject, name="inbox_reject"),
    path("dhis2/", views.dhis2_page, name="dhis2"),
    path("dhis2/elements/", views.dhis2_element, name="dhis2_element"),
    path("dhis2/org-units/", views.dhis2_org_unit, name="dhis2_org_unit"),
    path("dhis2/push/", views.dhis2_push, name="dhis2_push"),
]
