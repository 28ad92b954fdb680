"""Reads of the gazetteer and the heating organisations."""

from __future__ import annotations

from django.db.models import QuerySet

from heatdesk.geo.models import Company, Station


def station_list() -> QuerySet[Station]:
    return Station.objects.select_related("company", "branch").order_by("code")


def company_list() -> QuerySet[Company]:
    return Company.objects.order_by("code")
