from django.apps import AppConfig


class GuidanceConfig(AppConfig):
    name = "heatdesk.guidance"
    label = "guidance"
    verbose_name = "电话指导"
