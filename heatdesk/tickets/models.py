"""The ticket (工单), its append-only event log, callbacks and photos (DESIGN §3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heatdesk.core.vocabulary import Category
from heatdesk.sla.models import AlertLevel, Stage, Urgency
from heatdesk.tickets.states import TicketStatus


class Kind(models.TextChoices):
    HELP = "help", _("求助")
    INQUIRY = "inquiry", _("咨询")
    COMPLAINT = "complaint", _("投诉")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


URGENT_CATEGORIES = frozenset({Category.LEAK})


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    WEB = "web", _("网站")
    APP = "app", _("App")
    COMMUNITY = "community", _("社区")
    PROACTIVE = "proactive", _("主动服务")


class Satisfaction(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("非常满意")
    SATISFIED = "satisfied", _("满意")
    FAIRLY_SATISFIED = "fairly_satisfied", _("基本满意")
    NOT_SATISFIED = "not_satisfied", _("不满意")


class ResolutionCause(models.TextChoices):
    AIR_LOCK = "air_lock", _("气堵(已放气)")
    VALVE = "valve", _("阀门问题")
    FILTER_BLOCKED = "filter_blocked", _("过滤器堵塞")
    PIPE_LEAK = "pipe_leak", _("管道/暖气片漏水")
    SUPPLY_LOW = "supply_low", _("供水温度/压力不足")
    BALANCING = "balancing", _("水力失调已调节")
    INDOOR_SYSTEM = "indoor_system", _("户内系统问题")
    BUILDING_INSULATION = "building_insulation", _("房屋保温差")
    PHONE_GUIDANCE = "phone_guidance", _("电话指导解决")
    NOT_HEATING_ISSUE = "not_heating_issue", _("非供热问题")
    OTHER = "other", _("其他")


class Ticket(models.Model):
    """One citizen request, owned by the operator who took it until it is closed (首问负责制)."""

    number = models.CharField(_("工单号"), max_length=20, unique=True)
    status = models.CharField(_("状态"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.RECEIVED)
    kind = models.CharField(_("诉求类型"), max_length=12, choices=Kind.choices, default=Kind.HELP)
    category = models.CharField(_("问题分类"), max_length=16, choices=Category.choices)
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    channel = models.CharField(_("来源渠道"), max_length=10, choices=Channel.choices, default=Channel.PHONE)

    caller_phone = models.CharField(_("来电号码"), max_length=20, db_index=True)
    caller_name = models.CharField(_("来电人"), max_length=40, blank=True, default="")
    description = models.TextField(_("诉求内容"), blank=True, default="")

    address = models.CharField(_("地址原文"), max_length=200, blank=True, default="")
    district = models.ForeignKey(
        "geo.District", verbose_name=_("区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    compound = models.ForeignKey(
        "geo.Compound", verbose_name=_("小区"), null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    building = models.CharField(_("楼"), max_length=10, blank=True, default="")
    unit = models.CharField(_("单元"), max_length=10, blank=True, default="")
    room = models.CharField(_("室"), max_length=10, blank=True, default="")
    substation = models.ForeignKey(
        "geo.Substation",
        verbose_name=_("换热站"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    station = models.ForeignKey(
        "geo.Station", verbose_name=_("供暖所"), null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    routing_confidence = models.FloatField(_("地址匹配置信度"), null=True, blank=True)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("首问负责人"), on_delete=models.PROTECT, related_name="owned_tickets"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="created_tickets"
    )

    # The SLA policy at creation time: {stage: {"seconds", "warn_at"}} (see sla.policy).
    sla = models.JSONField(_("时限快照"), default=dict)
    dispatch_deadline = models.DateTimeField(_("派单时限"), null=True, blank=True)
    response_deadline = models.DateTimeField(_("响应时限"), null=True, blank=True)
    resolution_deadline = models.DateTimeField(_("处置时限"), null=True, blank=True)
    callback_deadline = models.DateTimeField(_("回访时限"), null=True, blank=True)

    created_at = models.DateTimeField(_("受理时间"), db_index=True)
    first_dispatched_at = models.DateTimeField(_("首次派单时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    departed_at = models.DateTimeField(_("出发时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到达时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("处置完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))

    phone_resolved = models.BooleanField(_("电话指导解决"), default=False)
    guidance_steps = models.JSONField(_("已尝试的电话指导步骤"), default=list, blank=True)
    resolution_cause = models.CharField(
        _("处置原因"), max_length=24, choices=ResolutionCause.choices, blank=True, default=""
    )
    resolution_note = models.TextField(_("处置说明"), blank=True, default="")
    arrival_indoor_temp = models.DecimalField(_("到达室温(°C)"), max_digits=4, decimal_places=1, null=True, blank=True)
    resolved_indoor_temp = models.DecimalField(
        _("处置后室温(°C)"), max_digits=4, decimal_places=1, null=True, blank=True
    )

    extension_requested_until = models.DateTimeField(_("申请延期至"), null=True, blank=True)
    extension_reason = models.CharField(_("延期原因"), max_length=200, blank=True, default="")
    extension_count = models.PositiveSmallIntegerField(_("已批准延期次数"), default=0)

    satisfaction = models.CharField(_("满意度"), max_length=18, choices=Satisfaction.choices, blank=True, default="")
    callback_attempts = models.PositiveSmallIntegerField(_("回访未接通次数"), default=0)
    last_callback_attempt_at = models.DateTimeField(_("最近回访尝试"), null=True, blank=True)
    closed_unreached = models.BooleanField(_("未联系上办结"), default=False)

    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    urge_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    repeat_call_count = models.PositiveSmallIntegerField(_("重复来电次数"), default=0)
    last_repeat_call_at = models.DateTimeField(_("最近重复来电"), null=True, blank=True)

    parent = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_children",
    )

    # 停热事件: the incident this call is attached to (its code; incidents sit above tickets, so no FK) and
    # whether that incident is still open. An attached call is not dispatched on its own while it is open
    # (the `dispatch` guard reads the flag); the incidents service clears it on restore, in its transaction.
    incident_code = models.CharField(_("停热事件"), max_length=20, blank=True, default="", db_index=True)
    incident_open = models.BooleanField(_("停热事件进行中"), default=False)
    # 关联: another household of the same building with an open ticket when this call came in (both stay tickets).
    related_to = models.ForeignKey(
        "self",
        verbose_name=_("关联工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="related_from",
    )

    idempotency_key = models.CharField(max_length=80, blank=True, default="")
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="ticket_status_created"),
            models.Index(fields=["station", "status"], name="ticket_station_status"),
            # The station board's poll: the station's newest change in one seek (issue 19).
            models.Index(fields=["station", "updated_at"], name="ticket_station_updated"),
            models.Index(fields=["owner", "status"], name="ticket_owner_status"),
            models.Index(fields=["compound", "building"], name="ticket_compound_building"),
            models.Index(fields=["closed_at"], name="ticket_closed_at"),
            # A station board's "resolved today" (count and cards): at 1M tickets (station, status) walked
            # every closed ticket of the station (0.6 s each).
            models.Index(fields=["station", "resolved_at"], name="ticket_station_resolved"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="unique_ticket_idempotency_key",
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(parent__isnull=False), name="merged_ticket_has_parent"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False), name="closed_ticket_has_closed_at"
            ),
            models.CheckConstraint(
                condition=Q(arrival_indoor_temp__isnull=True)
                | (Q(arrival_indoor_temp__gte=-30) & Q(arrival_indoor_temp__lte=45)),
                name="arrival_temp_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in (TicketStatus.CLOSED, TicketStatus.MERGED)

    @property
    def is_urgent(self) -> bool:
        return self.urgency == Urgency.URGENT


class TicketEvent(models.Model):
    """One entry of the append-only log: what happened, when, by whom (null = the system)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=24, db_index=True)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    data = models.JSONField(_("内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("工单事件")
        verbose_name_plural = _("工单事件")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_ticket_at")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class TicketCallback(models.Model):
    """A callback (回访) attempt and the citizen's three answers."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="callbacks")
    at = models.DateTimeField(_("回访时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("回访人"), on_delete=models.PROTECT, related_name="+"
    )
    reached = models.BooleanField(_("是否接通"))
    contacted = models.BooleanField(_("供暖所是否联系"), null=True, blank=True)
    fixed = models.BooleanField(_("是否解决"), null=True, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=18, choices=Satisfaction.choices, blank=True, default="")
    comment = models.TextField(_("市民意见"), blank=True, default="")
    outcome = models.CharField(_("结果"), max_length=12)  # closed | redo | retry
    # How the answer came: phone (the operator's callback) or sms_link (the citizen's rating link).
    channel = models.CharField(
        _("回访方式"), max_length=10, choices=[("phone", _("电话")), ("sms_link", _("短信链接"))], default="phone"
    )

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["at"], name="ticket_callback_at")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.outcome}"


def attachment_path(instance: TicketAttachment, filename: str) -> str:
    return f"tickets/{instance.ticket.number}/{filename}"


class TicketAttachment(models.Model):
    """A photo from the crew or the desk, stored through Django's storage API (S3-ready)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=120, blank=True, default="")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name or self.file.name


class TicketNumberCounter(models.Model):
    """Per-day sequence behind ticket numbers (GR + yyyymmdd + serial), incremented under a row lock."""

    day = models.CharField(max_length=8, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("工单号计数器")
        verbose_name_plural = _("工单号计数器")

    def __str__(self) -> str:
        return f"{self.day}:{self.last}"


class SlaClock(models.Model):
    """One cycle of one stage clock of one ticket (时限计时). The monitor scans only this table (by next_threshold_at).

    Started, met and moved by the ticket door in the same transaction as the ticket change
    (`tickets.clocks`), so a clock can never disagree with its ticket after a crash. A restart (a
    redispatch or a redo, 重办) meets the running cycle and starts the next one, so every cycle keeps
    its own times and its alerts (supervision.Alert) are closed when it is met.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_clocks")
    stage = models.CharField(_("环节"), max_length=12, choices=Stage.choices)
    cycle = models.PositiveIntegerField(_("轮次"), default=1)  # 1 for the stage's first run, +1 per restart
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices)
    station_code = models.CharField(_("供暖所"), max_length=40, blank=True, default="")
    company_code = models.CharField(_("供热企业"), max_length=40, blank=True, default="")
    started_at = models.DateTimeField(_("开始"))
    warn_at = models.DateTimeField(_("预警时间"))
    due_at = models.DateTimeField(_("时限"))
    # When the stage was met, or the cycle was superseded by a restart of the stage.
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The next rung of the ladder not yet raised in this cycle, and when it is due; empty / null when
    # the clock is met or fully escalated.
    next_level = models.CharField(_("下一级别"), max_length=10, choices=AlertLevel.choices, blank=True, default="")
    next_threshold_at = models.DateTimeField(_("下一阈值"), null=True, blank=True)

    class Meta:
        db_table = "sla_slaclock"  # the table sla created; the model moved here with its rows
        verbose_name = _("时限计时")
        verbose_name_plural = _("时限计时")
        constraints = [models.UniqueConstraint(fields=["ticket", "stage", "cycle"], name="unique_clock_per_cycle")]
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
        return f"{self.ticket_id} {self.stage} #{self.cycle} due {self.due_at:%Y-%m-%d %H:%M}"
