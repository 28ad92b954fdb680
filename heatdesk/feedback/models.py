"""The citizen in the loop (DESIGN §11 "Citizens"): SMS queued per ticket step, rating links, status lookups."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SmsKind(models.TextChoices):
    RECEIVED = "received", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    ACCEPTED = "accepted", _("已响应")
    RESOLVED = "resolved", _("已处置(请评价)")
    INCIDENT = "incident", _("停热事件")
    RATING = "rating", _("评价提醒")


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    OPTED_OUT = "opted_out", _("已退订")


class SmsMessage(models.Model):
    """One SMS to a caller, queued in the ticket's transaction and sent later by `sms_deliver_due`.

    `next_attempt_at` is when it may go out (quiet hours, rate limit and backoff push it later); a claim
    moves it forward by a lease, so a worker that dies mid-send lets another retry with the same key.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="sms_messages")
    to = models.CharField(_("手机号"), max_length=20, db_index=True)
    kind = models.CharField(_("类型"), max_length=12, choices=SmsKind.choices)
    text = models.CharField(_("内容"), max_length=500)
    params = models.JSONField(_("模板参数"), default=dict, blank=True)
    is_urgent = models.BooleanField(_("紧急(不受免打扰限制)"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次发送时间"))
    claim_token = models.UUIDField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    provider_id = models.CharField(_("网关回执号"), max_length=100, blank=True, default="")
    error = models.CharField(_("错误"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="sms_due"),
            models.Index(fields=["to", "sent_at"], name="sms_to_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.status}"


class SmsTemplate(models.Model):
    """The text of one kind of SMS, edited by the desk lead. Placeholders: {number} {link} {station} {time}.

    `provider_template` is the template code registered at the provider (Aliyun TemplateCode, Tencent
    TemplateId); the provider's template must carry the same placeholders (Tencent: in the same order).
    """

    kind = models.CharField(_("类型"), max_length=12, choices=SmsKind.choices, unique=True)
    text = models.CharField(_("短信内容"), max_length=300)
    provider_template = models.CharField(_("网关模板编号"), max_length=40, blank=True, default="")
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("短信模板")
        verbose_name_plural = _("短信模板")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()


class SmsOptOut(models.Model):
    """No SMS to this number (any ticket), or none for this ticket."""

    phone = models.CharField(_("手机号"), max_length=20, blank=True, default="", db_index=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("工单"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("退订时间"))

    class Meta:
        verbose_name = _("短信退订")
        verbose_name_plural = _("短信退订")
        constraints = [
            models.CheckConstraint(condition=~Q(phone="") | Q(ticket__isnull=False), name="sms_opt_out_has_target"),
        ]

    def __str__(self) -> str:
        return self.phone or str(self.ticket_id)


class RatingLink(models.Model):
    """A rating link sent with the resolved SMS: signed token names this row; answering marks it used."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="rating_links")
    nonce = models.CharField(max_length=32, unique=True)
    cycle_resolved_at = models.DateTimeField()  # the handling cycle it rates; a redo makes it stale
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, blank=True, default="")

    class Meta:
        verbose_name = _("评价链接")
        verbose_name_plural = _("评价链接")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.nonce[:6]}"


class StatusLookup(models.Model):
    """A failed status-page lookup (wrong digits or unknown number), kept in the DB for throttling."""

    number = models.CharField(max_length=20, db_index=True)
    address = models.CharField(max_length=45, db_index=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("查询失败记录")
        verbose_name_plural = _("查询失败记录")

    def __str__(self) -> str:
        return f"{self.number}@{self.address}"


class SmsEventCursor(models.Model):
    """Where the SMS chore stands in the ticket event log (one row, `name` = "sms").

    Every event above `floor_event_id` is either marked in `SmsEventSeen` (its SMS, if any, queued) or
    still to do; the floor trails the newest event by a margin, so an event whose transaction commits
    after a later one's is still found.
    """

    name = models.CharField(max_length=20, unique=True)
    floor_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信事件游标")
        verbose_name_plural = _("短信事件游标")

    def __str__(self) -> str:
        return f"{self.name}@{self.floor_event_id}"


class SmsEventSeen(models.Model):
    """A ticket event above the cursor's floor whose SMS the chore has queued (or that needs none)."""

    event_id = models.BigIntegerField(unique=True)

    class Meta:
        verbose_name = _("已处理的工单事件")
        verbose_name_plural = _("已处理的工单事件")

    def __str__(self) -> str:
        return str(self.event_id)
