from django.urls import path

from fangkong.risk import views

app_name = "risk"
urlpatterns = [
    path("", views.area_list, name="list"),
    path("declare/", views.declare, name="declare"),
    path("resolve/", views.resolve, name="resolve"),
    path("import/", views.import_list, name="import"),
    path("proposals/", views.proposals, name="proposals"),
    path("proposals/<int:proposal_id>/<str:decision>/", views.proposal_decide, name="proposal_decide"),
    path("public/", views.public, name="public"),
    path("<int:area_id>/", views.area_detail, name="area"),
    path("<int:area_id>/level/", views.change_level, name="change_level"),
    path("<int:area_id>/lift/", views.lift, name="lift"),
]
