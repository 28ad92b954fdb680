from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "heatdesk.api"
    label = "api"
    verbose_name = "API"
