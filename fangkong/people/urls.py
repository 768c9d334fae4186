from django.urls import path

from fangkong.people import views

app_name = "people"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.person_new, name="person_new"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/merge/", views.merge, name="merge"),
    path("import/", views.import_people, name="import"),
    path("households/<int:household_id>/", views.household, name="household"),
    path("<int:person_id>/", views.person, name="person"),
    path("<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("<int:person_id>/status/", views.person_status, name="person_status"),
    path("<int:person_id>/reveal/", views.person_reveal, name="person_reveal"),
]
