from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "heatdesk.tickets"
    label = "tickets"
    verbose_name = "工单"
