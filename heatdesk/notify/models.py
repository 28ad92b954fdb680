"""The outbox (发件箱) and the delivery targets of each organisation (DESIGN §2, §7, §10).

Services write `OutboxMessage` rows in the same transaction as the change they announce; the worker
delivers them later, outside any transaction, with retries and an idempotency key. Organisations are
named by (org_kind, org_code) strings so this app depends on nothing but `core`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heatdesk.core import clock


class OrgKind(models.TextChoices):
    STATION = "station", _("供暖所")
    COMPANY = "company", _("供热企业")
    REGULATOR = "regulator", _("供热办")
    DESK = "desk", _("专席")


class ChannelKind(models.TextChoices):
    CONSOLE = "console", _("控制台日志")
    WEBHOOK = "webhook", _("通用 Webhook")
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    FEISHU = "feishu", _("飞书群机器人")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")


class Topic(models.TextChoices):
    """What a message is about (notify.messages.Message.topic); every topic the product sends is here."""

    TICKET_DISPATCHED = "ticket.dispatched", _("工单派发")
    TICKET_URGED = "ticket.urged", _("工单催办")
    TICKET_REDO = "ticket.redo", _("工单重办")
    TICKET_EXTENSION_ASKED = "ticket.extension_asked", _("申请延期")
    TICKET_RETURNED = "ticket.returned", _("工单退回")
    ALERT_WARNING = "alert.warning", _("超时预警")
    ALERT_OVERDUE = "alert.overdue", _("已超时")
    ALERT_ESCALATED = "alert.escalated", _("超时升级")
    DIGEST = "digest.daily", _("每日早报")
    CHANNEL_TEST = "channel.test", _("测试消息")
    INCIDENT_SUGGESTED = "incident.suggested", _("疑似停热事件")


class Channel(models.Model):
    """A delivery target (work-group robot or webhook) of one organisation; an org may have several."""

    name = models.CharField(_("名称"), max_length=80, blank=True, default="")
    org_kind = models.CharField(_("机构类型"), max_length=20, choices=OrgKind.choices)
    org_code = models.CharField(_("机构编码"), max_length=60)
    kind = models.CharField(_("渠道类型"), max_length=20, choices=ChannelKind.choices)
    url = models.URLField(
        _("Webhook 地址"),
        max_length=500,
        blank=True,
        default="",
        help_text=_("机器人的完整 Webhook 地址（含 key 或 access_token）；控制台日志渠道留空。"),
    )
    secret = models.CharField(
        _("签名密钥"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("钉钉、飞书“加签”密钥或通用 Webhook 的 HMAC 密钥；不加签则留空。"),
    )
    mention_mobiles = models.JSONField(
        _("值班手机号"),
        default=list,
        blank=True,
        help_text=_("紧急漏水和升级督办时 @ 的值班人员手机号（企业微信、钉钉）。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("通知渠道")
        verbose_name_plural = _("通知渠道")
        ordering = ["org_kind", "org_code", "id"]
        indexes = [models.Index(fields=["org_kind", "org_code"], name="notify_channel_org_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=ChannelKind.CONSOLE) | ~Q(url=""),
                name="notify_channel_url_required",
            ),
            models.CheckConstraint(condition=Q(kind__in=ChannelKind.values), name="notify_channel_kind_valid"),
            models.CheckConstraint(condition=Q(org_kind__in=OrgKind.values), name="notify_channel_org_kind_valid"),
        ]

    def __str__(self) -> str:
        label = self.name or self.get_kind_display()
        return f"{label}（{self.org_kind}:{self.org_code}）"


class OutboxMessage(models.Model):
    """One message to one channel. Delivered at least once; the receiver dedupes by `idempotency_key`.

    `request_key` is the caller's key; one request fans out to one row per active channel of the org,
    each with its own unique `idempotency_key` (`<request_key>#<channel id>` or `#console`).
    `payload` is a `notify.messages.Message` as JSON: `title`, `text`, `ticket_number`, `link`.
    """

    idempotency_key = models.CharField(_("幂等键"), max_length=240, unique=True)
    request_key = models.CharField(_("请求键"), max_length=200, db_index=True)
    topic = models.CharField(_("主题"), max_length=60)
    org_kind = models.CharField(_("机构类型"), max_length=20, choices=OrgKind.choices)
    org_code = models.CharField(_("机构编码"), max_length=60)
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("渠道"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        help_text=_("为空表示该机构未配置渠道，消息写入控制台日志。"),
    )
    payload = models.JSONField(_("内容"), default=dict)
    status = models.CharField(_("状态"), max_length=20, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    max_attempts = models.PositiveIntegerField(_("最多尝试次数"), default=12)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"))
    claim_token = models.UUIDField(_("领取标记"), null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"))
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status=OutboxStatus.PENDING),
                name="notify_outbox_due_idx",
            ),
            models.Index(fields=["org_kind", "org_code", "created_at"], name="notify_outbox_org_idx"),
            # Per-channel FIFO: "is there an older pending message for this channel?"
            models.Index(
                fields=["channel", "id"], condition=Q(status=OutboxStatus.PENDING), name="notify_outbox_fifo_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(attempts__gte=0), name="notify_outbox_attempts_gte_0"),
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="notify_outbox_max_attempts_gte_1"),
            models.CheckConstraint(condition=Q(status__in=OutboxStatus.values), name="notify_outbox_status_valid"),
            models.CheckConstraint(
                condition=(
                    Q(status=OutboxStatus.DELIVERED, delivered_at__isnull=False)
                    | (~Q(status=OutboxStatus.DELIVERED) & Q(delivered_at__isnull=True))
                ),
                name="notify_outbox_delivered_at_iff_delivered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} → {self.org_kind}:{self.org_code} [{self.status}]"
