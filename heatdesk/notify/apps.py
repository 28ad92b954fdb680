from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "heatdesk.notify"
    label = "notify"
    verbose_name = "消息通知"
