"""The four SMS backends: how one message becomes one HTTP request, and how the answer is read.

Builders are pure (time and nonce are inputs) so tests can check each request byte for byte.
- `webhook`: JSON POST; headers `X-Heatdesk-Timestamp` (Unix seconds) and `X-Heatdesk-Signature`
  = `sha256=` + hex HMAC-SHA256(HEATDESK_SMS_SECRET, timestamp + "." + body); `Idempotency-Key`.
- `aliyun`: Dysmsapi SendSms (API version 2017-05-25), RPC style, signature version 1.0, HMAC-SHA1.
- `tencent`: SMS SendSms (API version 2021-01-11), signature v3 TC3-HMAC-SHA256.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

ALIYUN_URL = "https://dysmsapi.aliyuncs.com/"
TENCENT_URL = "https://sms.tencentcloudapi.com/"
TENCENT_CONTENT_TYPE = "application/json; charset=utf-8"
MAX_RESPONSE_BYTES = 64 * 1024
# Answers that will not change on a retry: the number cannot receive SMS.
PERMANENT_CODES = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.BLACK_KEY_CONTROL_LIMIT",
        "InvalidParameterValue.IncorrectPhoneNumber",
        "FailedOperation.PhoneNumberInBlacklist",
        "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
    }
)


@dataclass(frozen=True)
class GatewayConfig:
    """HEATDESK_SMS_* as read at send time."""

    backend: str
    url: str = ""
    key: str = ""
    secret: str = ""
    sign_name: str = ""
    app_id: str = ""
    region: str = ""


@dataclass(frozen=True)
class Outgoing:
    """One SMS as the gateway sees it. `params` keep the template's placeholder order (Tencent needs it)."""

    idempotency_key: str
    to: str
    text: str
    kind: str
    ticket_number: str
    template_code: str = ""
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SmsRequest:
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class SendResult:
    """`provider_id` on success; else `error`, and `permanent` when retrying cannot help."""

    ok: bool
    provider_id: str = ""
    error: str = ""
    permanent: bool = False


def phone_e164(phone: str) -> str:
    """Mainland mobile numbers as +86…; numbers already in + form stay as they are."""
    digits = re.sub(r"[\s\-]", "", phone)
    if digits.startswith("+"):
        return digits
    if digits.startswith("86") and len(digits) == 13:
        return "+" + digits
    return "+86" + digits


# ---- webhook -------------------------------------------------------------------------------------


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_request(message: Outgoing, config: GatewayConfig, *, now: dt.datetime) -> SmsRequest:
    body = json.dumps(
        {
            "id": message.idempotency_key,
            "to": phone_e164(message.to),
            "text": message.text,
            "sign_name": config.sign_name,
            "kind": message.kind,
            "ticket": message.ticket_number,
            "template": message.template_code,
            "params": message.params,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Idempotency-Key": message.idempotency_key,
        "X-Heatdesk-Timestamp": timestamp,
        "X-Heatdesk-Signature": webhook_signature(secret=config.secret, timestamp=timestamp, body=body),
    }
    return SmsRequest(url=config.url, body=body, headers=headers)


def webhook_result(status: int, body: bytes) -> SendResult:
    if 200 <= status < 300:
        try:
            answer = json.loads(body.decode() or "{}")
        except ValueError:
            answer = {}
        provider_id = str(answer.get("id", "")) if isinstance(answer, dict) else ""
        return SendResult(ok=True, provider_id=provider_id[:100])
    return SendResult(ok=False, error=f"HTTP {status}", permanent=400 <= status < 500 and status != 429)


# ---- Aliyun Dysmsapi (RPC, signature 1.0) --------------------------------------------------------


def aliyun_percent_encode(value: str) -> str:
    """RFC 3986: A-Z a-z 0-9 - _ . ~ stay; everything else %XY of its UTF-8 bytes (space → %20)."""
    return quote(value, safe="~")


def aliyun_string_to_sign(method: str, params: dict[str, str]) -> str:
    canonical = "&".join(f"{aliyun_percent_encode(k)}={aliyun_percent_encode(v)}" for k, v in sorted(params.items()))
    return f"{method}&{aliyun_percent_encode('/')}&{aliyun_percent_encode(canonical)}"


def aliyun_signature(*, secret: str, string_to_sign: str) -> str:
    """Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))."""
    digest = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def aliyun_request(message: Outgoing, config: GatewayConfig, *, now: dt.datetime, nonce: str) -> SmsRequest:
    params = {
        "AccessKeyId": config.key,
        "Action": "SendSms",
        "Format": "JSON",
        "OutId": message.idempotency_key,
        "PhoneNumbers": re.sub(r"^\+86", "", phone_e164(message.to)),
        "RegionId": config.region or "cn-hangzhou",
        "SignName": config.sign_name,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce,
        "SignatureVersion": "1.0",
        "TemplateCode": message.template_code,
        "TemplateParam": json.dumps(message.params, ensure_ascii=False, separators=(",", ":")),
        "Timestamp": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
    }
    signature = aliyun_signature(secret=config.secret, string_to_sign=aliyun_string_to_sign("POST", params))
    fields = {"Signature": signature, **params}
    body = "&".join(f"{aliyun_percent_encode(k)}={aliyun_percent_encode(v)}" for k, v in fields.items())
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/json"}
    return SmsRequest(url=config.url or ALIYUN_URL, body=body.encode(), headers=headers)


def aliyun_result(status: int, body: bytes) -> SendResult:
    answer = _json(body)
    code = str(answer.get("Code", ""))
    if status == 200 and code == "OK":
        return SendResult(ok=True, provider_id=str(answer.get("BizId", ""))[:100])
    return SendResult(
        ok=False,
        error=f"HTTP {status} {code} {answer.get('Message', '')}".strip()[:300],
        permanent=code in PERMANENT_CODES,
    )


# ---- Tencent Cloud SMS (API 3.0, TC3-HMAC-SHA256) -------------------------------------------------


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac_sha256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tencent_authorization(*, secret_id: str, secret_key: str, host: str, body: bytes, timestamp: int) -> str:
    """The Authorization header of signature v3 for a POST to "/" with content-type and host signed."""
    date = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).strftime("%Y-%m-%d")
    canonical_request = "\n".join(
        ["POST", "/", "", f"content-type:{TENCENT_CONTENT_TYPE}\nhost:{host}\n", "content-type;host", _sha256_hex(body)]
    )
    scope = f"{date}/sms/tc3_request"
    string_to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, _sha256_hex(canonical_request.encode())])
    secret_date = _hmac_sha256(("TC3" + secret_key).encode(), date)
    secret_service = _hmac_sha256(secret_date, "sms")
    secret_signing = _hmac_sha256(secret_service, "tc3_request")
    signature = hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


def tencent_request(message: Outgoing, config: GatewayConfig, *, now: dt.datetime) -> SmsRequest:
    url = config.url or TENCENT_URL
    host = urlsplit(url).netloc
    body = json.dumps(
        {
            "PhoneNumberSet": [phone_e164(message.to)],
            "SmsSdkAppId": config.app_id,
            "SignName": config.sign_name,
            "TemplateId": message.template_code,
            "TemplateParamSet": list(message.params.values()),
            "SessionContext": message.idempotency_key,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    timestamp = int(now.timestamp())
    headers = {
        "Authorization": tencent_authorization(
            secret_id=config.key, secret_key=config.secret, host=host, body=body, timestamp=timestamp
        ),
        "Content-Type": TENCENT_CONTENT_TYPE,
        "Host": host,
        "X-TC-Action": "SendSms",
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Version": "2021-01-11",
        "X-TC-Region": config.region or "ap-guangzhou",
    }
    return SmsRequest(url=url, body=body, headers=headers)


def tencent_result(status: int, body: bytes) -> SendResult:
    response = _json(body).get("Response")
    response = response if isinstance(response, dict) else {}
    error = response.get("Error")
    if isinstance(error, dict):
        code = str(error.get("Code", ""))
        return SendResult(ok=False, error=f"{code} {error.get('Message', '')}"[:300], permanent=code in PERMANENT_CODES)
    statuses = response.get("SendStatusSet") or [{}]
    first = statuses[0] if isinstance(statuses, list) and isinstance(statuses[0], dict) else {}
    code = str(first.get("Code", ""))
    if status == 200 and code == "Ok":
        return SendResult(ok=True, provider_id=str(first.get("SerialNo", ""))[:100])
    return SendResult(
        ok=False,
        error=f"HTTP {status} {code} {first.get('Message', '')}".strip()[:300],
        permanent=code in PERMANENT_CODES,
    )


def _json(body: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(body.decode("utf-8") or "{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return answer if isinstance(answer, dict) else {}


# ---- sending -------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


_opener = urllib.request.build_opener(_NoRedirect())


def http_post(request: SmsRequest, *, timeout: float) -> tuple[int | None, bytes, str]:
    """POST; (status, body, "") or (None, b"", reason). Never raises for network trouble."""
    if not request.url.startswith(("https://", "http://")):
        return None, b"", "HEATDESK_SMS_URL must be an http(s) URL"
    http_request = urllib.request.Request(  # noqa: S310 - scheme checked above
        request.url, data=request.body, headers=request.headers, method="POST"
    )
    try:
        with _opener.open(http_request, timeout=timeout) as response:
            return response.status, response.read(MAX_RESPONSE_BYTES), ""
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read(MAX_RESPONSE_BYTES) if error.fp else b"", ""
    except (OSError, ValueError) as error:
        return None, b"", f"{type(error).__name__}: {str(error)[:200]}"


BUILDERS = {"webhook": webhook_request, "tencent": tencent_request}
READERS = {"webhook": webhook_result, "aliyun": aliyun_result, "tencent": tencent_result}


def backend_send(
    message: Outgoing, config: GatewayConfig, *, now: dt.datetime, nonce: str, timeout: float
) -> SendResult:
    """Send through the configured remote backend (console is handled by the caller)."""
    if config.backend == "aliyun":
        request = aliyun_request(message, config, now=now, nonce=nonce)
    elif config.backend in BUILDERS:
        request = BUILDERS[config.backend](message, config, now=now)
    else:
        return SendResult(ok=False, error=f"unknown SMS backend {config.backend}", permanent=True)
    status, body, error = http_post(request, timeout=timeout)
    if status is None:
        return SendResult(ok=False, error=error)
    return READERS[config.backend](status, body)
