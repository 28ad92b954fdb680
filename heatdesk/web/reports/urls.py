"""Report pages (报表): KPIs, rankings, charts, exports. Owned by the reports context's page views."""

from django.urls import path

from heatdesk.web.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.season, name="season"),
    path("day/", views.day, name="day"),
    path("export/season.xlsx", views.export_season, name="export_season"),
    path("export/day.xlsx", views.export_day, name="export_day"),
    path("export/tickets.csv", views.export_tickets, name="export_tickets"),
]
