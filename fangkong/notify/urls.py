from django.urls import path

from fangkong.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.index, name="index"),
]
