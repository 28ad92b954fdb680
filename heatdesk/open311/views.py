"""GeoReport v2 endpoints (`/open311/v2/…​.xml|.json`): parse, call one service or selector, render.

Errors are the spec's `errors` list with a 4xx status: 404 unknown resource or jurisdiction, 403 missing or
bad api_key, 429 over the rate limit, 400 anything else the server cannot do as asked.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from heatdesk.core.errors import DomainError, NotFound, Throttled, ValidationFailed
from heatdesk.open311 import render, selectors, services

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"  # when this API's shape last changed


def _status(error: DomainError) -> int:
    if isinstance(error, ValidationFailed) or not 400 <= error.status < 500:
        return 400
    return error.status


def _descriptions(error: DomainError) -> list[str]:
    if isinstance(error, ValidationFailed) and isinstance(error.details, list) and len(error.details) > 1:
        return [str(problem) for problem in error.details]
    return [error.message]


def georeport(view: Callable) -> Callable:
    """Checks the jurisdiction and the per-address rate limit, and turns domain errors into the spec's errors."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
        try:
            jurisdiction = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or ""
            if jurisdiction and jurisdiction != settings.HEATDESK_OPEN311_JURISDICTION:
                raise NotFound(f"jurisdiction_id {jurisdiction} 不存在 / jurisdiction_id not found")
            # Every call counts against its address (bad keys too); POSTs also against their key.
            address = request.META.get("REMOTE_ADDR", "")
            services.rate_limit_take(bucket=f"addr:{address}", limit=settings.HEATDESK_OPEN311_READ_LIMIT)
            return view(request, *args, fmt=fmt, **kwargs)
        except Throttled as error:
            headers = {"Retry-After": str(error.retry_after)}
            return render.errors(fmt, 429, [error.message], headers=headers)
        except DomainError as error:
            return render.errors(fmt, _status(error), _descriptions(error))

    return wrapped


@require_GET
@georeport
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    endpoint = {
        "specification": SPECIFICATION,
        "url": request.build_absolute_uri("/open311/v2"),
        "changeset": CHANGESET,
        "type": "production",
        "formats": list(render.FORMATS_ADVERTISED),
    }
    body = {
        "changeset": CHANGESET,
        "contact": "12345 供热专席 / the city's 12345 heating service desk",
        "key_service": "向专席申请 api_key（heatdesk open311-key NAME）/ ask the desk for an api_key",
        "endpoints": [endpoint],
    }
    return render.respond(fmt, "discovery", body)


@require_GET
@georeport
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return render.respond(fmt, "services", selectors.service_list())


@require_GET
@georeport
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    return render.respond(fmt, "service_definition", selectors.service_definition(service_code=service_code))


def _float(value: str, name: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ValidationFailed(f"{name} 须为数字 / {name} must be a number") from None


def _attributes(form) -> dict[str, list[str]]:
    """`attribute[code]=v` and, for multi-value lists, `attribute[code][]=v1&attribute[code][]=v2`."""
    found: dict[str, list[str]] = {}
    for name in form:
        if name.startswith("attribute[") and "]" in name:
            code = name[len("attribute[") : name.index("]")]
            found.setdefault(code, []).extend(value.strip() for value in form.getlist(name))
    return found


def _submission(request: HttpRequest) -> services.RequestSubmission:
    form = request.POST.copy()
    for name, values in request.GET.lists():  # some clients put api_key and jurisdiction_id in the URL
        form.setlistdefault(name, values)
    text = {name: (form.get(name) or "").strip() for name in services.TEXT_FIELDS}
    return services.RequestSubmission(
        **text,
        lat=_float(form.get("lat", "").strip(), "lat"),
        lon=_float(form.get("long", "").strip(), "long"),
        attributes=_attributes(form),
        idempotency_key=(request.headers.get("Idempotency-Key") or form.get("idempotency_key") or "").strip(),
    )


def _api_key(request: HttpRequest) -> str:
    return (request.POST.get("api_key") or request.GET.get("api_key") or "").strip()


@csrf_exempt
@require_http_methods(["GET", "POST"])
@georeport
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        client = services.open311_client_authenticate(api_key=_api_key(request))
        services.rate_limit_take(bucket=f"post:{client.pk}", limit=settings.HEATDESK_OPEN311_POST_LIMIT)
        submission = services.open311_request_submit(client=client, submission=_submission(request))
        return render.respond(fmt, "service_requests", [selectors.submission_response(submission)])
    query = selectors.RequestQuery(
        service_request_ids=_comma_list(request, "service_request_id"),
        service_codes=_comma_list(request, "service_code"),
        start_date=request.GET.get("start_date", "").strip(),
        end_date=request.GET.get("end_date", "").strip(),
        statuses=_comma_list(request, "status"),
    )
    return render.respond(fmt, "service_requests", selectors.request_list(query=query))


def _comma_list(request: HttpRequest, name: str) -> tuple[str, ...]:
    values = [part.strip() for value in request.GET.getlist(name) for part in value.split(",")]
    return tuple(value for value in values if value)


@require_GET
@georeport
def request_detail(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    return render.respond(fmt, "service_requests", [selectors.request_get(number=service_request_id)])


@require_GET
@georeport
def token(request: HttpRequest, token_id: str, fmt: str) -> HttpResponse:
    return render.respond(fmt, "service_requests", [selectors.token_get(token=token_id)])


def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    """Anything else under /open311/v2/: the spec's 404, in XML unless the path asks for JSON."""
    fmt = "json" if rest.endswith(".json") else "xml"
    return render.errors(fmt, 404, [f"没有这个资源 / no such resource: {rest}"])
