"""Typed domain errors. The API maps them to {"error": {"code", "message"}}; pages show them inline.

Messages are bilingual (Chinese first) because they reach operators and outside systems alike.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Every `error.code` the API and the pages may answer with. The values are a contract (DESIGN §8):
    add members, never rename one."""

    # Generic refusals, the defaults of the DomainError subclasses below and of the API's handlers.
    BAD_REQUEST = "bad_request"
    VALIDATION_FAILED = "validation_failed"
    NOT_FOUND = "not_found"
    OUT_OF_SCOPE = "out_of_scope"
    PERMISSION_DENIED = "permission_denied"
    INVALID_TRANSITION = "invalid_transition"
    CONFLICT = "conflict"
    NOT_AUTHENTICATED = "not_authenticated"
    THROTTLED = "throttled"
    HTTP_ERROR = "http_error"
    SERVER_ERROR = "server_error"  # details carry the request id
    # The input edge (core.middleware): NUL characters, oversized bodies.
    INVALID_CHARACTERS = "invalid_characters"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    TOO_MANY_FIELDS = "too_many_fields"
    FIELD_TOO_LONG = "field_too_long"  # text longer than its column: refused by name, never cut
    PERIOD_TOO_LONG = "period_too_long"  # a report or export period over the cap
    PAGE_OUT_OF_RANGE = "page_out_of_range"
    # Accounts.
    INVALID_CREDENTIALS = "invalid_credentials"
    # Reports: an unknown organisation in the filters (an unknown operator is answered as one without tickets).
    UNKNOWN_COMPANY = "unknown_company"
    UNKNOWN_STATION = "unknown_station"
    UNKNOWN_DISTRICT = "unknown_district"
    # Tickets: intake.
    IDEMPOTENCY_MISMATCH = "idempotency_mismatch"
    ADDRESS_UNCERTAIN = "address_uncertain"
    REPEAT_OF_CLOSED = "repeat_of_closed"
    PHONE_SEARCH_NOT_ALLOWED = "phone_search_not_allowed"  # DESIGN §11, Tickets API
    # Tickets: actions.
    UNKNOWN_ACTION = "unknown_action"
    STATION_REQUIRED = "station_required"
    CALLBACK_RETRY_TOO_SOON = "callback_retry_too_soon"
    CALLBACK_TRIES_NEEDED = "callback_tries_needed"
    # Tickets: evidence before 处置完成 (arrival, indoor temperature, a leak's photo).
    ARRIVAL_REQUIRED = "arrival_required"
    ARRIVAL_TEMP_REQUIRED = "arrival_temp_required"
    PHOTO_REQUIRED = "photo_required"
    # Incidents (停热事件, DESIGN §11)
    INCIDENT_OPEN = "incident_open"  # an attached call waits for its incident's repair: no dispatch of its own
    INCIDENT_NOT_OPEN = "incident_not_open"
    INCIDENT_CALL_NOT_DISPATCHED = "incident_call_not_dispatched"
    INCIDENT_OUT_OF_AREA = "incident_out_of_area"
    RELATED_INVALID = "related_invalid"
    # Open311 GeoReport v2 (answered in the spec's error shape).
    INVALID_API_KEY = "invalid_api_key"
    INVALID_REQUEST = "invalid_request"
    NO_COORDINATES = "no_coordinates"
    UNKNOWN_ADDRESS_ID = "unknown_address_id"
    UNKNOWN_SERVICE = "unknown_service"
    # Tickets: photos.
    FILE_MISSING = "file_missing"
    FILE_TOO_LARGE = "file_too_large"
    NOT_AN_IMAGE = "not_an_image"
    # Citizens (feedback): rating links and the status page.
    RATING_LINK_INVALID = "rating_link_invalid"
    RATING_LINK_USED = "rating_link_used"
    RATING_LINK_EXPIRED = "rating_link_expired"
    SMS_NOT_ALLOWED = "sms_not_allowed"


class DomainError(Exception):
    """A refused request: nothing was changed."""

    status = 400
    code: str = ErrorCode.BAD_REQUEST

    def __init__(self, message: str, *, code: ErrorCode | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}


class ValidationFailed(DomainError):
    status = 422
    code = ErrorCode.VALIDATION_FAILED


class NotFound(DomainError):
    status = 404
    code = ErrorCode.NOT_FOUND


class OutOfScope(DomainError):
    status = 403
    code = ErrorCode.OUT_OF_SCOPE


class PermissionDenied(DomainError):
    status = 403
    code = ErrorCode.PERMISSION_DENIED


class TransitionNotAllowed(DomainError):
    status = 409
    code = ErrorCode.INVALID_TRANSITION


class Conflict(DomainError):
    status = 409
    code = ErrorCode.CONFLICT


class NotAuthenticated(DomainError):
    status = 401
    code = ErrorCode.NOT_AUTHENTICATED


class Throttled(DomainError):
    status = 429
    code = ErrorCode.THROTTLED

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
