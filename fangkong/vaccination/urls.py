from django.urls import path

from fangkong.vaccination import views

app_name = "vaccination"

urlpatterns = [
    path("", views.coverage_page, name="coverage"),
    path("nodes/<int:unit_id>/", views.coverage_page, name="coverage_unit"),
    path("import/", views.import_page, name="import"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/<int:dose_import_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:dose_import_id>/rejected.csv", views.import_rejected_csv, name="import_rejected_csv"),
    path("products/", views.products_page, name="products"),
]
