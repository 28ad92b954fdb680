"""The one place that sends outbox messages over the network: a JSON POST with a timeout.

Redirects are not followed (urllib would turn a redirected POST into a GET without the body), and
only http(s) URLs are sent. Errors come back as a reason string, never as an exception.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass

from heatdesk.notify.channels import HttpRequest, mask_phones

MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class HttpResult:
    """`status` is None when no HTTP answer came back (refused, timed out, reset); `error` says why."""

    status: int | None
    body: bytes
    error: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None  # the 3xx surfaces as an HTTPError and is recorded as a failed attempt


_opener = urllib.request.build_opener(_NoRedirect())


def post(request: HttpRequest, *, timeout: float) -> HttpResult:
    """POST `request`; `timeout` bounds the connect and each read (seconds)."""
    if not request.url.startswith(("https://", "http://")):
        return HttpResult(None, b"", "URL scheme must be http or https")
    http_request = urllib.request.Request(  # noqa: S310 - scheme checked above
        request.url, data=request.body, headers=request.headers, method="POST"
    )
    try:
        with _opener.open(http_request, timeout=timeout) as response:
            return HttpResult(response.status, response.read(MAX_RESPONSE_BYTES), "")
    except urllib.error.HTTPError as error:
        with error:
            body = error.read(MAX_RESPONSE_BYTES) if error.fp else b""
        return HttpResult(error.code, body, "")
    except TimeoutError:
        return HttpResult(None, b"", f"timed out after {timeout:g} s")
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            return HttpResult(None, b"", f"timed out after {timeout:g} s")
        return HttpResult(None, b"", mask_phones(f"connection failed: {error.reason}")[:500])
    except (OSError, ValueError, http.client.HTTPException) as error:
        # http.client raises RemoteDisconnected/IncompleteRead (OSError/HTTPException subclasses).
        return HttpResult(None, b"", mask_phones(f"{type(error).__name__}: {error}")[:500])
