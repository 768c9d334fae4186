app_name = "protocols"
urlpatterns = []
