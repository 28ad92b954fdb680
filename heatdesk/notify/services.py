"""Writes of the outbox: enqueue inside the caller's transaction, deliver outside any (STYLE 5).

Delivery is at least once: a worker claims due messages with a lease, commits, sends, then records
the result. A worker that dies mid-send loses its lease and another worker sends again with the same
`Idempotency-Key`, so receivers may see a key twice but a message is never lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Min, Q
from django.db.transaction import TransactionManagementError

from heatdesk.core import clock
from heatdesk.core.bulk import rows_insert
from heatdesk.core.errors import Conflict, NotFound, ValidationFailed
from heatdesk.core.logs import log_event
from heatdesk.core.prepared import PreparedQuery
from heatdesk.notify import channels, transport
from heatdesk.notify.messages import MAX_TITLE_LENGTH, Message
from heatdesk.notify.models import Channel, ChannelKind, OrgKind, OutboxMessage, OutboxStatus

logger = logging.getLogger("heatdesk.notify")

MAX_ERROR_LENGTH = 1000
MOBILE = re.compile(r"1[3-9]\d{9}")
ERROR_INTERRUPTED = "上次投递中断，未记录结果 / the last attempt was interrupted before its result was recorded"
ERROR_CHANNEL_INACTIVE = "渠道已停用 / the channel was deactivated"


@dataclass(frozen=True)
class OutboxOptions:
    """Delivery knobs, from settings `HEATDESK_OUTBOX_*` read at call time (defaults: heatdesk/config.py)."""

    max_attempts: int  # MAX_ATTEMPTS [12]: attempts before a message is marked failed
    backoff_base_seconds: float  # BACKOFF_BASE_SECONDS [2]: wait after the first failed attempt
    backoff_factor: float  # BACKOFF_FACTOR [2]: each further wait is this many times longer
    backoff_cap_seconds: float  # BACKOFF_CAP_SECONDS [600]: no wait is longer than this
    timeout_seconds: float  # TIMEOUT_SECONDS [10]: connect and read timeout of one POST
    lease_seconds: float  # LEASE_SECONDS [300]: how long a claim lasts before another worker retries
    concurrency: int  # CONCURRENCY [8]: POSTs in flight at once within one call


def outbox_options() -> OutboxOptions:
    """Current delivery options; settings are read on every call so tests can override them."""
    return OutboxOptions(
        max_attempts=max(1, int(settings.HEATDESK_OUTBOX_MAX_ATTEMPTS)),
        backoff_base_seconds=float(settings.HEATDESK_OUTBOX_BACKOFF_BASE_SECONDS),
        backoff_factor=float(settings.HEATDESK_OUTBOX_BACKOFF_FACTOR),
        backoff_cap_seconds=float(settings.HEATDESK_OUTBOX_BACKOFF_CAP_SECONDS),
        timeout_seconds=float(settings.HEATDESK_OUTBOX_TIMEOUT_SECONDS),
        lease_seconds=float(settings.HEATDESK_OUTBOX_LEASE_SECONDS),
        concurrency=max(1, int(settings.HEATDESK_OUTBOX_CONCURRENCY)),
    )


def backoff_delay(attempts: int, *, options: OutboxOptions) -> dt.timedelta:
    """Wait after the `attempts`-th failure: base × factor^(attempts-1), capped."""
    exponent = max(0, attempts - 1)
    try:
        seconds = options.backoff_base_seconds * options.backoff_factor**exponent
    except OverflowError:
        seconds = options.backoff_cap_seconds
    return dt.timedelta(seconds=min(seconds, options.backoff_cap_seconds))


# ---- Channels -----------------------------------------------------------------------------------


def channel_create(
    *,
    org_kind: str,
    org_code: str,
    kind: str,
    url: str = "",
    secret: str = "",
    name: str = "",
    is_active: bool = True,
    mention_mobiles: list[str] | None = None,
) -> Channel:
    """Add a delivery target to an organisation; every kind but `console` needs an http(s) URL."""
    org_code = org_code.strip()
    url = url.strip()
    if org_kind not in OrgKind.values:
        raise ValidationFailed(f"未知机构类型 / unknown org kind: {org_kind}")
    if not org_code or len(org_code) > 60:
        raise ValidationFailed("机构编码须为 1–60 个字符 / org code must be 1–60 characters")
    if kind not in ChannelKind.values:
        raise ValidationFailed(f"未知渠道类型 / unknown channel kind: {kind}")
    if kind != ChannelKind.CONSOLE and not url.startswith(("https://", "http://")):
        raise ValidationFailed("需要 http(s) Webhook 地址 / an http(s) webhook URL is required")
    if len(url) > 500 or len(secret) > 200 or len(name) > 80:
        raise ValidationFailed("地址、密钥或名称过长 / URL, secret or name is too long")
    mobiles = mention_mobiles_clean(mention_mobiles or [])
    return Channel.objects.create(
        mention_mobiles=mobiles,
        org_kind=org_kind,
        org_code=org_code,
        kind=kind,
        url=url,
        secret=secret.strip(),
        name=name.strip(),
        is_active=is_active,
        created_at=clock.now(),
    )


def mention_mobiles_clean(mobiles: list[str]) -> list[str]:
    """The on-duty mobiles to @-mention: mainland mobile numbers (11 digits, 1[3-9]…), at most 20, no repeats."""
    if not isinstance(mobiles, list) or len(mobiles) > 20:
        raise ValidationFailed("值班手机号须为至多 20 个的列表 / mention_mobiles must be a list of at most 20")
    cleaned: list[str] = []
    for mobile in mobiles:
        value = str(mobile).strip().replace(" ", "").replace("-", "")
        if not MOBILE.fullmatch(value):
            raise ValidationFailed(
                "值班手机号须为 11 位手机号 / each mention mobile must be an 11-digit mobile number",
                details=[{"field": "mention_mobiles"}],
            )
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


# ---- Enqueue ------------------------------------------------------------------------------------


def _validate_message(*, message: Message, org_kind: str, org_code: str, key: str) -> None:
    if not isinstance(message, Message):
        raise TypeError("outbox_enqueue takes a notify.messages.Message")
    if org_kind not in OrgKind.values:
        raise ValidationFailed(f"未知机构类型 / unknown org kind: {org_kind}")
    if not org_code or len(org_code) > 60:
        raise ValidationFailed("机构编码须为 1–60 个字符 / org code must be 1–60 characters")
    if not key or len(key) > 200:
        raise ValidationFailed("幂等键须为 1–200 个字符 / idempotency key must be 1–200 characters")
    title = message.title
    if not title.strip() or len(title) > MAX_TITLE_LENGTH:
        raise ValidationFailed("消息须有 1–200 字的标题 / a message needs a title of 1–200 characters")
    if message.link and not message.link.startswith(("https://", "http://")):
        raise ValidationFailed("消息链接须为绝对地址 / a message link must be an absolute http(s) URL")


OUTBOX_INSERT_FIELDS = (
    *("idempotency_key", "request_key", "topic", "org_kind", "org_code", "channel", "payload", "status"),
    *("attempts", "max_attempts", "next_attempt_at", "last_error", "created_at"),
)


@dataclass(frozen=True)
class Outgoing:
    """One request for `outbox_enqueue_many`: what `outbox_enqueue` takes, without `only_channel`."""

    message: Message
    org_kind: str
    org_code: str
    idempotency_key: str


def outbox_enqueue_many(messages: list[Outgoing]) -> int:
    """Queue many requests (the monitor's pass) in a fixed number of statements whatever their number.

    The same rules as `outbox_enqueue`, request by request: one row per active channel of the org in
    channel order (a console row if it has none), in list order so each channel's FIFO follows the list;
    a request key seen before adds nothing. One read of the orgs' channels, one of the keys already
    queued, then inserts that skip a per-channel key someone committed meanwhile (ON CONFLICT DO
    NOTHING), so a race never queues one request twice. Inside the caller's transaction; returns rows offered.
    """
    if not connection.in_atomic_block:
        raise TransactionManagementError("outbox_enqueue_many must run inside the caller's transaction.atomic()")
    for out in messages:
        _validate_message(message=out.message, org_kind=out.org_kind, org_code=out.org_code, key=out.idempotency_key)
    keys = {out.idempotency_key for out in messages}
    if not keys:
        return 0
    seen = set(OutboxMessage.objects.filter(request_key__in=keys).values_list("request_key", flat=True))
    fresh = [out for out in messages if out.idempotency_key not in seen]
    channels_of: dict[tuple[str, str], list[Channel | None]] = {}
    orgs = Q()
    for org_kind, org_code in {(out.org_kind, out.org_code) for out in fresh}:
        orgs |= Q(org_kind=org_kind, org_code=org_code)
    for channel in Channel.objects.filter(orgs, is_active=True).order_by("id") if fresh else []:
        channels_of.setdefault((channel.org_kind, channel.org_code), []).append(channel)
    now, max_attempts = clock.now(), outbox_options().max_attempts
    rows = [
        _outbox_row(out.message, out.org_kind, out.org_code, out.idempotency_key, target, now, max_attempts)
        for out in fresh
        for target in channels_of.get((out.org_kind, out.org_code)) or [None]
    ]
    rows_insert(OutboxMessage, rows, fields=OUTBOX_INSERT_FIELDS, ignore_conflicts=True)
    log_event(logger, logging.DEBUG, "outbox.enqueued_many", requests=len(fresh), rows=len(rows))
    return len(rows)


def _outbox_row(
    message: Message,
    org_kind: str,
    org_code: str,
    key: str,
    target: Channel | None,
    now: dt.datetime,
    max_attempts: int,
) -> OutboxMessage:
    """One request's row for one channel (or the console): its key is `<request key>#<channel id|console>`."""
    return OutboxMessage(
        idempotency_key=f"{key}#{target.pk if target else 'console'}",
        request_key=key,
        topic=str(message.topic),
        org_kind=org_kind,
        org_code=org_code,
        channel=target,
        payload=message.to_payload(),
        max_attempts=max_attempts,
        next_attempt_at=now,
        created_at=now,
    )


# Every announced ticket event reads these two: compiled once (`is_active=True` is in the SQL, not bound).
_QUEUED_FOR_KEY = PreparedQuery(OutboxMessage, lambda key: OutboxMessage.objects.filter(request_key=key).order_by("id"))
_ACTIVE_CHANNELS = PreparedQuery(
    Channel,
    lambda kind, code: Channel.objects.filter(org_kind=kind, is_active=True).filter(org_code=code).order_by("id"),
)


def outbox_enqueue(
    *, message: Message, org_kind: str, org_code: str, idempotency_key: str, only_channel: Channel | None = None
) -> list[OutboxMessage]:
    """Queue one message per active channel of the org (a console message if it has none);
    `only_channel` sends to that one channel of the org (a test message), active or not.

    Must run inside the caller's `transaction.atomic()` so the message commits with the change it
    announces; does no network. A key seen before returns the rows already queued, adding nothing.
    """
    if not connection.in_atomic_block:
        raise TransactionManagementError("outbox_enqueue must run inside the caller's transaction.atomic()")
    _validate_message(message=message, org_kind=org_kind, org_code=org_code, key=idempotency_key)
    topic = str(message.topic)
    existing = _QUEUED_FOR_KEY.all(idempotency_key)
    if existing:
        return existing
    targets: list[Channel | None] = (
        [only_channel] if only_channel is not None else list(_ACTIVE_CHANNELS.all(org_kind, org_code))
    )
    now = clock.now()
    max_attempts = outbox_options().max_attempts
    rows = [
        _outbox_row(message, org_kind, org_code, idempotency_key, target, now, max_attempts)
        for target in targets or [None]
    ]
    try:
        # A savepoint, so losing a race with a concurrent enqueue of the same key leaves the
        # caller's transaction usable.
        with transaction.atomic():
            OutboxMessage.objects.bulk_create(rows)
    except IntegrityError:
        existing = _QUEUED_FOR_KEY.all(idempotency_key)
        if existing:
            return existing
        raise
    log_event(logger, logging.DEBUG, "outbox.enqueued", key=idempotency_key, topic=topic, org=f"{org_kind}:{org_code}")
    return rows


def outbox_retry(*, message_id: int) -> OutboxMessage:
    """Send a failed message again from scratch (attempts reset); only failed messages qualify."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            raise NotFound(f"消息不存在 / no outbox message {message_id}")
        if message.status != OutboxStatus.FAILED:
            raise Conflict("只能重发发送失败的消息 / only failed messages can be sent again")
        message.status = OutboxStatus.PENDING
        message.attempts = 0  # last_error stays until the next attempt, as a record of why it failed
        message.next_attempt_at = clock.now()
        message.claim_token = None
        message.save(update_fields=["status", "attempts", "next_attempt_at", "claim_token"])
    log_event(logger, logging.INFO, "outbox.retry_requested", key=message.idempotency_key, topic=message.topic)
    return message


# ---- Delivery -----------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    """What one `outbox_deliver_due` call did."""

    claimed: int = 0  # messages taken for sending in this call
    delivered: int = 0  # accepted by the receiver (or logged, for console)
    retrying: int = 0  # failed this time, scheduled again with backoff
    failed: int = 0  # gave up: out of attempts or channel deactivated
    lost: int = 0  # result not recorded: another worker took the message over after our lease ran out


@dataclass(frozen=True)
class _Claim:
    message_id: int
    token: uuid.UUID
    attempts: int  # including this one
    max_attempts: int
    kind: str
    url: str
    secret: str
    envelope: channels.Envelope


def _lease(options: OutboxOptions, limit: int) -> dt.timedelta:
    # The lease must outlast the whole batch, or a live worker's messages would be sent twice.
    rounds = math.ceil(max(1, limit) / options.concurrency)
    return dt.timedelta(seconds=max(options.lease_seconds, rounds * options.timeout_seconds * 2 + 30))


def _claim_due(*, now: dt.datetime, limit: int, options: OutboxOptions, report: DeliveryReport) -> list[_Claim]:
    token = uuid.uuid4()
    with transaction.atomic():
        # Per-channel FIFO: only a channel's oldest undelivered message (its queue's head) may go, so a
        # group sees its messages in the order they were queued even across retries, and a failing group
        # holds up only itself. (Console rows without a channel queue per organisation; a channel belongs
        # to one organisation, so grouping by all three names each queue.) The heads are read in one
        # grouped scan, read first (one id per queue) so no plan can rerun it per row — not an "is there
        # an older one?" probe per pending row, which made a backlog quadratic. A head another worker
        # holds locked is still pending, so its successors wait for it: SKIP LOCKED stays in order.
        heads = list(
            OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
            .order_by()
            .values("channel_id", "org_kind", "org_code")
            .annotate(head=Min("id"))
            .values_list("head", flat=True)
        )
        due = (
            OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now, id__in=heads)
            .select_related("channel")
            .order_by("next_attempt_at", "id")
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        # On SQLite the IMMEDIATE transaction holds the write lock instead (one worker there).
        rows = list(due[: max(0, limit)])
        # Out of attempts here means the final attempt's worker died before recording it.
        interrupted = [row for row in rows if row.attempts >= row.max_attempts]
        inactive = [row for row in rows if row not in interrupted and row.channel and not row.channel.is_active]
        claimed = [row for row in rows if row not in interrupted and row not in inactive]
        for given_up, reason, error in (
            (interrupted, "interrupted_last_attempt", ERROR_INTERRUPTED),
            (inactive, "channel_inactive", ERROR_CHANNEL_INACTIVE),
        ):
            if given_up:
                OutboxMessage.objects.filter(pk__in=[row.pk for row in given_up]).update(
                    status=OutboxStatus.FAILED, last_error=error, claim_token=None
                )
            for row in given_up:
                log_event(logger, logging.ERROR, "outbox.failed", key=row.idempotency_key, reason=reason)
        report.failed += len(interrupted) + len(inactive)
        if claimed:
            OutboxMessage.objects.filter(pk__in=[row.pk for row in claimed]).update(
                attempts=F("attempts") + 1,
                claim_token=token,
                claimed_at=now,
                next_attempt_at=now + _lease(options, limit),
            )
    for row in claimed:
        if row.claim_token is not None:
            log_event(
                logger, logging.WARNING, "outbox.lease_expired", key=row.idempotency_key, attempt=row.attempts + 1
            )
    report.claimed += len(claimed)
    return [_claim_of(row, token) for row in claimed]


def _claim_of(row: OutboxMessage, token: uuid.UUID) -> _Claim:
    """What the sender needs of a claimed row, read while the row is in hand (no query)."""
    return _Claim(
        message_id=row.pk,
        token=token,
        attempts=row.attempts + 1,
        max_attempts=row.max_attempts,
        kind=row.channel.kind if row.channel else ChannelKind.CONSOLE,
        url=row.channel.url if row.channel else "",
        secret=row.channel.secret if row.channel else "",
        envelope=channels.Envelope(
            idempotency_key=row.idempotency_key,
            org_kind=row.org_kind,
            org_code=row.org_code,
            created_at=row.created_at,
            message=Message.from_payload(topic=row.topic, payload=row.payload),
            mention_mobiles=tuple(row.channel.mention_mobiles) if row.channel else (),
        ),
    )


def _send(claim: _Claim, *, sent_at: dt.datetime, timeout: float) -> str | None:
    """Deliver one claim; None on success, else the reason. Never raises."""
    if claim.kind == ChannelKind.CONSOLE:
        log_event(logger, logging.INFO, "notify.console", **channels.console_fields(claim.envelope))
        return None
    try:
        request = channels.build_request(
            kind=claim.kind, url=claim.url, secret=claim.secret, envelope=claim.envelope, now=sent_at
        )
        result = transport.post(request, timeout=timeout)
    except Exception as error:  # a formatting bug must fail one message, not the batch
        return f"{type(error).__name__}: {channels.mask_phones(str(error))}"
    if result.status is None:
        return result.error
    return channels.response_error(kind=claim.kind, status=result.status, body=result.body)


def _record(
    claim: _Claim, *, error: str | None, at: dt.datetime, options: OutboxOptions, report: DeliveryReport
) -> None:
    """Store one result. Each branch is a single UPDATE, so it is its own short transaction."""
    key = claim.envelope.idempotency_key
    pending = OutboxMessage.objects.filter(pk=claim.message_id, status=OutboxStatus.PENDING)
    if error is None:
        # A success counts even if our lease ran out meanwhile: the message did arrive.
        updated = pending.update(status=OutboxStatus.DELIVERED, delivered_at=at, last_error="", claim_token=None)
        if updated:
            report.delivered += 1
            log_event(
                logger, logging.INFO, "outbox.delivered", key=key, topic=claim.envelope.topic, attempt=claim.attempts
            )
        else:
            report.lost += 1
            log_event(logger, logging.WARNING, "outbox.result_not_recorded", key=key, outcome="delivered")
        return
    error = error[:MAX_ERROR_LENGTH]
    ours = pending.filter(claim_token=claim.token)
    if claim.attempts >= claim.max_attempts:
        updated = ours.update(status=OutboxStatus.FAILED, last_error=error, claim_token=None)
        counter, event, level = "failed", "outbox.failed", logging.ERROR
        retry_at = None
    else:
        retry_at = at + backoff_delay(claim.attempts, options=options)
        updated = ours.update(next_attempt_at=retry_at, last_error=error, claim_token=None)
        counter, event, level = "retrying", "outbox.retry_scheduled", logging.WARNING
    if not updated:
        report.lost += 1
        log_event(logger, logging.WARNING, "outbox.result_not_recorded", key=key, outcome="error")
        return
    setattr(report, counter, getattr(report, counter) + 1)
    fields: dict[str, Any] = {"key": key, "attempt": claim.attempts, "error": error[:200]}
    if retry_at is not None:
        fields["retry_at"] = retry_at.isoformat()
    log_event(logger, level, event, **fields)


def outbox_deliver_due(*, now: dt.datetime | None = None, limit: int = 50) -> DeliveryReport:
    """Send up to `limit` pending messages whose `next_attempt_at` ≤ now; call it outside transactions.

    Claims with a lease (SKIP LOCKED on PostgreSQL, so several workers share the work), commits, sends
    outside any transaction, then records each result: delivered; or retried after capped exponential
    backoff; or failed once `max_attempts` is spent. One bad message or receiver never stops the rest.
    `now` defaults to `clock.now()`. The worker calls again while `claimed` > 0, then sleeps until
    `outbox_next_due_at()` (at once if that is already past).
    """
    options = outbox_options()
    report = DeliveryReport()
    # Each round takes at most each channel's oldest message (per-channel FIFO); the next round may
    # take the one after it, once this one is recorded. Rounds go on until the batch is spent.
    while report.claimed < limit:
        before = report.claimed
        _deliver_round(now=now, limit=limit - report.claimed, options=options, report=report)
        if report.claimed == before:
            break
    return report


def _deliver_round(*, now: dt.datetime | None, limit: int, options: OutboxOptions, report: DeliveryReport) -> None:
    started = now if now is not None else clock.now()
    claims = _claim_due(now=started, limit=limit, options=options, report=report)
    if not claims:
        return

    def recorded_at() -> dt.datetime:
        return now if now is not None else clock.now()

    remote = [claim for claim in claims if claim.kind != ChannelKind.CONSOLE]
    for claim in claims:
        if claim.kind == ChannelKind.CONSOLE:
            error = _send(claim, sent_at=started, timeout=options.timeout_seconds)
            _record(claim, error=error, at=recorded_at(), options=options, report=report)
    if remote:
        workers = min(options.concurrency, len(remote))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outbox-send") as pool:
            futures = {
                pool.submit(_send, claim, sent_at=started, timeout=options.timeout_seconds): claim for claim in remote
            }
            for future in as_completed(futures):
                _record(futures[future], error=future.result(), at=recorded_at(), options=options, report=report)
