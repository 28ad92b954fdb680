from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "heatdesk.supervision"
    label = "supervision"
    verbose_name = "督办"
