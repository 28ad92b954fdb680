"""One mapping from failures to the error JSON of DESIGN §8: {"error": {"code", "message"}}."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from heatdesk.core.errors import DomainError, Throttled

logger = logging.getLogger("heatdesk.api")


def _error(api: NinjaAPI, request, status: int, code: str, message: str, details=None):
    body = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return api.create_response(request, {"error": body}, status=status)


def _field_errors(errors: list[dict]) -> list[dict]:
    cleaned = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload", "query")]
        cleaned.append({"field": ".".join(location), "message": error.get("msg", ""), "type": error.get("type")})
    return cleaned


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, error: DomainError):
        response = _error(api, request, error.status, error.code, error.message, error.details)
        if isinstance(error, Throttled):
            response["Retry-After"] = str(error.retry_after)
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request, error: ValidationError):
        return _error(api, request, 422, "validation_failed", "输入有误 / invalid input", _field_errors(error.errors))

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, error):
        return _error(api, request, 401, "not_authenticated", "请先登录 / authentication required")

    @api.exception_handler(HttpError)
    def http_error(request, error: HttpError):
        if error.status_code == 400 and str(error).startswith("Cannot parse request body"):  # ninja's body parser
            return _error(api, request, 422, "validation_failed", "请求体不是合法 JSON / body is not valid JSON")
        return _error(api, request, error.status_code, "http_error", str(error))

    @api.exception_handler(Http404)
    def not_found(request, error):
        return _error(api, request, 404, "not_found", "未找到 / not found")

    @api.exception_handler(DjangoPermissionDenied)
    def permission_denied(request, error):
        return _error(api, request, 403, "permission_denied", "无权操作 / permission denied")
