from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "heatdesk.operations"
    label = "operations"
    verbose_name = "运维"
