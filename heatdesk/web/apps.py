from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "heatdesk.web"
    label = "web"
    verbose_name = "页面"
