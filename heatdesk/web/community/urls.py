from django.urls import path

from heatdesk.web.community import views

urlpatterns = [
    path("", views.community_home, name="community"),
    path("compounds/<str:code>/stewards/", views.stewards_page, name="community-stewards"),
    path("register/", views.register_page, name="community-register"),
    path("campaigns/", views.campaigns_page, name="community-campaigns"),
    path("visit/", views.visit_page, name="community-visit"),
    path("ledgers/", views.ledgers_page, name="community-ledgers"),
    path("ledgers/<int:ledger_id>/", views.ledger_page, name="community-ledger"),
]
