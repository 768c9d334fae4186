from fangkong.testing.urls_field import urlpatterns as field_urls
from fangkong.testing.urls_hq import urlpatterns as hq_urls

app_name = "testing"
urlpatterns = [*field_urls, *hq_urls]
