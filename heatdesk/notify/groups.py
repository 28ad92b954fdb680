"""Work groups (工作群): who may configure which organisation's robots, and every change, audited.

Admins configure every group; a desk lead the desk's own (org_kind `desk`, code `city`). Secrets are
write-only: they go in, never out. Every create, update, delete and test message is written to the
audit log (`channel_change`), without the secret or the URL's token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from heatdesk.accounts.models import Role, User
from heatdesk.audit.models import AuditAction
from heatdesk.audit.services import audit_record
from heatdesk.core import clock
from heatdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from heatdesk.notify.messages import Message
from heatdesk.notify.models import Channel, ChannelKind, OrgKind, OutboxMessage, OutboxStatus, Topic
from heatdesk.notify.services import channel_create, mention_mobiles_clean, outbox_enqueue

CITY_CODE = "city"  # the desk's and the regulator's org_code: one of each per city
CHANNEL_DELETED = "渠道已删除 / the channel was deleted"


@dataclass(frozen=True)
class ChannelChange:
    """The fields a PATCH may change; None leaves a field as it is."""

    name: str | None = None
    kind: str | None = None
    url: str | None = None
    secret: str | None = None
    mention_mobiles: list[str] | None = None
    is_active: bool | None = None


def channel_can_manage(*, user: User, org_kind: str) -> bool:
    """Admins manage every organisation's groups; desk leads the desk's own."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.DESK_LEAD and org_kind == OrgKind.DESK


def channel_list_manageable(*, user: User) -> list[Channel]:
    """The groups this user may see in the API and change."""
    if user.role == Role.ADMIN:
        return list(Channel.objects.order_by("org_kind", "org_code", "id"))
    if user.role == Role.DESK_LEAD:
        return list(Channel.objects.filter(org_kind=OrgKind.DESK).order_by("org_code", "id"))
    raise PermissionDenied("只有管理员和专席负责人可以管理工作群 / only admins and desk leads manage work groups")


def _check(*, user: User, org_kind: str) -> None:
    if not channel_can_manage(user=user, org_kind=org_kind):
        raise PermissionDenied("无权管理该机构的工作群 / you may not manage this organisation's work groups")


def _audit_detail(channel: Channel, **extra: Any) -> dict[str, Any]:
    return {
        "name": channel.name,
        "org": f"{channel.org_kind}:{channel.org_code}",
        "kind": channel.kind,
        "is_active": channel.is_active,
        "signed": bool(channel.secret),
        **extra,
    }


def _org_code(org_kind: str, org_code: str) -> str:
    if org_kind in (OrgKind.DESK, OrgKind.REGULATOR):
        if org_code.strip() not in ("", CITY_CODE):
            raise ValidationFailed("专席和供热办的机构编码为 city / the desk's and regulator's org_code is city")
        return CITY_CODE
    return org_code


def channel_add(
    *,
    actor: User,
    org_kind: str,
    org_code: str,
    kind: str,
    url: str = "",
    secret: str = "",
    name: str = "",
    mention_mobiles: list[str] | None = None,
    is_active: bool = True,
) -> Channel:
    """Add a group robot to an organisation (admin; desk lead for the desk), audited."""
    _check(user=actor, org_kind=org_kind)
    with transaction.atomic():
        channel = channel_create(
            org_kind=org_kind,
            org_code=_org_code(org_kind, org_code),
            kind=kind,
            url=url,
            secret=secret,
            name=name,
            is_active=is_active,
            mention_mobiles=mention_mobiles,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CHANNEL_CHANGE,
            object_type="channel",
            object_id=channel.pk,
            detail=_audit_detail(channel, change="create"),
        )
    return channel


def _locked(channel_id: int, actor: User) -> Channel:
    channel = Channel.objects.select_for_update().filter(pk=channel_id).first()
    if channel is None or not channel_can_manage(user=actor, org_kind=channel.org_kind):
        raise NotFound(f"工作群 {channel_id} 不存在 / no work group {channel_id}")
    return channel


def channel_update(*, actor: User, channel_id: int, change: ChannelChange) -> Channel:
    """Change a group robot's name, kind, address, secret, on-duty mobiles or switch it on/off, audited."""
    with transaction.atomic():
        channel = _locked(channel_id, actor)
        changed = []
        for field in ("name", "kind", "url", "secret"):
            value = getattr(change, field)
            if value is not None:
                setattr(channel, field, str(value).strip())
                changed.append(field)
        if change.mention_mobiles is not None:
            channel.mention_mobiles = mention_mobiles_clean(change.mention_mobiles)
            changed.append("mention_mobiles")
        if change.is_active is not None:
            channel.is_active = bool(change.is_active)
            changed.append("is_active")
        if channel.kind not in ChannelKind.values:
            raise ValidationFailed(f"未知渠道类型 / unknown channel kind: {channel.kind}")
        if channel.kind != ChannelKind.CONSOLE and not channel.url.startswith(("https://", "http://")):
            raise ValidationFailed("需要 http(s) Webhook 地址 / an http(s) webhook URL is required")
        if len(channel.url) > 500 or len(channel.secret) > 200 or len(channel.name) > 80:
            raise ValidationFailed("地址、密钥或名称过长 / URL, secret or name is too long")
        channel.save()
        audit_record(
            actor=actor,
            action=AuditAction.CHANNEL_CHANGE,
            object_type="channel",
            object_id=channel.pk,
            detail=_audit_detail(channel, change="update", fields=changed),
        )
    return channel


def channel_delete(*, actor: User, channel_id: int) -> None:
    """Remove a group robot. Its sent messages stay in the history; the ones still waiting fail."""
    with transaction.atomic():
        channel = _locked(channel_id, actor)
        OutboxMessage.objects.filter(channel=channel, status=OutboxStatus.PENDING).update(
            status=OutboxStatus.FAILED, last_error=CHANNEL_DELETED, claim_token=None
        )
        audit_record(
            actor=actor,
            action=AuditAction.CHANNEL_CHANGE,
            object_type="channel",
            object_id=channel.pk,
            detail=_audit_detail(channel, change="delete"),
        )
        channel.delete()


def channel_test_send(*, actor: User, channel_id: int) -> OutboxMessage:
    """Queue a test message to this one robot (through the outbox, so it shows on /groups/), audited."""
    with transaction.atomic():
        channel = _locked(channel_id, actor)
        now = clock.now()
        message = Message(
            topic=Topic.CHANNEL_TEST,
            title="【测试】Heatdesk 工作群连接测试",
            text=f"{actor.username} 发送的测试消息 / a test message; 收到即表示机器人配置正确 / the robot works.",
            facts=(("工作群", channel.name or channel.get_kind_display()),),
            mention=bool(channel.mention_mobiles),
        )
        rows = outbox_enqueue(
            message=message,
            org_kind=channel.org_kind,
            org_code=channel.org_code,
            idempotency_key=f"channel.test:{channel.pk}:{now.isoformat()}",
            only_channel=channel,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CHANNEL_CHANGE,
            object_type="channel",
            object_id=channel.pk,
            detail=_audit_detail(channel, change="test"),
        )
    return rows[0]
