"""The SLA policy as data: one rule per urgency and stage (DESIGN §4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class Stage(models.TextChoices):
    DISPATCH = "dispatch", _("派单")
    RESPONSE = "response", _("响应")
    RESOLUTION = "resolution", _("处置")
    CALLBACK = "callback", _("回访")


class SlaRule(models.Model):
    """How long a stage may take for an urgency, and at what share of it the warning (预警) fires."""

    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices)
    stage = models.CharField(_("环节"), max_length=12, choices=Stage.choices)
    seconds = models.PositiveIntegerField(_("时限(秒)"))
    warn_at = models.DecimalField(_("预警比例"), max_digits=4, decimal_places=3, default=0.8)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Who last changed the rule (a desk lead, through `sla_policy_update`); null for the seeded defaults.
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["urgency", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["urgency", "stage"], name="unique_sla_rule"),
            models.CheckConstraint(condition=Q(seconds__gt=0), name="sla_rule_positive_window"),
            models.CheckConstraint(condition=Q(warn_at__gt=0) & Q(warn_at__lt=1), name="sla_rule_warn_inside_window"),
        ]

    def __str__(self) -> str:
        return f"{self.get_urgency_display()} {self.get_stage_display()} {self.seconds}s"


class AlertLevel(models.TextChoices):
    WARNING = "warning", _("预警")
    OVERDUE = "overdue", _("超时")
    ESCALATED = "escalated", _("升级")


class SlaClock(models.Model):
    """One running stage clock of one ticket. The monitor scans only this table (by next_threshold_at).

    Started, met and moved by the ticket services in the same transaction as the ticket change, so
    the clock can never disagree with the ticket after a crash.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="sla_clocks")
    stage = models.CharField(_("环节"), max_length=12, choices=Stage.choices)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices)
    station_code = models.CharField(_("供暖所"), max_length=40, blank=True, default="")
    company_code = models.CharField(_("供热企业"), max_length=40, blank=True, default="")
    started_at = models.DateTimeField(_("开始"))
    warn_at = models.DateTimeField(_("预警时间"))
    due_at = models.DateTimeField(_("时限"))
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The earliest threshold not yet raised while the clock runs; null when met or fully escalated.
    next_threshold_at = models.DateTimeField(_("下一阈值"), null=True, blank=True)

    class Meta:
        verbose_name = _("时限计时")
        verbose_name_plural = _("时限计时")
        constraints = [models.UniqueConstraint(fields=["ticket", "stage"], name="unique_clock_per_stage")]
        indexes = [
            models.Index(
                fields=["next_threshold_at"],
                name="sla_clock_next_threshold",
                condition=Q(next_threshold_at__isnull=False),
            ),
            # Running clocks, read by the supervision wall.
            models.Index(fields=["stage", "due_at"], name="sla_clock_running", condition=Q(met_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.stage} due {self.due_at:%Y-%m-%d %H:%M}"


class Alert(models.Model):
    """预警 / 超时 / 升级: at most one per ticket, stage and level (a unique constraint, not a hope)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="sla_alerts")
    stage = models.CharField(_("环节"), max_length=12, choices=Stage.choices)
    level = models.CharField(_("级别"), max_length=10, choices=AlertLevel.choices)
    station_code = models.CharField(_("供暖所"), max_length=40, blank=True, default="")
    company_code = models.CharField(_("供热企业"), max_length=40, blank=True, default="")
    threshold_at = models.DateTimeField(_("阈值时间"))
    raised_at = models.DateTimeField(_("触发时间"), db_index=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督办提醒")
        verbose_name_plural = _("督办提醒")
        ordering = ["-raised_at"]
        constraints = [models.UniqueConstraint(fields=["ticket", "stage", "level"], name="unique_alert_per_level")]
        indexes = [models.Index(fields=["station_code", "closed_at"], name="sla_alert_station_open")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.stage} {self.level}"
