"""Payload formatting per channel kind: pure functions from a message to (url, headers, body).

The chat formats follow the robots' documented webhook APIs:
- WeCom 企业微信 group robot: `{"msgtype": "markdown", "markdown": {"content": ...}}` (≤ 4096 bytes);
  replies `{"errcode": 0, "errmsg": "ok"}`.
- DingTalk 钉钉 custom robot: `{"msgtype": "markdown", "markdown": {"title", "text"}}`; when signed
  (加签), the URL gets `timestamp` (ms) and `sign` = urlencode(base64(HMAC-SHA256(key=secret,
  msg="{timestamp}\\n{secret}"))); replies `{"errcode": 0, ...}`.
- Feishu 飞书 custom bot: `{"msg_type": "interactive", "card": ...}` or `{"msg_type": "text",
  "content": {"text": ...}}`; when signed, the body gets `timestamp` (s) and `sign` =
  base64(HMAC-SHA256(key="{timestamp}\\n{secret}", msg=b"")); replies `{"code": 0, ...}`.
Nothing here touches the network, the database or the clock: `now` is an argument.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from heatdesk.notify.messages import Message

WECOM_MARKDOWN_MAX_BYTES = 4096
WECOM_TEXT_MAX_BYTES = 2048
LOCAL_TIME_ZONE = "Asia/Shanghai"  # deadlines on cards are in the desk's local time
MENTION_NOTE = "请值班人员立即处理 / on-duty staff: act now"
DINGTALK_MARKDOWN_MAX_BYTES = 5000
FEISHU_TEXT_MAX_BYTES = 20000
LINK_LABEL = "查看工单"
USER_AGENT = "heatdesk-notify/1"

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)\d{3,4}(\d{4})(?!\d)")

# Card header colours (Feishu `template`) by topic; anything else is blue.
FEISHU_TEMPLATES = {
    "alert.warning": "orange",
    "alert.overdue": "red",
    "alert.escalated": "carmine",
    "ticket.urged": "orange",
    "ticket.returned": "orange",
    "ticket.extension_asked": "yellow",
    "digest.daily": "green",
}


@dataclass(frozen=True)
class Envelope:
    """What every formatter may use: the message and where it goes, without database objects."""

    idempotency_key: str
    org_kind: str
    org_code: str
    created_at: dt.datetime
    message: Message
    mention_mobiles: tuple[str, ...] = ()  # the channel's on-duty people, @-mentioned when the message asks

    @property
    def topic(self) -> str:
        return str(self.message.topic)


@dataclass(frozen=True)
class HttpRequest:
    url: str
    headers: dict[str, str]
    body: bytes


def mask_phones(text: str) -> str:
    """Mask mobile (138****5678) and landline numbers so a log line or error never carries them."""
    text = _MOBILE.sub(r"\1****\2", text)
    return _LANDLINE.sub(r"\1****\2", text)


def truncate_utf8(text: str, max_bytes: int) -> str:
    """Cut `text` to at most `max_bytes` of UTF-8 without splitting a character."""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    return raw[: max_bytes - 3].decode("utf-8", errors="ignore") + "…"


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _title(message: Message) -> str:
    return mask_phones(message.title.strip())


def _text(message: Message) -> str:
    return mask_phones(message.text.strip())


def _ticket_line(message: Message) -> str:
    number = message.ticket_number.strip()
    return f"工单编号：{number}" if number else ""


def _link(message: Message) -> str:
    link = message.link.strip()
    return link if link.startswith(("https://", "http://")) else ""


def _local(at: dt.datetime) -> str:
    return at.astimezone(ZoneInfo(LOCAL_TIME_ZONE)).strftime("%m-%d %H:%M")


def card_facts(message: Message) -> list[tuple[str, str]]:
    """The card's labelled lines after the title: ticket number, the producer's facts, the running
    deadline in local time (Asia/Shanghai). Phones are masked whatever a producer put in."""
    facts: list[tuple[str, str]] = []
    if message.ticket_number.strip():
        facts.append(("工单编号", message.ticket_number.strip()))
    facts.extend((label, mask_phones(value)) for label, value in message.facts if value.strip())
    if message.deadline is not None:
        facts.append((message.deadline_label or "时限", _local(message.deadline)))
    return facts


def card_markdown(message: Message, *, line_break: str = "\n") -> str:
    """The card as markdown (WeCom, DingTalk and the /groups/ page): title once, facts, text, link."""
    lines = [f"**{_title(message)}**"]
    lines.extend(f"{label}：{value}" for label, value in card_facts(message))
    if text := _text(message):
        lines.extend(f"> {line}" for line in text.splitlines() if line.strip())
    if link := _link(message):
        lines.append(f"[{LINK_LABEL}]({link})")
    return line_break.join(lines)


def card_plain(message: Message) -> str:
    """The card as plain text (a WeCom text message that mentions people)."""
    lines = [_title(message)]
    lines.extend(f"{label}：{value}" for label, value in card_facts(message))
    lines.extend(line for line in _text(message).splitlines() if line.strip())
    if link := _link(message):
        lines.append(f"{LINK_LABEL}：{link}")
    return "\n".join(lines)


def _mentions(message: Message, mobiles: tuple[str, ...]) -> list[str]:
    return [mobile for mobile in mobiles if mobile] if message.mention else []


# ---- WeCom 企业微信 -------------------------------------------------------------------------------


def wecom_body(message: Message, *, mention_mobiles: tuple[str, ...] = ()) -> dict[str, Any]:
    """WeCom group-robot message: `markdown` (≤ 4096 bytes); a message that mentions the on-duty
    people is a `text` message with `mentioned_mobile_list` (WeCom markdown mentions need user ids)."""
    if mobiles := _mentions(message, mention_mobiles):
        content = truncate_utf8(card_plain(message), WECOM_TEXT_MAX_BYTES)
        return {"msgtype": "text", "text": {"content": content, "mentioned_mobile_list": mobiles}}
    content = truncate_utf8(card_markdown(message), WECOM_MARKDOWN_MAX_BYTES)
    return {"msgtype": "markdown", "markdown": {"content": content}}


# ---- DingTalk 钉钉 --------------------------------------------------------------------------------


def dingtalk_body(message: Message, *, mention_mobiles: tuple[str, ...] = ()) -> dict[str, Any]:
    """DingTalk custom-robot markdown message; `title` is what the chat list shows. Mentions are
    `at.atMobiles` plus `@<mobile>` in the text (DingTalk highlights only mobiles named in the text)."""
    title = _title(message)
    # DingTalk markdown needs a blank line to break a line.
    text_md = card_markdown(message, line_break="\n\n")
    mobiles = _mentions(message, mention_mobiles)
    if mobiles:
        text_md += "\n\n" + " ".join(f"@{mobile}" for mobile in mobiles)
    text_md = truncate_utf8(text_md, DINGTALK_MARKDOWN_MAX_BYTES)
    return {
        "msgtype": "markdown",
        "markdown": {"title": title, "text": text_md},
        "at": {"atMobiles": mobiles, "isAtAll": False},
    }


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: urlencoded base64 of HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}")."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), string_to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


def dingtalk_signed_url(url: str, secret: str, now: dt.datetime) -> str:
    """The robot URL with `timestamp` (ms) and `sign`; DingTalk rejects a timestamp over 1 h old."""
    timestamp_ms = int(now.timestamp() * 1000)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


# ---- Feishu 飞书 ----------------------------------------------------------------------------------


def feishu_text_body(message: Message) -> dict[str, Any]:
    """Feishu custom-bot plain text message."""
    return {"msg_type": "text", "content": {"text": truncate_utf8(card_plain(message), FEISHU_TEXT_MAX_BYTES)}}


def feishu_card_body(message: Message, *, topic: str) -> dict[str, Any]:
    """Feishu custom-bot interactive card: coloured header (the title, once), the facts and text as
    lark_md, a button to the ticket. Custom bots cannot @ by mobile, so a mention is a note line."""
    lines = [f"**{label}**：{value}" for label, value in card_facts(message)]
    lines.extend(line for line in _text(message).splitlines() if line.strip())
    elements: list[dict[str, Any]] = []
    if lines:
        content = truncate_utf8("\n".join(lines), FEISHU_TEXT_MAX_BYTES)
        elements.append({"tag": "div", "text": {"tag": "lark_md", "content": content}})
    if message.mention:
        elements.append({"tag": "note", "elements": [{"tag": "plain_text", "content": MENTION_NOTE}]})
    if link := _link(message):
        button = {"tag": "button", "text": {"tag": "plain_text", "content": LINK_LABEL}}
        button.update({"type": "primary", "url": link})
        elements.append({"tag": "action", "actions": [button]})
    header = {
        "title": {"tag": "plain_text", "content": _title(message)},
        "template": FEISHU_TEMPLATES.get(topic, "blue"),
    }
    card = {"config": {"wide_screen_mode": True}, "header": header, "elements": elements}
    return {"msg_type": "interactive", "card": card}


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu 签名校验: base64 of HMAC-SHA256 keyed by "{timestamp}\\n{secret}" over an empty message."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def feishu_signed_body(body: dict[str, Any], secret: str, now: dt.datetime) -> dict[str, Any]:
    """The body with `timestamp` (s, as a string) and `sign` in front; Feishu allows 1 h of skew."""
    timestamp_s = int(now.timestamp())
    return {"timestamp": str(timestamp_s), "sign": feishu_sign(secret, timestamp_s), **body}


# ---- Generic webhook ------------------------------------------------------------------------------


def webhook_body(envelope: Envelope) -> dict[str, Any]:
    """Generic JSON body: identical on every retry so the receiver can dedupe on it or on the key."""
    return {
        "idempotency_key": envelope.idempotency_key,
        "topic": envelope.topic,
        "org_kind": envelope.org_kind,
        "org_code": envelope.org_code,
        "created_at": envelope.created_at.isoformat(),
        "payload": envelope.message.to_payload(),
    }


def webhook_signature(secret: str, timestamp_s: int, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256(key=secret, msg=b"{timestamp}." + body); receivers recompute it."""
    message = f"{timestamp_s}.".encode() + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


# ---- Requests and responses ---------------------------------------------------------------------


def build_request(*, kind: str, url: str, secret: str, envelope: Envelope, now: dt.datetime) -> HttpRequest:
    """The HTTP POST for a channel of `kind`; signatures are made at send time (robots check skew)."""
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Idempotency-Key": envelope.idempotency_key,
        "User-Agent": USER_AGENT,
    }
    message = envelope.message
    if kind == "wecom":
        return HttpRequest(url, headers, json_bytes(wecom_body(message, mention_mobiles=envelope.mention_mobiles)))
    if kind == "dingtalk":
        signed_url = dingtalk_signed_url(url, secret, now) if secret else url
        return HttpRequest(
            signed_url, headers, json_bytes(dingtalk_body(message, mention_mobiles=envelope.mention_mobiles))
        )
    if kind == "feishu":
        card = feishu_card_body(message, topic=envelope.topic)
        return HttpRequest(url, headers, json_bytes(feishu_signed_body(card, secret, now) if secret else card))
    if kind == "webhook":
        body = json_bytes(webhook_body(envelope))
        if secret:
            timestamp_s = int(now.timestamp())
            headers["X-Heatdesk-Timestamp"] = str(timestamp_s)
            headers["X-Heatdesk-Signature"] = webhook_signature(secret, timestamp_s, body)
        return HttpRequest(url, headers, body)
    raise ValueError(f"channel kind {kind!r} does not send HTTP")


def response_error(*, kind: str, status: int, body: bytes) -> str | None:
    """None when the receiver accepted the message, else a short reason (robots answer 200 + errcode)."""
    excerpt = mask_phones(body[:300].decode("utf-8", errors="replace")).strip()
    if not 200 <= status < 300:
        return f"HTTP {status}: {excerpt}" if excerpt else f"HTTP {status}"
    if kind not in {"wecom", "dingtalk", "feishu"}:
        return None
    try:
        reply = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return f"robot reply is not JSON: {excerpt}"
    if not isinstance(reply, dict):
        return f"robot reply is not an object: {excerpt}"
    if kind == "feishu":
        code = reply.get("code", reply.get("StatusCode", 0))
        message = reply.get("msg", reply.get("StatusMessage", ""))
    else:
        code = reply.get("errcode", 0)
        message = reply.get("errmsg", "")
    if code in (0, "0", None):
        return None
    return f"robot error {code}: {mask_phones(str(message))}"[:500]


def console_fields(envelope: Envelope) -> dict[str, str]:
    """What the console channel logs: identifiers and the masked title, never the free text."""
    return {
        "key": envelope.idempotency_key,
        "topic": envelope.topic,
        "org": f"{envelope.org_kind}:{envelope.org_code}",
        "ticket": envelope.message.ticket_number,
        "title": mask_phones(_title(envelope.message)),
    }
