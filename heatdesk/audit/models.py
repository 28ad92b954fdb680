"""The access and change log (审计日志, DESIGN §11 "Operations"): who read a full phone number or the
vulnerable register, and who changed SLA policy, guidance scripts, work groups or users. Append-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    PHONE_READ = "phone_read", _("查看完整号码")
    VULNERABLE_READ = "vulnerable_read", _("查看重点人群名册")
    SLA_POLICY_CHANGE = "sla_policy_change", _("修改时限规则")
    GUIDANCE_CHANGE = "guidance_change", _("修改指导话术")
    CHANNEL_CHANGE = "channel_change", _("修改工作群")
    USER_CHANGE = "user_change", _("修改用户")
    PII_PURGE = "pii_purge", _("清除个人信息")


class AuditEntry(models.Model):
    """One audited read or change. `detail` never carries a full phone number (audit_record masks them)."""

    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept beside the key so an entry still names its actor after the user is deleted.
    actor_username = models.CharField(_("操作人账号"), max_length=150, blank=True, default="")
    action = models.CharField(_("动作"), max_length=40, choices=AuditAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=40)
    object_id = models.CharField(_("对象"), max_length=64, blank=True, default="")
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["action", "at"], name="audit_action_at"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
        ]

    def __str__(self) -> str:
        who = self.actor_username or "-"
        return f"{self.at:%Y-%m-%d %H:%M} {who} {self.action} {self.object_type}:{self.object_id}"
