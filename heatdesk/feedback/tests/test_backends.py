"""Each SMS backend's request format and signature, checked by a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import parse_qsl, quote

import pytest

from heatdesk.feedback import backends
from heatdesk.feedback.models import SmsMessage, SmsStatus
from heatdesk.feedback.sms import sms_deliver_due
from heatdesk.feedback.tests.conftest import new_ticket
from heatdesk.notify.tests.receiver import Reply

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)  # 18:00 in Hohhot: outside the quiet hours


@pytest.fixture
def queued(demo_city, time_machine):
    time_machine.move_to(NOW, tick=False)
    ticket = new_ticket(dispatch=False)
    return ticket, SmsMessage.objects.get(ticket=ticket)


def _gateway(settings, backend, url, **extra):
    settings.HEATDESK_SMS_BACKEND = backend
    settings.HEATDESK_SMS_URL = url
    settings.HEATDESK_SMS_KEY = extra.get("key", "AKID-test")
    settings.HEATDESK_SMS_SECRET = extra.get("secret", "s3cret")
    settings.HEATDESK_SMS_SIGN_NAME = "供热专席"
    settings.HEATDESK_SMS_APP_ID = "1400000001"


def test_console_backend_sends_nothing_over_the_network_and_marks_sent(queued, settings):
    ticket, message = queued
    settings.HEATDESK_SMS_BACKEND = "console"
    report = sms_deliver_due(limit=10)
    message.refresh_from_db()
    assert (report.sent, message.status, message.provider_id) == (1, SmsStatus.SENT, f"console-{message.pk}")
    assert message.text.startswith("您的供暖诉求已受理，工单号" + ticket.number)
    assert f"http://127.0.0.1:8000/s/{ticket.number}" in message.text


def test_webhook_posts_signed_json(queued, settings, receiver):
    ticket, message = queued
    _gateway(settings, "webhook", receiver.url("/sms", Reply(body=b'{"id":"gw-1"}')))
    assert sms_deliver_due(limit=10).sent == 1
    [request] = receiver.on("/sms")
    body = request.json
    assert body["to"] == "+8613812345678"
    assert body["kind"] == "received"
    assert body["ticket"] == ticket.number
    assert body["text"] == message.text
    assert body["id"] == request.headers["Idempotency-Key"] == message.idempotency_key
    timestamp = request.headers["X-Heatdesk-Timestamp"]
    assert int(timestamp) == int(NOW.timestamp())
    expected = hmac.new(b"s3cret", timestamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Heatdesk-Signature"] == f"sha256={expected}"
    message.refresh_from_db()
    assert message.provider_id == "gw-1"


def _aliyun_encode(value: str) -> str:
    # The documented rule, written independently: encode like a form, then + → %20, * → %2A, %7E → ~.
    from urllib.parse import quote_plus

    return quote_plus(value, encoding="utf-8").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def test_aliyun_sends_dysmsapi_send_sms_signed_with_hmac_sha1(queued, settings, receiver):
    ticket, message = queued
    _gateway(settings, "aliyun", receiver.url("/", Reply(body=b'{"Code":"OK","Message":"OK","BizId":"900619"}')))
    assert sms_deliver_due(limit=10).sent == 1
    [request] = receiver.on("/")
    assert request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    fields = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
    assert fields["Action"] == "SendSms"
    assert fields["Version"] == "2017-05-25"
    assert fields["Format"] == "JSON"
    assert fields["SignatureMethod"] == "HMAC-SHA1"
    assert fields["SignatureVersion"] == "1.0"
    assert fields["AccessKeyId"] == "AKID-test"
    assert fields["RegionId"] == "cn-hangzhou"
    assert fields["PhoneNumbers"] == "13812345678"
    assert fields["SignName"] == "供热专席"
    assert fields["Timestamp"] == "2026-12-01T10:00:00Z"
    assert fields["SignatureNonce"]
    assert json.loads(fields["TemplateParam"]) == {
        "number": ticket.number,
        "link": f"http://127.0.0.1:8000/s/{ticket.number}",
    }
    signature = fields.pop("Signature")
    canonical = "&".join(f"{_aliyun_encode(k)}={_aliyun_encode(v)}" for k, v in sorted(fields.items()))
    string_to_sign = "POST&%2F&" + _aliyun_encode(canonical)
    expected = base64.b64encode(hmac.new(b"s3cret&", string_to_sign.encode(), hashlib.sha1).digest()).decode()
    assert signature == expected
    message.refresh_from_db()
    assert message.provider_id == "900619"


def test_aliyun_percent_encoding_follows_the_rfc3986_rule():
    assert backends.aliyun_percent_encode("a b*c~d/é") == "a%20b%2Ac~d%2F%C3%A9"
    assert backends.aliyun_percent_encode("-_.~") == "-_.~"


def _tc3(secret_key: str, date: str) -> bytes:
    key = hmac.new(("TC3" + secret_key).encode(), date.encode(), hashlib.sha256).digest()
    key = hmac.new(key, b"sms", hashlib.sha256).digest()
    return hmac.new(key, b"tc3_request", hashlib.sha256).digest()


def test_tencent_sends_send_sms_2021_01_11_signed_with_tc3_hmac_sha256(queued, settings, receiver):
    ticket, message = queued
    answer = {"Response": {"SendStatusSet": [{"SerialNo": "5000:1045710669", "Code": "Ok"}], "RequestId": "r"}}
    _gateway(settings, "tencent", receiver.url("/", Reply(body=json.dumps(answer).encode())), key="AKIDtest")
    assert sms_deliver_due(limit=10).sent == 1
    [request] = receiver.on("/")
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["x-tc-action"] == "SendSms"
    assert headers["x-tc-version"] == "2021-01-11"
    assert headers["x-tc-region"] == "ap-guangzhou"
    assert headers["x-tc-timestamp"] == str(int(NOW.timestamp()))
    assert headers["content-type"] == "application/json; charset=utf-8"
    body = request.json
    assert body["PhoneNumberSet"] == ["+8613812345678"]
    assert body["SmsSdkAppId"] == "1400000001"
    assert body["SignName"] == "供热专席"
    assert body["TemplateParamSet"] == [
        ticket.number,
        f"http://127.0.0.1:8000/s/{ticket.number}",
    ]
    host = headers["host"]
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:application/json; charset=utf-8\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(request.body).hexdigest(),
        ]
    )
    string_to_sign = (
        f"TC3-HMAC-SHA256\n{int(NOW.timestamp())}\n2026-12-01/sms/tc3_request\n"
        + hashlib.sha256(canonical.encode()).hexdigest()
    )
    signature = hmac.new(_tc3("s3cret", "2026-12-01"), string_to_sign.encode(), hashlib.sha256).hexdigest()
    assert headers["authorization"] == (
        "TC3-HMAC-SHA256 Credential=AKIDtest/2026-12-01/sms/tc3_request, SignedHeaders=content-type;host, "
        f"Signature={signature}"
    )
    message.refresh_from_db()
    assert message.provider_id == "5000:1045710669"


def test_provider_errors_are_retried_then_fail_and_a_bad_number_fails_at_once(
    queued, settings, receiver, fast_retries, time_machine
):
    _ticket, message = queued
    busy = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"}
    _gateway(settings, "aliyun", receiver.url("/", Reply(body=json.dumps(busy).encode())))
    assert sms_deliver_due(limit=10).retrying == 1
    message.refresh_from_db()
    assert message.status == SmsStatus.QUEUED
    assert message.attempts == 1
    assert message.next_attempt_at == NOW + dt.timedelta(seconds=2)
    assert sms_deliver_due(limit=10).claimed == 0  # not before the backoff
    time_machine.move_to(NOW + dt.timedelta(seconds=2), tick=False)
    assert sms_deliver_due(limit=10).retrying == 1
    message.refresh_from_db()
    assert message.next_attempt_at == NOW + dt.timedelta(seconds=2 + 3)  # 4 s capped at 3 s
    time_machine.move_to(NOW + dt.timedelta(seconds=5), tick=False)
    assert sms_deliver_due(limit=10).failed == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, len(receiver.on("/"))) == (SmsStatus.FAILED, 3, 3)
    assert "BUSINESS_LIMIT_CONTROL" in message.error

    other = new_ticket(phone="13900001111", dispatch=False)
    bad = {"Response": {"Error": {"Code": "InvalidParameterValue.IncorrectPhoneNumber", "Message": "bad"}}}
    _gateway(settings, "tencent", receiver.url("/t", Reply(body=json.dumps(bad).encode())))
    assert sms_deliver_due(limit=10).failed == 1
    assert SmsMessage.objects.get(ticket=other).status == SmsStatus.FAILED


def test_an_unreachable_gateway_is_retried(queued, settings, fast_retries):
    _ticket, message = queued
    _gateway(settings, "webhook", "http://127.0.0.1:9/closed")
    assert sms_deliver_due(limit=10).retrying == 1
    message.refresh_from_db()
    assert message.status == SmsStatus.QUEUED
    assert "Error" in message.error


def test_quote_is_what_the_aliyun_rule_means():
    # The production encoder and the documented recipe agree on tricky input.
    for text in ["供热 专席", "a+b=c&d", "~*'()!"]:
        assert backends.aliyun_percent_encode(text) == _aliyun_encode(text) == quote(text, safe="~")
