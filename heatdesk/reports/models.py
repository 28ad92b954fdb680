"""The KPI day book (台账): the raw KPI aggregates of *sealed* days, so season-long reports over millions
of tickets read a few thousand rows instead of scanning every ticket.

A day is sealed when every ticket created on it (a local day, Asia/Shanghai) is closed or merged. Such
tickets can never change again (no action leaves a final status), so the day's numerators and
denominators — computed by the very formulas of `kpis` — are final. Reports add the sealed days' sums to
a live computation over the tickets of unsealed days; the result is identical to computing everything
live (tests prove it). A sealed day is recomputed when the definitions change (`definitions`), and an
import of historical tickets unseals the days it touches.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heatdesk.reports.kpis import raw_keys
from heatdesk.reports.kpis_beside import BESIDE_KEYS


def rollup_column(key: str) -> str:
    """`avg_response_minutes__num` → `avg_response_minutes_num` (model fields cannot contain `__`)."""
    return key.replace("__", "_")


class KpiSealedDay(models.Model):
    """A local day whose tickets are all final, sealed under one version of the definitions."""

    day = models.DateField(_("日期"), unique=True)
    definitions = models.CharField(_("口径版本"), max_length=16)
    tickets = models.PositiveIntegerField(_("工单数"))
    sealed_at = models.DateTimeField(_("封存时间"))

    class Meta:
        verbose_name = _("已封存日")
        verbose_name_plural = _("已封存日")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} ({self.tickets})"


class KpiDay(models.Model):
    """One sealed day's raw KPI aggregates for the tickets of one station in one district, owned by one operator."""

    day = models.DateField(_("日期"))
    station = models.ForeignKey(
        "geo.Station", verbose_name=_("供暖所"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "geo.District", verbose_name=_("区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The owner (首问负责人), so an operator's report reads the day book too.
    owner = models.ForeignKey(
        "accounts.User", verbose_name=_("首问负责人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("指标日账")
        verbose_name_plural = _("指标日账")
        indexes = [models.Index(fields=["day", "station"], name="reports_kpiday_day_station")]

    def __str__(self) -> str:
        return f"{self.day} {self.station_id} {self.district_id}"


for _key in (*raw_keys(), *BESIDE_KEYS):
    # Sums of seconds are floats; every other numerator and denominator is a count.
    _field = models.FloatField(default=0) if _key.endswith("minutes__num") else models.PositiveIntegerField(default=0)
    KpiDay.add_to_class(rollup_column(_key), _field)


class KpiResponseTime(models.Model):
    """One response time (dispatched → accepted, seconds) of a sealed day: what the median is taken over."""

    day = models.DateField(_("日期"))
    station = models.ForeignKey(
        "geo.Station", verbose_name=_("供暖所"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "geo.District", verbose_name=_("区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        "accounts.User", verbose_name=_("首问负责人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seconds = models.FloatField(_("响应秒数"))

    class Meta:
        verbose_name = _("响应时长")
        verbose_name_plural = _("响应时长")
        indexes = [
            models.Index(fields=["day", "station"], name="reports_response_day_station"),
            # The median walks this index in order (index-only on PostgreSQL) instead of sorting.
            models.Index(fields=["seconds"], include=["day", "station", "district"], name="reports_response_seconds"),
        ]
        constraints = [models.CheckConstraint(condition=Q(seconds__gte=0), name="reports_response_not_negative")]

    def __str__(self) -> str:
        return f"{self.day} {self.seconds:.0f}s"


class KpiCompoundDay(models.Model):
    """One sealed day's requests per compound (with the tickets' station and district): what the hotspots
    (热点小区) of a season count, instead of every ticket."""

    day = models.DateField(_("日期"))
    compound = models.ForeignKey("geo.Compound", verbose_name=_("小区"), on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(
        "geo.Station", verbose_name=_("供暖所"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "geo.District", verbose_name=_("区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requests = models.PositiveIntegerField(_("诉求数"))

    class Meta:
        verbose_name = _("小区日账")
        verbose_name_plural = _("小区日账")
        indexes = [models.Index(fields=["day", "station"], name="reports_compound_day_station")]

    def __str__(self) -> str:
        return f"{self.day} {self.compound_id} {self.requests}"
