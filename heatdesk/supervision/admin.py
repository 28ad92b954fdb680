"""时限计时与督办提醒 in the admin: the clocks' cycles and the monitor's alerts, read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from heatdesk.sla.admin import ReadOnlyAdmin
from heatdesk.supervision.models import Alert
from heatdesk.tickets.models import SlaClock


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = (
        "ticket",
        "stage",
        "cycle",
        "urgency",
        "station_code",
        "started_at",
        "due_at",
        "met_at",
        "next_threshold_at",
    )
    list_filter = ("stage", "urgency", ("met_at", admin.EmptyFieldListFilter))
    search_fields = ("ticket__number", "station_code", "company_code")
    list_select_related = ("ticket",)
    date_hierarchy = "started_at"


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = (
        "ticket",
        "stage",
        "cycle",
        "level",
        "station_code",
        "company_code",
        "threshold_at",
        "raised_at",
        "closed",
    )
    list_filter = ("level", "stage", ("clock__met_at", admin.EmptyFieldListFilter))
    search_fields = ("ticket__number", "station_code", "company_code")
    list_select_related = ("ticket", "clock")
    date_hierarchy = "raised_at"

    @admin.display(description=_("关闭时间"), ordering="clock__met_at")
    def closed(self, alert: Alert) -> Any:
        return alert.closed_at
