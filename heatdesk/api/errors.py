"""One mapping from failures to the error JSON of DESIGN §8: {"error": {"code", "message", "details"?}}."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from pydantic import Field

from heatdesk.api.routers.geo import CandidateOut
from heatdesk.core.errors import DomainError, ErrorCode, Throttled

logger = logging.getLogger("heatdesk.api")


class FieldErrorOut(Schema):
    field: str = Field(description="the input field at fault, dotted for nested ones (`0.seconds`)")
    message: str | None = None
    type: str | None = Field(None, description="the validator's error type, for invalid input")


class CandidatesOut(Schema):
    candidates: list[CandidateOut] = Field(description="compounds the address may mean (address_uncertain)")


class ErrorBodyOut(Schema):
    code: ErrorCode
    message: str = Field(description="中文 / English")
    details: list[FieldErrorOut] | CandidatesOut | None = None


class ErrorOut(Schema):
    """Every 4xx answer (DESIGN §8)."""

    error: ErrorBodyOut


def _error(
    api: NinjaAPI, request: HttpRequest, status: int, code: ErrorCode | str, message: str, details: Any = None
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return api.create_response(request, {"error": body}, status=status)


def _field_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload", "query")]
        cleaned.append({"field": ".".join(location), "message": error.get("msg", ""), "type": error.get("type")})
    return cleaned


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
        response = _error(api, request, error.status, error.code, error.message, error.details)
        if isinstance(error, Throttled):
            response["Retry-After"] = str(error.retry_after)
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
        message = "输入有误 / invalid input"
        return _error(api, request, 422, ErrorCode.VALIDATION_FAILED, message, _field_errors(error.errors))

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
        return _error(api, request, 401, ErrorCode.NOT_AUTHENTICATED, "请先登录 / authentication required")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
        if error.status_code == 400 and str(error).startswith("Cannot parse request body"):  # ninja's body parser
            return _error(
                api, request, 422, ErrorCode.VALIDATION_FAILED, "请求体不是合法 JSON / body is not valid JSON"
            )
        return _error(api, request, error.status_code, ErrorCode.HTTP_ERROR, str(error))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
        return _error(api, request, 404, ErrorCode.NOT_FOUND, "未找到 / not found")

    @api.exception_handler(DjangoPermissionDenied)
    def permission_denied(request: HttpRequest, error: DjangoPermissionDenied) -> HttpResponse:
        return _error(api, request, 403, ErrorCode.PERMISSION_DENIED, "无权操作 / permission denied")

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, error: Exception) -> HttpResponse:
        """Anything unforeseen: logged with its traceback and the request id, answered in the error JSON."""
        request_id = getattr(request, "request_id", "-")
        logger.error("server error on %s %s (request %s)", request.method, request.path, request_id, exc_info=error)
        return _error(
            api,
            request,
            500,
            ErrorCode.SERVER_ERROR,
            f"服务器内部错误，请求编号 {request_id} / internal server error, request id {request_id}",
            {"request_id": request_id},
        )


class DocumentedErrorsAPI(NinjaAPI):
    """A NinjaAPI whose OpenAPI document lists `ErrorOut` (with every ErrorCode) as each operation's 4XX."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        definitions = schema.setdefault("components", {}).setdefault("schemas", {})
        definitions.update(error_schema.pop("$defs", {}))
        definitions["ErrorOut"] = error_schema
        error_response = {
            "description": "拒绝 / refused: nothing changed",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        }
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if not any(str(status).startswith("4") for status in responses):
                    responses["4XX"] = error_response
        return schema
