"""Alerts (督办提醒): what the monitor raised on the running stage clocks of tickets (DESIGN §2, §4)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from heatdesk.sla.models import AlertLevel, Stage
from heatdesk.tickets.models import SlaClock, Ticket


class Alert(models.Model):
    """预警 / 超时 / 升级: at most one per ticket, stage, level and cycle of the stage's clock (a unique
    constraint, not a hope), so a redone ticket (重办) runs the whole ladder again in its new cycle.

    The alert is closed when its cycle is met: `closed_at` is its clock's `met_at`, so the ticket door
    closes alerts by meeting clocks without knowing alerts exist. `ticket`, `stage` and `cycle` are
    copied from the clock by the monitor.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_alerts")
    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="alerts")
    stage = models.CharField(_("环节"), max_length=12, choices=Stage.choices)
    cycle = models.PositiveIntegerField(_("轮次"), default=1)
    level = models.CharField(_("级别"), max_length=10, choices=AlertLevel.choices)
    station_code = models.CharField(_("供暖所"), max_length=40, blank=True, default="")
    company_code = models.CharField(_("供热企业"), max_length=40, blank=True, default="")
    threshold_at = models.DateTimeField(_("阈值时间"))
    raised_at = models.DateTimeField(_("触发时间"), db_index=True)

    class Meta:
        db_table = "sla_alert"  # the table sla created; the model moved here with its rows
        verbose_name = _("督办提醒")
        verbose_name_plural = _("督办提醒")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "stage", "level", "cycle"], name="unique_alert_per_cycle")
        ]
        indexes = [models.Index(fields=["station_code", "raised_at"], name="supervision_alert_station")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.stage} #{self.cycle} {self.level}"

    @property
    def closed_at(self) -> dt.datetime | None:
        """When the alert's stage was met in its cycle (None while the cycle runs)."""
        return self.clock.met_at
