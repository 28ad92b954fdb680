from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "heatdesk.sla"
    label = "sla"
    verbose_name = "时限与督办"
