from fangkong.supplies.living_urls import urlpatterns as living
from fangkong.supplies.stock_urls import urlpatterns as stock

app_name = "supplies"
urlpatterns = [*stock, *living]
