from django.urls import path

from heatdesk.web.incidents import views

urlpatterns = [
    path("", views.incident_list, name="incidents"),
    path("declare/", views.incident_declare, name="incident-declare"),
    path("<str:code>/", views.incident_detail, name="incident"),
    path("<str:code>/update/", views.incident_update, name="incident-update"),
    path("<str:code>/restore/", views.incident_restore, name="incident-restore"),
]
