"""Incidents (停热事件): one outage behind a substation or a main, many calls, one repair (DESIGN §11).

An incident covers compounds (whole, or some of their buildings), runs one repair ticket for the station
and collects the calls of the households behind it; the calls stay tickets (`Ticket.incident_code`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("停热中")
    RESTORED = "restored", _("已恢复")


class Incident(models.Model):
    """停热事件: declared by the desk lead (or a company/station for its own compounds), restored once."""

    code = models.CharField(_("事件编号"), max_length=20, unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    cause = models.CharField(_("原因"), max_length=200)
    expected_restore_at = models.DateTimeField(_("预计恢复时间"))
    households = models.PositiveIntegerField(_("影响户数"), default=0)
    station = models.ForeignKey(
        "geo.Station", verbose_name=_("供暖所"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    substation = models.ForeignKey(
        "geo.Substation", verbose_name=_("换热站"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    repair_ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("抢修工单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_of_incident",
    )
    declared_at = models.DateTimeField(_("发布时间"))
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    restored_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("停热事件")
        verbose_name_plural = _("停热事件")
        ordering = ["-declared_at", "-id"]
        indexes = [models.Index(fields=["status", "declared_at"], name="incident_status_declared")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="restored") | Q(restored_at__isnull=False), name="restored_incident_has_time"
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status == IncidentStatus.OPEN


class IncidentArea(models.Model):
    """One affected compound; `buildings` lists the affected buildings ("3", "5"), empty = the whole compound."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="areas")
    compound = models.ForeignKey("geo.Compound", on_delete=models.PROTECT, related_name="+")
    buildings = models.JSONField(_("楼栋"), default=list, blank=True)

    class Meta:
        verbose_name = _("影响范围")
        verbose_name_plural = _("影响范围")
        constraints = [models.UniqueConstraint(fields=["incident", "compound"], name="unique_incident_compound")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.compound_id} {self.buildings}"

    def covers(self, building: str) -> bool:
        return not self.buildings or building in self.buildings


class IncidentEventKind(models.TextChoices):
    DECLARE = "declare", _("发布")
    UPDATE = "update", _("更新预计恢复")
    ATTACH = "attach", _("关联已受理来电")
    RESTORE = "restore", _("恢复供热")


class IncidentEvent(models.Model):
    """The incident's timeline (append-only): declare, updates of the estimate, restore."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=12, choices=IncidentEventKind.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    data = models.JSONField(_("内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("停热事件记录")
        verbose_name_plural = _("停热事件记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind}"


class BurstSuggestion(models.Model):
    """疑似停热: a burst of calls behind one substation, suggested once per burst to the desk and the station.

    A burst lasts while calls keep coming within the window of the last one (`last_call_at`); the
    suggestion is raised when it starts and updated, not raised again, while it lasts.
    """

    substation = models.ForeignKey("geo.Substation", on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(_("提示时间"))
    first_call_at = models.DateTimeField(_("首个来电"))
    last_call_at = models.DateTimeField(_("最近来电"))
    tickets = models.JSONField(_("来电工单"), default=list)
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="suggestions")

    class Meta:
        verbose_name = _("疑似停热提示")
        verbose_name_plural = _("疑似停热提示")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["substation", "last_call_at"], name="burst_substation_last")]

    def __str__(self) -> str:
        return f"{self.substation_id} {self.raised_at:%Y-%m-%d %H:%M}"
