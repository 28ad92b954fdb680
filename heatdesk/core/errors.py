"""Typed domain errors. The API maps them to {"error": {"code", "message"}}; pages show them inline.

Messages are bilingual (Chinese first) because they reach operators and outside systems alike.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused request: nothing was changed."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
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
    code = "validation_failed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class OutOfScope(DomainError):
    status = 403
    code = "out_of_scope"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class TransitionNotAllowed(DomainError):
    status = 409
    code = "invalid_transition"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class Throttled(DomainError):
    status = 429
    code = "throttled"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
