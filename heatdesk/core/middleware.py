"""Middleware: the request id, the input edge (NUL characters, oversized bodies) and Chinese first."""

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from heatdesk.core.logging import REQUEST_ID


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Like Django's, but a browser's Accept-Language does not override the desk's language; only the
    language cookie set by the 中文/English switch does."""

    def process_request(self, request: HttpRequest) -> None:
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()


_WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# A JSON string escape for U+0000 that is not itself an escaped backslash followed by "u0000".
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
API_PREFIX = "/api/"


class RequestIdMiddleware:
    """Every request gets an id: in the X-Request-ID response header and in every log record made while
    it runs. A well-formed incoming X-Request-ID (from the proxy) is kept, so both logs line up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _WELL_FORMED_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = REQUEST_ID.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            REQUEST_ID.reset(token)
        response["X-Request-ID"] = request_id
        return response


def _error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"error": {"code": code, "message": message}}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return True
    content_type = request.content_type or ""
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        fields = list(request.POST.lists()) + [
            (name, [f.name or "" for f in files]) for name, files in request.FILES.lists()
        ]
        return any("\x00" in key or any("\x00" in value for value in values) for key, values in fields)
    body = request.body if request.method not in ("GET", "HEAD", "OPTIONS") else b""
    return b"\x00" in body or _JSON_NUL.search(body) is not None


class InputEdgeMiddleware:
    """Refuse, before any view runs, input no field may hold: a NUL character anywhere in the path, the
    query, a form field or a JSON body (PostgreSQL cannot store it) → 422 `invalid_characters`; a body
    over DATA_UPLOAD_MAX_MEMORY_SIZE → 413; too many fields → 400. The API answers in its error JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            refused = _has_nul(request)
        except RequestDataTooBig:
            return _error(request, 413, "payload_too_large", "请求内容过大 / request body too large")
        except (TooManyFieldsSent, TooManyFilesSent):
            return _error(request, 400, "too_many_fields", "请求字段过多 / too many fields")
        if refused:
            return _error(
                request, 422, "invalid_characters", "输入含有不允许的字符（NUL）/ input contains a NUL character"
            )
        return self.get_response(request)
