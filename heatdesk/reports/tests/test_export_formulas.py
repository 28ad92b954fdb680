"""Defect 16: user text that starts like a formula (=, +, -, @, tab, CR) is written as text in every
export, so a spreadsheet never runs it; numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from heatdesk.accounts.models import User
from heatdesk.core import clock
from heatdesk.core.tabular import table_file_read
from heatdesk.geo.models import Compound
from heatdesk.reports.tests.conftest import LANJUE, STATION, Desk, at

pytestmark = pytest.mark.django_db
PERIOD = "from=2026-12-01&to=2026-12-01"
HOSTILE = {"building": "=1+2", "unit": "@SUM(A1)", "room": "+1-1"}
HOSTILE_COMPOUND = "-2+3 蓝爵"


@pytest.fixture
def hostile_ticket(demo_city):
    """A ticket whose address parts and compound name look like formulas, arriving at −5 °C indoors."""
    Compound.objects.filter(code=LANJUE).update(name=HOSTILE_COMPOUND)
    desk = Desk()
    ticket = desk.create(at(1, 8), **HOSTILE)
    desk.do(at(1, 8, 5), "80725", ticket, "dispatch")
    desk.do(at(1, 8, 30), STATION, ticket, "accept")
    desk.do(at(1, 9), STATION, ticket, "arrive", indoor_temp=-5)
    return ticket


def _download(path: str):
    client = Client()
    client.force_login(User.objects.get(username="lead"))
    with clock.moved_to(at(3, 12)):
        response = client.get(path)
    assert response.status_code == 200
    return response


def test_the_csv_export_writes_formula_like_text_with_a_quote_prefix(hostile_ticket):
    for query, building, unit, room, temperature, compound in (
        ("&codes=1", "building", "unit", "room", "arrival_indoor_temp", None),
        ("", "楼", "单元", "室", "到达室温(°C)", "小区"),
    ):
        path = f"/reports/export/tickets.csv?{PERIOD}{query}"
        body = b"".join(_download(path).streaming_content).decode("utf-8-sig")
        [row] = list(csv.DictReader(io.StringIO(body)))
        assert (row[building], row[unit], row[room]) == ("'=1+2", "'@SUM(A1)", "'+1-1")
        assert row[temperature] in ("-5.0", "-5")  # a number, not text: no quote
        if compound:
            assert row[compound] == f"'{HOSTILE_COMPOUND}"


def test_the_xlsx_export_writes_formula_like_text_as_text(hostile_ticket):
    workbook = load_workbook(io.BytesIO(_download(f"/reports/export/season.xlsx?{PERIOD}").content))
    details = workbook["明细"]
    header = [cell.value for cell in details[5]]
    cells = dict(zip(header, details[6], strict=True))
    for name, text in HOSTILE.items():
        header = {"building": "楼", "unit": "单元", "room": "室"}[name]
        assert cells[header].value == text, name
        assert cells[header].data_type == "s", name
        assert cells[header].quotePrefix, name
    assert cells["小区"].value == HOSTILE_COMPOUND
    assert cells["小区"].quotePrefix
    assert cells["到达室温(°C)"].value == -5
    assert cells["到达室温(°C)"].data_type == "n"
    compound_names = [row[1] for row in workbook["热点小区"].iter_rows(min_row=5)]
    assert HOSTILE_COMPOUND in [cell.value for cell in compound_names]
    assert all(cell.data_type != "f" for row in workbook["热点小区"].iter_rows() for cell in row)


def test_a_quoted_csv_cell_reads_back_as_the_text_that_was_exported(hostile_ticket, tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_bytes(b"".join(_download(f"/reports/export/tickets.csv?{PERIOD}&codes=1").streaming_content))
    _, [(_, row)] = table_file_read(path, headers={})
    assert (row["building"], row["unit"], row["room"]) == ("=1+2", "@SUM(A1)", "+1-1")
