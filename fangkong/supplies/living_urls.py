"""Living support for controlled households: needs, unified purchase batches, delivery rounds, the household's
own page."""

from django.urls import path

from fangkong.supplies.views import living as views

urlpatterns = [
    path("needs/", views.need_list, name="living_needs"),
    path("needs/households/", views.household_list, name="living_households"),
    path("needs/households/<int:household_id>/", views.household_detail, name="living_household"),
    path("needs/households/<int:household_id>/link/", views.household_link, name="living_household_link"),
    path("needs/households/<int:household_id>/new/", views.need_new, name="living_need_new"),
    path("needs/<int:need_id>/", views.need_detail, name="living_need"),
    path("batches/", views.batch_list, name="living_batches"),
    path("batches/new/", views.batch_new, name="living_batch_new"),
    path("batches/<int:batch_id>/", views.batch_detail, name="living_batch"),
    path("deliveries/", views.round_list, name="living_rounds"),
    path("deliveries/new/", views.round_new, name="living_round_new"),
    path("deliveries/<int:delivery_id>/", views.round_detail, name="living_round"),
    path("deliveries/<int:delivery_id>/stops/<int:stop_id>/confirm/", views.stop_confirm, name="living_stop_confirm"),
    path("deliveries/stops/<int:stop_id>/photo/", views.stop_photo, name="living_stop_photo"),
    path("h/<str:token>/", views.public_household, name="living_public"),
    path("h/<str:token>/stops/<int:stop_id>/confirm/", views.public_confirm, name="living_public_confirm"),
]
