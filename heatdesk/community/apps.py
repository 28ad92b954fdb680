from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "heatdesk.community"
    label = "community"
    verbose_name = "社区 双管家·未诉先办"
