from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "heatdesk.reports"
    label = "reports"
    verbose_name = "统计报表"

    def ready(self) -> None:
        # Imported history lands on past days: sealed KPI days that gained tickets are computed live again.
        from heatdesk.reports.daybook import kpi_day_unseal
        from heatdesk.tickets.signals import tickets_imported

        def unseal_imported_days(sender, *, days, **kwargs) -> None:
            kpi_day_unseal(days=days)

        tickets_imported.connect(unseal_imported_days, weak=False, dispatch_uid="reports.unseal_imported_days")
