"""Work groups (工作群, DESIGN §11): the robots of each organisation. Admins manage all; desk leads the
desk's own. Secrets are write-only: `has_secret` says one is set, the value never comes back."""

from __future__ import annotations

from typing import Literal

from ninja import Router, Schema, Status
from pydantic import Field

from heatdesk.notify import groups
from heatdesk.notify.models import Channel

router = Router(tags=["channels"])

OrgKindCode = Literal["station", "company", "desk", "regulator"]
ChannelKindCode = Literal["console", "webhook", "wecom", "dingtalk", "feishu"]


class ChannelOut(Schema):
    """One work-group robot; the secret is never returned."""

    id: int
    name: str
    org_kind: OrgKindCode = Field(description="供暖所 station | 供热企业 company | 专席 desk | 供热办 regulator")
    org_code: str = Field(
        description="机构编码；专席和供热办为 city / the organisation's code; `city` for desk and regulator"
    )
    kind: ChannelKindCode = Field(description="console | webhook | wecom 企业微信 | dingtalk 钉钉 | feishu 飞书")
    url: str = Field(description="机器人 Webhook 地址 / the robot's webhook URL")
    has_secret: bool = Field(description="已设置签名密钥 / a signing secret is set (the secret itself is write-only)")
    mention_mobiles: list[str] = Field(description="紧急和升级时 @ 的值班手机号 / on-duty mobiles mentioned")
    is_active: bool


class ChannelIn(Schema):
    name: str = ""
    org_kind: OrgKindCode
    org_code: str = Field("city", description="station/company code; `city` for desk and regulator")
    kind: ChannelKindCode
    url: str = ""
    secret: str = Field("", description="钉钉/飞书加签密钥或 Webhook HMAC 密钥（只写）/ write-only")
    mention_mobiles: list[str] = Field(default_factory=list)
    is_active: bool = True


class ChannelPatch(Schema):
    name: str | None = None
    kind: ChannelKindCode | None = None
    url: str | None = None
    secret: str | None = Field(None, description="只写；空字符串表示不加签 / write-only; empty removes signing")
    mention_mobiles: list[str] | None = None
    is_active: bool | None = None


class ChannelTestOut(Schema):
    queued: bool
    message_id: int
    status: str


def _out(channel: Channel) -> dict:
    return {
        "id": channel.pk,
        "name": channel.name,
        "org_kind": channel.org_kind,
        "org_code": channel.org_code,
        "kind": channel.kind,
        "url": channel.url,
        "has_secret": bool(channel.secret),
        "mention_mobiles": list(channel.mention_mobiles or []),
        "is_active": channel.is_active,
    }


@router.get("", response=list[ChannelOut])
def channel_list(request):
    """The work groups this user may manage (admin: all; desk lead: the desk's)."""
    return [_out(channel) for channel in groups.channel_list_manageable(user=request.auth)]


@router.post("", response={201: ChannelOut})
def channel_post(request, body: ChannelIn):
    """Add a robot to an organisation's work group; audited (`channel_change`)."""
    channel = groups.channel_add(actor=request.auth, **body.dict())
    return Status(201, _out(channel))


@router.patch("/{channel_id}", response=ChannelOut)
def channel_patch(request, channel_id: int, body: ChannelPatch):
    """Change the fields given; audited."""
    change = groups.ChannelChange(**body.dict())
    return _out(groups.channel_update(actor=request.auth, channel_id=channel_id, change=change))


@router.delete("/{channel_id}", response={204: None})
def channel_delete(request, channel_id: int):
    """Remove a robot; what it was sent stays on /groups/, what still waited fails. Audited."""
    groups.channel_delete(actor=request.auth, channel_id=channel_id)
    return Status(204, None)


@router.post("/{channel_id}/test", response={202: ChannelTestOut})
def channel_test(request, channel_id: int):
    """Queue a test message to this robot (the worker sends it; see /groups/ for the result). Audited."""
    row = groups.channel_test_send(actor=request.auth, channel_id=channel_id)
    return Status(202, {"queued": True, "message_id": row.pk, "status": row.status})
