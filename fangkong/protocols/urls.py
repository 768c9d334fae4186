from django.urls import path

from fangkong.protocols import views

app_name = "protocols"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:rule_set_id>/", views.ruleset, name="ruleset"),
    path("<int:rule_set_id>/copy/", views.ruleset_copy, name="copy"),
    path("<int:rule_set_id>/edit/", views.ruleset_edit, name="edit"),
    path("<int:rule_set_id>/edit/json/", views.ruleset_edit_json, name="edit_json"),
    path("<int:rule_set_id>/activate/", views.ruleset_activate, name="activate"),
]
