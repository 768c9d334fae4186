from django.urls import path

from fangkong.isolation.care.urls import urlpatterns as care_urls
from fangkong.isolation.views import sites, trips

app_name = "isolation"
urlpatterns = [
    path("", sites.index, name="index"),
    path("sites/new/", sites.site_new, name="site_new"),
    path("sites/<int:site_id>/", sites.site_detail, name="site_detail"),
    path("sites/<int:site_id>/rooms/pattern/", sites.rooms_pattern, name="rooms_pattern"),
    path("sites/<int:site_id>/rooms/upload/", sites.rooms_upload, name="rooms_upload"),
    path("sites/<int:site_id>/trips/new/", trips.trip_new, name="trip_new"),
    path("queue/", sites.queue, name="queue"),
    path("releases/", sites.releases, name="releases"),
    path("stays/<int:stay_id>/release/", sites.release, name="release"),
    path("trips/", trips.trip_list, name="trip_list"),
    path("trips/<int:trip_id>/", trips.trip_detail, name="trip_detail"),
    path("trips/<int:trip_id>/stops/<int:stay_id>/pickup/", trips.pickup, name="pickup"),
    path("trips/<int:trip_id>/stops/<int:stay_id>/handover/", trips.handover, name="handover"),
    *care_urls,
]
