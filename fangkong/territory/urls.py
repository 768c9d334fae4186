from django.urls import path

from fangkong.territory import views

app_name = "territory"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("search/", views.search, name="search"),
    path("coverage/", views.coverage, name="coverage"),
    path("import/", views.import_tree, name="import"),
    path("export/", views.export, name="export"),
    path("<int:unit_id>/", views.unit, name="unit"),
    path("<int:unit_id>/hotline/", views.hotline_set, name="hotline_set"),
    path("<int:unit_id>/responsibilities/", views.responsibility_add, name="responsibility_add"),
    path("<int:unit_id>/responsibilities/<int:responsibility_id>/remove/", views.responsibility_remove,
         name="responsibility_remove"),
]
