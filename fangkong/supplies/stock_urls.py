"""Stock, requests and donations, under /supplies/ (namespace "supplies")."""

from django.urls import path

from fangkong.supplies.views import donations, stock

urlpatterns = [
    path("stock/", stock.stock_index, name="stock_index"),
    path("stock/low/", stock.stock_low, name="stock_low"),
    path("stock/items/", stock.stock_items, name="stock_items"),
    path("stock/places/new/", stock.stock_place_new, name="stock_place_new"),
    path("stock/places/<int:place_id>/", stock.stock_place, name="stock_place"),
    path("stock/places/<int:place_id>/ledger/", stock.stock_ledger, name="stock_ledger"),
    path("stock/places/<int:place_id>/move/", stock.stock_move, name="stock_move"),
    path("requests/", stock.request_list, name="request_list"),
    path("requests/new/", stock.request_new, name="request_new"),
    path("requests/<int:supply_request_id>/", stock.request_detail, name="request_detail"),
    path("requests/<int:supply_request_id>/decide/", stock.request_decide, name="request_decide"),
    path("requests/<int:supply_request_id>/issue/", stock.request_issue, name="request_issue"),
    path("requests/<int:supply_request_id>/receive/", stock.request_receive, name="request_receive"),
    path("donations/", donations.donation_list, name="donation_list"),
    path("donations/new/", donations.donation_new, name="donation_new"),
    path("donations/disclosure/", donations.donation_disclosure, name="donation_disclosure"),
    path("donations/<int:donation_id>/", donations.donation_detail, name="donation_detail"),
    path("donations/<int:donation_id>/allocate/", donations.donation_allocate, name="donation_allocate"),
]
