"""The SLA policy as data: one rule per urgency and stage (DESIGN §4), and the words of the clock ladder.

Nothing here knows tickets: the running clocks belong to `tickets` (tickets.models.SlaClock) and the
alerts to `supervision` (supervision.models.Alert); both use this vocabulary."""

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
    """The ladder of one running stage, in order: 预警 at warn_at, 超时 at the deadline, 升级 later."""

    WARNING = "warning", _("预警")
    OVERDUE = "overdue", _("超时")
    ESCALATED = "escalated", _("升级")
