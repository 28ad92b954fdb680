"""Report pages (报表): the season and day overviews with charts, red/black lists, hotspots and the KPI
definitions, plus the XLSX and CSV downloads. Scoped exactly like the reports API.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from heatdesk.core.errors import DomainError
from heatdesk.geo.models import District
from heatdesk.reports import exports, kpis, overview, selectors

FILTERS = ("from", "to", "date", "company", "station", "district")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period_and_scope(request, *, day: bool):
    query = request.GET
    if day:
        period = selectors.period_of_day(query.get("date"))
    else:
        period = selectors.period_parse(date_from=query.get("from"), date_to=query.get("to"))
    scope = selectors.report_scope_resolve(
        user=request.user,
        company=query.get("company") or None,
        station=query.get("station") or None,
        district=query.get("district") or None,
    )
    return period, scope


def message_in_language(message: str) -> str:
    """A refusal's message in the page's language: the domain writes "中文 / English"; English pages show
    the English half, Chinese pages the Chinese half (a message with one language is shown as it is)."""
    chinese, sep, english = message.partition(" / ")
    if not sep:
        return message
    return english if _english() else chinese


def _error(request, error: DomainError):
    message = message_in_language(error.message)
    return render(request, "web/reports/error.html", {"message": message}, status=error.status)


def kpi_text(key: str, value: dict) -> tuple[str, str]:
    """(value, detail) as the page shows them: 98.12 % with 1,234 / 1,258; 35.2 分钟 with n."""
    unit = kpis.KPI_DEFINITIONS[key].unit
    if value["value"] is None:
        return "—", ""
    if unit == kpis.RATE:
        return f"{value['value'] * 100:.2f}%", f"{value['numerator']:,} / {value['denominator']:,}"
    if unit == kpis.MINUTES:
        return f"{value['value']:,.1f}", f"n = {value['denominator']:,}"
    if unit == kpis.MEDIAN:
        return f"{value['value']:,.1f}", f"n = {value['denominator']:,}"
    return f"{value['value']:,}", ""


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _kpi_label(key: str) -> str:
    """The KPI's name in the page's language (the definitions carry both)."""
    definition = kpis.KPI_DEFINITIONS[key]
    return definition.label_en if _english() else definition.label_zh


def _cards(values: dict) -> list[dict]:
    cards = []
    for key, definition in kpis.KPI_DEFINITIONS.items():
        text, detail = kpi_text(key, values[key])
        cards.append({"key": key, "definition": definition, "label": _kpi_label(key), "text": text, "detail": detail})
    return cards


def _ranking_rows(ranking: dict) -> list[dict]:
    rows = []
    for item in ranking["items"]:
        cells = [kpi_text(key, item["kpis"][key])[0] for key, _, _ in exports.RANKING_COLUMNS]
        rows.append({**item, "cells": cells})
    return rows


def _charts(bundle: dict, *, day: bool) -> dict:
    daily = bundle["daily"]
    return {
        "daily": {
            "days": [row["day"].isoformat() for row in daily],
            "received": [row["kpis"]["received"]["value"] for row in daily],
            "response": [row["kpis"]["avg_response_minutes"]["value"] for row in daily],
            "satisfaction": [
                None
                if row["kpis"]["satisfaction_rate"]["value"] is None
                else row["kpis"]["satisfaction_rate"]["value"] * 100
                for row in daily
            ],
        },
        "hourly": bundle["hourly"],
        "categories": [{"name": row["label"], "value": row["count"]} for row in bundle["categories"] if row["count"]],
        "response": {
            "labels": [b["label"] for b in bundle["response_histogram"]],
            "counts": [b["count"] for b in bundle["response_histogram"]],
        },
        "resolution": {
            "labels": [b["label"] for b in bundle["resolution_histogram"]],
            "counts": [b["count"] for b in bundle["resolution_histogram"]],
        },
        "stations": {
            "names": [item["name"] for item in bundle["stations"]["items"] if item["ranked"]],
            "scores": [item["score"] for item in bundle["stations"]["items"] if item["ranked"]],
        },
        "day": day,
    }


def _query(request, *names: str) -> str:
    return urlencode({name: request.GET[name] for name in names if request.GET.get(name)})


def _page(request, *, day: bool):
    try:
        period, scope = _period_and_scope(request, day=day)
        bundle = overview.report_bundle(user=request.user, period=period, scope=scope, day=day)
    except DomainError as error:
        return _error(request, error)
    filters = "date company station district" if day else "from to company station district"
    context = {
        "day": day,
        "bundle": bundle,
        "title": exports.report_title(bundle=bundle, day=day),
        "cards": _cards(bundle["kpis"]),
        "station_rows": _ranking_rows(bundle["stations"]),
        "company_rows": _ranking_rows(bundle["companies"]),
        "ranking_headers": [_kpi_label(key) for key, _, _ in exports.RANKING_COLUMNS],
        "charts": _charts(bundle, day=day),
        "companies": selectors.companies_visible_to(request.user),
        "stations": selectors.stations_visible_to(request.user),
        "districts": District.objects.order_by("code"),
        "selected": {name: request.GET.get(name, "") for name in FILTERS},
        "query": _query(request, *filters.split()),
        "scope_query": _query(request, "company", "station", "district"),
    }
    return render(request, "web/reports/report.html", context)


@login_required
def season(request):
    """Season (or any period) overview: KPIs, daily volume, distributions, rankings, hotspots."""
    return _page(request, day=False)


@login_required
def day(request):
    """The day report (日报): one day's KPIs, hourly volume, rankings, hotspots."""
    return _page(request, day=True)


def _workbook(request, *, day: bool):
    try:
        period, scope = _period_and_scope(request, day=day)
        bundle = overview.report_bundle(user=request.user, period=period, scope=scope, day=day)
    except DomainError as error:
        return _error(request, error)
    data = exports.report_workbook(
        bundle=bundle, title=exports.report_title(bundle=bundle, day=day), day=day, viewer=request.user
    )
    response = HttpResponse(data, content_type=XLSX)
    filename = exports.export_filename(bundle=bundle, day=day, extension="xlsx")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def export_season(request):
    """Season report workbook (XLSX)."""
    return _workbook(request, day=False)


@login_required
def export_day(request):
    """Day report workbook (日报, XLSX)."""
    return _workbook(request, day=True)


@login_required
def export_tickets(request):
    """Every ticket of the period and scope with every milestone, as CSV (UTF-8 with BOM): for readers
    (labels, names, headers in the page's language), or with `?codes=1` the machine variant (codes and the
    column names `import-tickets` reads back)."""
    try:
        period, scope = _period_and_scope(request, day=bool(request.GET.get("date")))
    except DomainError as error:
        return _error(request, error)
    tickets = selectors.report_tickets(user=request.user, period=period, scope=scope)
    response = StreamingHttpResponse(
        exports.tickets_csv_lines(tickets=tickets, viewer=request.user, codes=request.GET.get("codes") == "1"),
        content_type="text/csv; charset=utf-8",
    )
    name = f"heatdesk-tickets-{period.first_day}-{period.last_day}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
