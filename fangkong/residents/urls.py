from django.urls import path

from fangkong.residents import views

app_name = "residents"

urlpatterns = [
    path("", views.signin_page, name="signin"),
    path("code/", views.code_page, name="code"),
    path("me/", views.home, name="home"),
    path("me/checkin/", views.checkin_self, name="checkin"),
    path("me/checkin/<int:person_id>/", views.checkin_dependent, name="checkin_for"),
    path("signout/", views.signout, name="signout"),
    path("text-size/", views.text_size, name="text_size"),
]
