"""Open311 clients (API keys), the requests they filed, and the rate-limit windows (issue 17)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Open311Client(models.Model):
    """A citizen app or city system allowed to POST requests. Only the key's hash is stored."""

    name = models.CharField(_("名称"), max_length=80, unique=True)
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True)
    key_prefix = models.CharField(_("密钥前缀"), max_length=8, help_text=_("用于辨认，不足以调用"))
    is_active = models.BooleanField(_("启用"), default=True, help_text=_("取消勾选即吊销该密钥"))
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SubmissionStatus(models.TextChoices):
    FILED = "filed", _("已建单")
    PENDING = "pending", _("待专席确认地址")


class Open311Submission(models.Model):
    """One POST /requests: what the client sent (contact fields included, never shown by GET) and the
    ticket it became. A submission whose address the resolver was not sure of waits, with its token,
    for an operator to confirm the compound; no ticket exists until then."""

    client = models.ForeignKey(Open311Client, on_delete=models.PROTECT, related_name="submissions")
    token = models.CharField(_("令牌"), max_length=32, unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=SubmissionStatus.choices)
    ticket = models.OneToOneField(
        "tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="open311_submission"
    )
    idempotency_key = models.CharField(_("幂等键"), max_length=80, blank=True, default="")
    fingerprint = models.CharField(max_length=64, blank=True, default="")

    service_code = models.CharField(_("服务代码"), max_length=16)
    description = models.TextField(_("描述"), blank=True, default="")
    attributes = models.JSONField(_("附加属性"), default=dict, blank=True)
    address_string = models.CharField(_("地址"), max_length=200, blank=True, default="")
    address_id = models.CharField(_("地址编码"), max_length=60, blank=True, default="")
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    media_url = models.URLField(_("媒体链接"), max_length=500, blank=True, default="")
    candidates = models.JSONField(_("候选小区"), default=list, blank=True)
    service_notice = models.CharField(_("服务提示"), max_length=300, blank=True, default="")

    # Contact fields: stored for the callback, never in a GET response.
    first_name = models.CharField(_("名"), max_length=40, blank=True, default="")
    last_name = models.CharField(_("姓"), max_length=40, blank=True, default="")
    phone = models.CharField(_("电话"), max_length=20, blank=True, default="")
    email = models.EmailField(_("邮箱"), blank=True, default="")
    device_id = models.CharField(_("设备号"), max_length=100, blank=True, default="")
    account_id = models.CharField(_("账号"), max_length=100, blank=True, default="")

    created_at = models.DateTimeField(_("提交时间"), db_index=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 诉求")
        verbose_name_plural = _("Open311 诉求")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="open311_unique_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", ticket__isnull=True) | Q(status="filed", ticket__isnull=False),
                name="open311_filed_has_ticket",
            ),
        ]

    def __str__(self) -> str:
        return self.token


class RateWindow(models.Model):
    """Requests counted in one fixed window for one bucket (an API key or a client address)."""

    bucket = models.CharField(max_length=80)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bucket", "window_start"], name="open311_one_window")]

    def __str__(self) -> str:
        return f"{self.bucket} {self.window_start:%H:%M:%S} {self.count}"
