from django.urls import path  # noqa: F401 - report pages are added here

app_name = "reports"

urlpatterns: list = []
