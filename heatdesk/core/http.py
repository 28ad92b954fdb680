"""Small request helpers shared by the API and the pages."""

from __future__ import annotations


def client_address(request) -> str:
    """The caller's address for throttling; behind a proxy, the first X-Forwarded-For hop."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"
