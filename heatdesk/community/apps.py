from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "heatdesk.community"
    label = "community"
    verbose_name = "社区"
