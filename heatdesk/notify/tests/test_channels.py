"""The chat robots' documented JSON shapes and signatures, as pure functions."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import parse_qs, unquote_plus, urlsplit

from heatdesk.notify import channels
from heatdesk.notify.messages import Message

NOW = dt.datetime(2025, 11, 20, 8, 0, 0, tzinfo=dt.UTC)
NOW_MS = 1763625600000
PAYLOAD = Message(
    topic="ticket.dispatched",
    title="新工单 HD2025112000001",
    text="回民区蓝爵小区3号楼2单元501 暖气不热\n已电话指导排气，未解决",
    ticket_number="HD2025112000001",
    link="https://heatdesk.example.cn/tickets/HD2025112000001",
)


def envelope(**changes: object) -> channels.Envelope:
    values: dict = {
        "idempotency_key": "ticket.dispatched:HD2025112000001:1#7",
        "org_kind": "station",
        "org_code": "cf-qiaokao",
        "created_at": NOW,
        "message": PAYLOAD,
    }
    values.update(changes)
    return channels.Envelope(**values)


def test_wecom_markdown_has_the_documented_shape():
    body = channels.wecom_body(PAYLOAD)

    assert set(body) == {"msgtype", "markdown"}
    assert body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"content"}
    content = body["markdown"]["content"]
    assert content.startswith("**新工单 HD2025112000001**\n")
    assert "[查看工单](https://heatdesk.example.cn/tickets/HD2025112000001)" in content


def test_wecom_content_is_cut_to_4096_bytes_without_breaking_a_character():
    body = channels.wecom_body(Message(topic="ticket.dispatched", title="长", text="暖" * 3000))

    content = body["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    assert content.endswith("…")


def test_dingtalk_markdown_has_title_and_text():
    body = channels.dingtalk_body(PAYLOAD)

    assert body == {
        "msgtype": "markdown",
        "markdown": {"title": "新工单 HD2025112000001", "text": body["markdown"]["text"]},
        "at": {"atMobiles": [], "isAtAll": False},  # nobody mentioned unless the message asks
    }
    text = body["markdown"]["text"]
    assert text.startswith("**新工单 HD2025112000001**\n\n")
    # DingTalk needs a blank line between lines of text.
    assert "暖气不热\n\n> 已电话指导排气" in text


def test_dingtalk_sign_is_the_urlencoded_base64_hmac_of_timestamp_and_secret():
    secret = "SEC0123456789abcdef+/="
    expected_digest = hmac.new(secret.encode(), f"{NOW_MS}\n{secret}".encode(), hashlib.sha256).digest()

    sign = channels.dingtalk_sign(secret, NOW_MS)

    assert base64.b64decode(unquote_plus(sign)) == expected_digest
    assert sign.endswith("%3D")  # the base64 padding, urlencoded


def test_signed_dingtalk_request_carries_timestamp_and_sign_in_the_query():
    request = channels.build_request(
        kind="dingtalk",
        url="https://oapi.dingtalk.com/robot/send?access_token=abc",
        secret="SECxyz",
        envelope=envelope(),
        now=NOW,
    )

    query = parse_qs(urlsplit(request.url).query)
    assert query["access_token"] == ["abc"]
    assert query["timestamp"] == [str(NOW_MS)]
    # parse_qs undoes the urlencoding once, leaving the base64 signature.
    assert query["sign"] == [unquote_plus(channels.dingtalk_sign("SECxyz", NOW_MS))]
    assert json.loads(request.body)["msgtype"] == "markdown"


def test_unsigned_dingtalk_request_keeps_the_url():
    request = channels.build_request(
        kind="dingtalk",
        url="https://oapi.dingtalk.com/robot/send?access_token=abc",
        secret="",
        envelope=envelope(),
        now=NOW,
    )

    assert request.url == "https://oapi.dingtalk.com/robot/send?access_token=abc"


def test_feishu_text_message_has_the_documented_shape():
    body = channels.feishu_text_body(PAYLOAD)

    assert body["msg_type"] == "text"
    assert set(body["content"]) == {"text"}
    assert body["content"]["text"].startswith("新工单 HD2025112000001\n")


def test_feishu_card_has_header_markdown_and_a_button():
    body = channels.feishu_card_body(PAYLOAD, topic="alert.overdue")

    assert body["msg_type"] == "interactive"
    card = body["card"]
    assert card["header"] == {
        "title": {"tag": "plain_text", "content": "新工单 HD2025112000001"},
        "template": "red",
    }
    div, action = card["elements"]
    assert div["tag"] == "div"
    assert div["text"]["tag"] == "lark_md"
    assert action == {
        "tag": "action",
        "actions": [
            {
                "tag": "button",
                "text": {"tag": "plain_text", "content": "查看工单"},
                "type": "primary",
                "url": "https://heatdesk.example.cn/tickets/HD2025112000001",
            }
        ],
    }


def test_signed_feishu_body_carries_timestamp_seconds_and_sign():
    secret = "feishu-secret"
    request = channels.build_request(
        kind="feishu",
        url="https://open.feishu.cn/open-apis/bot/v2/hook/x",
        secret=secret,
        envelope=envelope(),
        now=NOW,
    )

    body = json.loads(request.body)
    assert body["timestamp"] == str(NOW_MS // 1000)
    key = f"{NOW_MS // 1000}\n{secret}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "interactive"


def test_generic_webhook_sends_the_envelope_with_key_header_and_signature():
    request = channels.build_request(
        kind="webhook", url="https://example.cn/hook", secret="s3cret", envelope=envelope(), now=NOW
    )

    assert request.headers["Idempotency-Key"] == "ticket.dispatched:HD2025112000001:1#7"
    body = json.loads(request.body)
    assert body["payload"] == PAYLOAD.to_payload()
    assert body["org_code"] == "cf-qiaokao"
    timestamp = request.headers["X-Heatdesk-Timestamp"]
    expected = hmac.new(b"s3cret", f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Heatdesk-Signature"] == f"sha256={expected}"


def test_robot_replies_with_an_error_code_count_as_failures():
    assert channels.response_error(kind="wecom", status=200, body=b'{"errcode":0,"errmsg":"ok"}') is None
    assert channels.response_error(kind="dingtalk", status=200, body=b'{"errcode":310000,"errmsg":"sign"}') == (
        "robot error 310000: sign"
    )
    assert channels.response_error(kind="feishu", status=200, body=b'{"code":0,"msg":"success"}') is None
    assert channels.response_error(kind="feishu", status=200, body=b'{"StatusCode":0}') is None
    assert "19021" in channels.response_error(kind="feishu", status=200, body=b'{"code":19021,"msg":"x"}')
    assert channels.response_error(kind="wecom", status=200, body=b"<html>") is not None
    assert channels.response_error(kind="webhook", status=204, body=b"") is None
    assert channels.response_error(kind="webhook", status=503, body=b"busy") == "HTTP 503: busy"


def test_phone_numbers_are_masked_in_what_is_logged():
    assert channels.mask_phones("来电 13812345678，座机 0471-6612345") == "来电 138****5678，座机 0471-****2345"
    assert channels.mask_phones("工单 HD2025112000001") == "工单 HD2025112000001"
    fields = channels.console_fields(envelope(message=dataclasses.replace(PAYLOAD, title="市民 13812345678 催办")))
    assert "13812345678" not in json.dumps(fields, ensure_ascii=False)
