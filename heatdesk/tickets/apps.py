from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "heatdesk.tickets"
    label = "tickets"
    verbose_name = "工单"

    def ready(self) -> None:
        # sla sits below tickets and cannot write ticket events itself; it calls us back, inside the
        # alert's own transaction, so each raised alert lands in the ticket's log as alert_<level>.
        from heatdesk.sla.monitor import alert_listener_add
        from heatdesk.tickets.events import alert_event_record

        alert_listener_add(alert_event_record)
