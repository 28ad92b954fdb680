"""The SMS gateway: queue a message inside the caller's transaction, deliver due ones outside any.

Like the notify outbox (STYLE 5), with its knobs and its backoff (`notify.services.outbox_options`,
`backoff_delay`): at least once, leases, capped exponential backoff, a final failed state, one
idempotency key per message. On top: opt-outs (per number, per ticket), quiet hours for
non-urgent messages (22:00–07:00 Asia/Shanghai: held until morning) and a per-number rate limit
(held, never dropped). The backend is chosen by HEATDESK_SMS_BACKEND (backends.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.db.transaction import TransactionManagementError

from heatdesk.core import clock
from heatdesk.core.logs import log_event
from heatdesk.feedback import backends
from heatdesk.feedback.models import SmsKind, SmsMessage, SmsOptOut, SmsStatus, SmsTemplate
from heatdesk.notify.services import backoff_delay, outbox_options
from heatdesk.tickets.models import Ticket

logger = logging.getLogger("heatdesk.feedback")

MOBILE_PATTERN = re.compile(r"^(\+?86)?1[3-9]\d{9}$")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
QUIET_START = dt.time(22, 0)  # non-urgent SMS queued from here ...
QUIET_END = dt.time(7, 0)  # ... go out at this time (Asia/Shanghai)
# Per number: at most this many SMS in each window (held past the window, never dropped).
RATE_LIMITS = ((dt.timedelta(minutes=1), 1), (dt.timedelta(hours=1), 5), (dt.timedelta(days=1), 15))
SMS_LEASE = dt.timedelta(minutes=5)

DEFAULT_TEMPLATES: dict[str, str] = {
    SmsKind.RECEIVED: "您的供暖诉求已受理，工单号{number}。查看进度：{link}",
    SmsKind.DISPATCHED: "工单{number}已派{station}，将于{time}前与您联系。",
    SmsKind.ACCEPTED: "{station}已接单（工单{number}），预计{time}前处置完毕。",
    SmsKind.RESOLVED: "工单{number}已处置。问题解决了吗？请点此评价：{link}（72小时内有效）",
    SmsKind.INCIDENT: "您所在小区停热抢修中（工单{number}），预计{time}恢复供热。",
    SmsKind.RATING: "请为工单{number}的处理评价：{link}（72小时内有效）",
}


def is_mobile(phone: str) -> bool:
    return bool(MOBILE_PATTERN.match(re.sub(r"[\s\-]", "", phone or "")))


def mask_digits(text: str) -> str:
    """Phone-like digit runs in an error text → 138****5678 (errors are stored and shown)."""
    return re.sub(r"(\d{3})\d{4,}(\d{4})", r"\1****\2", text)


def sms_template(kind: str) -> tuple[str, str]:
    """(text, provider template code) of a kind: the desk lead's edit, else the default."""
    row = SmsTemplate.objects.filter(kind=kind).first()
    if row is not None and row.text.strip():
        return row.text, row.provider_template
    return DEFAULT_TEMPLATES[kind], row.provider_template if row else ""


def sms_render(template: str, params: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The text with its placeholders filled, and the params in placeholder order (unknown ones empty)."""
    ordered = {name: str(params.get(name, "")) for name in PLACEHOLDER.findall(template)}
    return PLACEHOLDER.sub(lambda match: ordered[match.group(1)], template), ordered


def quiet_release(at: dt.datetime) -> dt.datetime:
    """`at`, or the end of the quiet hours it falls in."""
    local = at.astimezone(LOCAL_ZONE)
    if QUIET_END <= local.time() < QUIET_START:
        return at
    day = local.date() if local.time() < QUIET_END else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, QUIET_END, tzinfo=LOCAL_ZONE)


def sms_opted_out(*, phone: str, ticket_id: int) -> bool:
    return SmsOptOut.objects.filter(Q(phone=phone) | Q(ticket_id=ticket_id)).exists()


def sms_enqueue(
    *,
    ticket: Ticket,
    kind: str,
    params: dict[str, str],
    key: str,
    at: dt.datetime,
    is_urgent: bool,
) -> SmsMessage | None:
    """Queue one SMS to the ticket's caller inside the caller's transaction; no network.

    A key seen before returns that message. A landline gets nothing; an opted-out number or ticket gets a
    row marked `opted_out` (the desk sees it was not sent). Non-urgent messages wait out the quiet hours.
    """
    if not connection.in_atomic_block:
        raise TransactionManagementError("sms_enqueue must run inside the caller's transaction.atomic()")
    if not is_mobile(ticket.caller_phone):
        return None
    existing = SmsMessage.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    template, code = sms_template(kind)
    text, ordered = sms_render(template, params)
    status = SmsStatus.OPTED_OUT if sms_opted_out(phone=ticket.caller_phone, ticket_id=ticket.id) else SmsStatus.QUEUED
    message = SmsMessage(
        ticket=ticket,
        to=ticket.caller_phone,
        kind=kind,
        text=text[:500],
        # Pairs, not an object: PostgreSQL's jsonb does not keep key order, and Tencent needs the order.
        params={"template": code, "values": [[name, value] for name, value in ordered.items()]},
        is_urgent=is_urgent,
        status=status,
        next_attempt_at=at if is_urgent else quiet_release(at),
        idempotency_key=key,
        created_at=at,
    )
    try:
        with transaction.atomic():  # a savepoint: losing a race on the key leaves the caller's transaction usable
            message.save()
    except IntegrityError:
        return SmsMessage.objects.get(idempotency_key=key)
    log_event(logger, logging.DEBUG, "sms.queued", key=key, kind=kind, status=status)
    return message


# ---- delivery ------------------------------------------------------------------------------------


@dataclass
class SmsDeliveryReport:
    """What one `sms_deliver_due` call did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    held: int = 0  # pushed later by the per-number rate limit
    opted_out: int = 0


def gateway_config() -> backends.GatewayConfig:
    return backends.GatewayConfig(
        backend=str(settings.HEATDESK_SMS_BACKEND),
        url=str(settings.HEATDESK_SMS_URL),
        key=str(settings.HEATDESK_SMS_KEY),
        secret=str(settings.HEATDESK_SMS_SECRET),
        sign_name=str(getattr(settings, "HEATDESK_SMS_SIGN_NAME", "供热专席")),
        app_id=str(getattr(settings, "HEATDESK_SMS_APP_ID", "")),
        region=str(getattr(settings, "HEATDESK_SMS_REGION", "")),
    )


def rate_release(*, sent_times: list[dt.datetime], now: dt.datetime) -> dt.datetime | None:
    """None if one more SMS to this number fits every window now; else when it will."""
    release = None
    for window, limit in RATE_LIMITS:
        inside = sorted((t for t in sent_times if t > now - window), reverse=True)
        if len(inside) >= limit:
            candidate = inside[limit - 1] + window
            release = candidate if release is None or candidate > release else release
    return release


def _recent_sends(phones: set[str], now: dt.datetime) -> dict[str, list[dt.datetime]]:
    longest = max(window for window, _ in RATE_LIMITS)
    recent: dict[str, list[dt.datetime]] = {phone: [] for phone in phones}
    rows = SmsMessage.objects.filter(to__in=phones, sent_at__gt=now - longest).values_list("to", "sent_at")
    for phone, sent_at in rows:
        if sent_at is not None:
            recent[phone].append(sent_at)
    # Messages claimed by a live worker count as sent: they are on their way.
    for phone in SmsMessage.objects.filter(
        to__in=phones, status=SmsStatus.QUEUED, claim_token__isnull=False, next_attempt_at__gt=now
    ).values_list("to", flat=True):
        recent[phone].append(now)
    return recent


def _claim_due(*, now: dt.datetime, limit: int, report: SmsDeliveryReport) -> list[tuple[SmsMessage, uuid.UUID]]:
    token = uuid.uuid4()
    max_attempts = outbox_options().max_attempts
    with transaction.atomic():
        due = SmsMessage.objects.filter(status=SmsStatus.QUEUED, next_attempt_at__lte=now).select_related("ticket")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = list(due.order_by("next_attempt_at", "id")[: max(0, limit)])
        recent = _recent_sends({row.to for row in rows}, now)
        claimed = []
        for row in rows:
            if row.attempts >= max_attempts:  # the last attempt's worker died before recording it
                _finish(row, status=SmsStatus.FAILED, error="上次发送中断 / last attempt interrupted")
                report.failed += 1
            elif sms_opted_out(phone=row.to, ticket_id=row.ticket_id):
                _finish(row, status=SmsStatus.OPTED_OUT, error="")
                report.opted_out += 1
            elif (release := rate_release(sent_times=recent[row.to], now=now)) is not None:
                SmsMessage.objects.filter(pk=row.pk).update(next_attempt_at=release)
                report.held += 1
            else:
                recent[row.to].append(now)
                SmsMessage.objects.filter(pk=row.pk).update(
                    attempts=F("attempts") + 1, claim_token=token, next_attempt_at=now + SMS_LEASE
                )
                row.attempts += 1
                claimed.append((row, token))
    report.claimed += len(claimed)
    return claimed


def _finish(row: SmsMessage, *, status: str, error: str) -> None:
    SmsMessage.objects.filter(pk=row.pk).update(status=status, error=error[:500], claim_token=None)


def _send(row: SmsMessage, *, config: backends.GatewayConfig, now: dt.datetime) -> backends.SendResult:
    params: dict[str, Any] = row.params or {}
    values = params.get("values") or []
    message = backends.Outgoing(
        idempotency_key=row.idempotency_key,
        to=row.to,
        text=row.text,
        kind=row.kind,
        ticket_number=row.ticket.number,
        template_code=str(params.get("template") or ""),
        params={str(name): str(value) for name, value in values},
    )
    if config.backend == "console":
        log_event(logger, logging.INFO, "sms.console", key=row.idempotency_key, kind=row.kind, ticket=row.ticket.number)
        return backends.SendResult(ok=True, provider_id=f"console-{row.pk}")
    try:
        timeout = outbox_options().timeout_seconds
        return backends.backend_send(message, config, now=now, nonce=uuid.uuid4().hex, timeout=timeout)
    except Exception as error:  # a formatting bug fails one message, not the batch
        return backends.SendResult(ok=False, error=f"{type(error).__name__}: {error}")


def _record(row: SmsMessage, token: uuid.UUID, result: backends.SendResult, *, at: dt.datetime) -> str:
    ours = SmsMessage.objects.filter(pk=row.pk, status=SmsStatus.QUEUED)
    if result.ok:
        ours.update(status=SmsStatus.SENT, sent_at=at, provider_id=result.provider_id, error="", claim_token=None)
        log_event(logger, logging.INFO, "sms.sent", key=row.idempotency_key, attempt=row.attempts)
        return "sent"
    error = mask_digits(result.error)[:500]
    ours = ours.filter(claim_token=token)
    options = outbox_options()
    if result.permanent or row.attempts >= options.max_attempts:
        ours.update(status=SmsStatus.FAILED, error=error, claim_token=None)
        log_event(logger, logging.ERROR, "sms.failed", key=row.idempotency_key, error=error[:200])
        return "failed"
    ours.update(next_attempt_at=at + backoff_delay(row.attempts, options=options), error=error, claim_token=None)
    log_event(logger, logging.WARNING, "sms.retry_scheduled", key=row.idempotency_key, error=error[:200])
    return "retrying"


def sms_deliver_due(*, limit: int = 50, now: dt.datetime | None = None) -> SmsDeliveryReport:
    """Send up to `limit` due SMS through the configured backend; call it outside any transaction.

    The worker calls it each pass (again at once while `claimed` > 0). Each result is its own UPDATE:
    sent; or retried after capped exponential backoff (HEATDESK_OUTBOX_* knobs); or failed when out of
    attempts or the provider says retrying cannot help.
    """
    report = SmsDeliveryReport()
    started = now if now is not None else clock.now()
    config = gateway_config()
    for row, token in _claim_due(now=started, limit=limit, report=report):
        result = _send(row, config=config, now=started)
        outcome = _record(row, token, result, at=now if now is not None else clock.now())
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def sms_next_due_at() -> dt.datetime | None:
    """When the next queued SMS may go out (the worker sleeps until then)."""
    row = SmsMessage.objects.filter(status=SmsStatus.QUEUED).order_by("next_attempt_at").first()
    return row.next_attempt_at if row else None
