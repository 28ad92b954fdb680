"""Report pages and downloads: workbooks open with openpyxl and their totals equal the API's; CSV is
Excel-ready; pages are scoped like the API."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import load_workbook

from heatdesk.accounts.models import User
from heatdesk.core import clock
from heatdesk.reports import kpis
from heatdesk.reports.tests.conftest import AS_OF, GUANGHUA, QIAOKAO

pytestmark = pytest.mark.django_db
DAY = "from=2026-12-01&to=2026-12-01"


@pytest.fixture
def page(desk_day):
    """page(username, path) → response of a signed-in browser at AS_OF."""

    def fetch(username: str, path: str):
        client = Client()
        client.force_login(User.objects.get(username=username))
        with clock.moved_to(AS_OF):
            return client.get(path)

    return fetch


@pytest.fixture
def api_kpis(api_as, desk_day):
    with clock.moved_to(AS_OF):
        return api_as("lead").get(f"reports/kpis?{DAY}").json()["kpis"]


def _sheet_rows(sheet, header_row: int) -> list[tuple]:
    return [row for row in sheet.iter_rows(min_row=header_row + 1, values_only=True) if any(v is not None for v in row)]


def test_the_season_workbook_matches_the_api(page, api_kpis):
    response = page("lead", f"/reports/export/season.xlsx?{DAY}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["概览", "供暖所排名", "企业排名", "分类", "每日", "热点小区", "社区", "明细"]
    overview = workbook["概览"]
    assert overview.freeze_panes == "A5"
    assert overview.column_dimensions["A"].width > 10
    rows = {row[0]: row for row in _sheet_rows(overview, 4)}
    assert list(rows) == list(kpis.REPORT_KPI_DEFINITIONS)
    for key, value in api_kpis.items():
        assert rows[key][3] == value["value"], key
        assert rows[key][4] == value["numerator"], key
        assert rows[key][5] == value["denominator"], key
        assert rows[key][7] == kpis.REPORT_KPI_DEFINITIONS[key].formula_zh
    assert isinstance(rows["received"][3], int)
    assert isinstance(rows["satisfaction_rate"][3], float)
    received = api_kpis["received"]["value"]
    assert sum(row[2] for row in _sheet_rows(workbook["分类"], 4)) == received
    assert sum(row[1] for row in _sheet_rows(workbook["每日"], 4)) == received
    stations = _sheet_rows(workbook["供暖所排名"], 6)
    assert sum(row[6] for row in stations) == received
    companies = _sheet_rows(workbook["企业排名"], 6)
    assert sum(row[5] for row in companies) == received
    assert len(_sheet_rows(workbook["明细"], 5)) == received


def test_the_day_workbook_has_the_hours_of_the_day(page, api_kpis):
    response = page("lead", "/reports/export/day.xlsx?date=2026-12-01")
    workbook = load_workbook(io.BytesIO(response.content))
    assert "分时" in workbook.sheetnames
    hours = _sheet_rows(workbook["分时"], 4)
    assert len(hours) == 24
    assert sum(row[1] for row in hours) == api_kpis["received"]["value"]
    assert hours[8][1] == 3  # A, B, C came in between 08:00 and 09:00


def test_the_ticket_csv_has_every_milestone_and_opens_in_excel(page):
    response = page("lead", f"/reports/export/tickets.csv?{DAY}&codes=1")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 8
    first = rows[0]
    for column in ("created_at", "dispatched_at", "accepted_at", "arrived_at", "resolved_at", "closed_at"):
        assert column in first
    assert first["created_at"] == "2026-12-01 08:00:00"
    assert first["caller_phone"] == "13800001111"


def test_phones_are_masked_in_exports_outside_the_desk_and_the_station(page):
    response = page("company-chengfa", f"/reports/export/tickets.csv?{DAY}&codes=1")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff"))))
    assert rows
    assert all("****" in row["caller_phone"] for row in rows)


def test_the_report_page_shows_numbers_charts_and_definitions(page):
    response = page("lead", f"/reports/?{DAY}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "echarts.min.js" in html
    assert 'id="report-charts"' in html
    assert kpis.KPI_DEFINITIONS["first_time_resolution_rate"].formula_zh in html
    assert "80.00%" in html  # satisfaction 4 / 5
    assert "红榜" in html
    assert "/reports/export/season.xlsx?" in html


def test_the_day_page_renders(page):
    response = page("80725", "/reports/day/?date=2026-12-01")
    assert response.status_code == 200
    assert "/reports/export/day.xlsx?date=2026-12-01" in response.content.decode()


def test_pages_are_scoped_like_the_api(page):
    own = page(f"station-{QIAOKAO}", f"/reports/?{DAY}")
    assert own.status_code == 200
    assert 'data-kpi="received"' in own.content.decode()
    assert page(f"station-{QIAOKAO}", f"/reports/?{DAY}&station={GUANGHUA}").status_code == 403
    assert page("company-chengfa", f"/reports/export/season.xlsx?{DAY}&company=futai").status_code == 403
    assert page("lead", "/reports/?from=2026-13-01").status_code == 422


def test_pages_need_a_login(desk_day):
    response = Client().get("/reports/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_report_command_writes_every_format(desk_day, tmp_path):
    out = io.StringIO()
    with clock.moved_to(AS_OF):
        call_command("report", "--from", "2026-12-01", "--to", "2026-12-01", stdout=out)
        assert "satisfaction_rate" in out.getvalue()
        assert "80.00% (4/5)" in out.getvalue()
        call_command(
            "report",
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-01",
            "--format",
            "json",
            "--out",
            str(tmp_path / "k.json"),
        )
        call_command("report", "--day", "2026-12-01", "--format", "xlsx", "--out", str(tmp_path / "d.xlsx"))
        call_command(
            "report",
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-01",
            "--station",
            QIAOKAO,
            "--format",
            "csv",
            "--out",
            str(tmp_path / "t.csv"),
        )
    body = json.loads((tmp_path / "k.json").read_text(encoding="utf-8"))
    assert body["kpis"]["received"]["value"] == 8
    assert load_workbook(tmp_path / "d.xlsx")["概览"]["D5"].value == 8
    assert len((tmp_path / "t.csv").read_text(encoding="utf-8-sig").splitlines()) == 1 + 7
    definitions = io.StringIO()
    call_command("report", "--definitions", stdout=definitions)
    assert kpis.KPI_DEFINITIONS["redo_rate"].formula_zh in definitions.getvalue()
    with pytest.raises(CommandError):
        call_command("report", "--from", "2026-12-02", "--to", "2026-12-01")
