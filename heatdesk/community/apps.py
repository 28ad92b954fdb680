from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "heatdesk.community"
    label = "community"
    verbose_name = "社区 双管家·未诉先办"

    def ready(self) -> None:
        from heatdesk.community.care import station_card_facts
        from heatdesk.tickets.notifications import STATION_CARD_FACTS

        if station_card_facts not in STATION_CARD_FACTS:
            STATION_CARD_FACTS.append(station_card_facts)
