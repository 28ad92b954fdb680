from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "heatdesk.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from heatdesk.core.logging import install_request_id_records

        install_request_id_records()
