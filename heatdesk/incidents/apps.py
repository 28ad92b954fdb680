from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "heatdesk.incidents"
    label = "incidents"
    verbose_name = "停热事件"
