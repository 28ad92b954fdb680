"""import-tickets: last season's tickets round-trip through the CSV export; bad rows are named by line
and nothing is written; a re-run adds nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from heatdesk.core import clock
from heatdesk.reports import exports, selectors
from heatdesk.reports.daybook import kpi_days_seal
from heatdesk.reports.models import KpiSealedDay
from heatdesk.reports.tests.conftest import AS_OF, at
from heatdesk.tickets.importer import ticket_file_rows, tickets_import_rows
from heatdesk.tickets.models import Ticket, TicketCallback, TicketEvent

pytestmark = pytest.mark.django_db
# Callback KPIs count every callback; an import knows only the final answer of each ticket.
CALLBACK_KPIS = {"satisfaction_rate", "resolution_rate"}
HEADER = "number,created_at,category,caller_phone,compound,station_code,owner,dispatched_at,accepted_at,arrived_at,resolved_at,closed_at,satisfaction,arrival_indoor_temp\n"  # noqa: E501
GOOD = "OLD-1,2025-12-01 08:00,not_warm,13800001111,lanjuexiaoqu,cf-qiaokao,80725,2025-12-01 08:05,2025-12-01 08:40,2025-12-01 09:10,2025-12-01 10:00,2025-12-01 12:00,satisfied,16.5\n"  # noqa: E501


def _kpis():
    period = selectors.period_parse(date_from="2026-12-01", date_to="2026-12-01")
    return selectors.report_kpis(user=None, period=period, scope=selectors.ReportScope(), as_of=AS_OF)["kpis"]


def _write(tmp_path, text: str, name: str = "old.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_exported_tickets_import_back_to_the_same_numbers(desk_day, tmp_path):
    before = _kpis()
    period = selectors.period_parse(date_from="2026-12-01", date_to="2026-12-01")
    tickets = selectors.report_tickets(user=None, period=period, scope=selectors.ReportScope())
    path = _write(tmp_path, "".join(exports.tickets_csv_lines(tickets=tickets)))
    Ticket.objects.filter(parent__isnull=False).delete()
    Ticket.objects.all().delete()

    report = tickets_import_rows(rows=ticket_file_rows(path))

    assert (report.created, report.skipped, report.rejected) == (8, [], [])
    after = _kpis()
    for key, value in before.items():
        if key not in CALLBACK_KPIS:
            assert after[key] == value, key
    assert after["satisfaction_rate"]["denominator"] == 4  # the final answers of A, B, C, D
    events = TicketEvent.objects.all()
    assert events.count() == 8
    assert all(event.kind == "create" and event.data["imported"] is True for event in events)
    d = Ticket.objects.get(number=desk_day["D"].number)
    assert (d.status, d.reopen_count, d.return_count, d.station.code) == ("closed", 1, 1, "ft-guanghua")
    assert d.resolution_deadline == at(3, 14)  # the approved extension survives the round trip
    assert not d.sla_clocks.exists()  # history raises no alerts


def test_a_second_run_skips_every_ticket(desk_day, tmp_path):
    path = _write(tmp_path, HEADER + GOOD)
    call_command("import_tickets", str(path))
    out = io.StringIO()
    call_command("import_tickets", str(path), stdout=out)
    assert "skipped 1" in out.getvalue()
    assert Ticket.objects.filter(number="OLD-1").count() == 1
    imported = Ticket.objects.get(number="OLD-1")
    assert (imported.status, imported.satisfaction, str(imported.arrival_indoor_temp)) == (
        "closed",
        "satisfied",
        "16.5",
    )
    assert TicketCallback.objects.filter(ticket=imported, reached=True, fixed=True).count() == 1


def test_bad_rows_are_named_by_line_and_nothing_is_written(demo_city, tmp_path):
    rows = [
        GOOD,
        "OLD-2,2025-12-01 08:00,warmish,13800001111,lanjuexiaoqu,,80725,,,,,,,\n",
        "OLD-3,,not_warm,13800001111,lanjuexiaoqu,,80725,,,,,,,\n",
        "OLD-4,2025-12-01 08:00,not_warm,13800001111,lanjuexiaoqu,,80725,2025-12-01 07:00,,,,,,\n",
        "OLD-5,2025-12-01 08:00,not_warm,13800001111,,nowhere,80725,,,,,,,\n",
        "OLD-1,2025-12-01 08:00,not_warm,13800001111,lanjuexiaoqu,,80725,,,,,,,\n",
        "OLD-6,2025-12-01 08:00,not_warm,13800001111,lanjuexiaoqu,,station-cf-qiaokao,,,,,,,\n",
        "OLD-7,2025-12-01 08:00,not_warm,13800001111,lanjuexiaoqu,,80725,,,,,,,99\n",
    ]
    path = _write(tmp_path, HEADER + "".join(rows))
    err = io.StringIO()
    with pytest.raises(CommandError, match="rejected 7"):
        call_command("import_tickets", str(path), stderr=err)
    lines = err.getvalue()
    for line, word in [(3, "category"), (4, "created_at"), (5, "dispatched_at"), (6, "station_code"), (7, "第 2 行")]:
        assert f"line {line}:" in lines
        assert word in lines.split(f"line {line}:")[1].splitlines()[0], (line, lines)
    assert "line 8:" in lines  # a station account is not an owner
    assert "line 9:" in lines  # 99 °C
    assert not Ticket.objects.exists()
    assert not TicketEvent.objects.exists()


def test_xlsx_files_with_chinese_headers_import(demo_city, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["工单号", "受理时间", "问题分类", "来电号码", "小区", "首问负责人", "派单时间", "满意度"])
    sheet.append(["X-9", dt.datetime(2025, 12, 2, 19, 30), "暖气不热", "13900001111", "蓝爵小区", "80720", None, None])
    path = tmp_path / "old.xlsx"
    workbook.save(path)
    report = tickets_import_rows(rows=ticket_file_rows(path))
    assert (report.created, report.rejected) == (1, [])
    ticket = Ticket.objects.get(number="X-9")
    assert (ticket.status, ticket.category, ticket.station.code) == ("received", "not_warm", "cf-qiaokao")
    assert ticket.created_at.isoformat() == "2025-12-02T11:30:00+00:00"  # 19:30 in Hohhot
    assert ticket.dispatch_deadline.isoformat() == "2025-12-02T11:40:00+00:00"


def test_an_unreadable_file_is_refused(demo_city, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="nothing changed"):
        call_command("import_tickets", str(path))


def test_importing_into_a_sealed_day_unseals_it(demo_city, tmp_path):
    call_command("import_tickets", str(_write(tmp_path, HEADER + GOOD)))
    with clock.moved_to(AS_OF):
        kpi_days_seal()
    assert KpiSealedDay.objects.filter(day=dt.date(2025, 12, 1)).exists()
    second = GOOD.replace("OLD-1", "OLD-2").replace("satisfied,", "very_satisfied,")
    call_command("import_tickets", str(_write(tmp_path, HEADER + second, "more.csv")))
    assert not KpiSealedDay.objects.filter(day=dt.date(2025, 12, 1)).exists()
    period = selectors.period_parse(date_from="2025-12-01", date_to="2025-12-01")
    kpis = selectors.report_kpis(user=None, period=period, scope=selectors.ReportScope(), as_of=AS_OF)["kpis"]
    assert kpis["received"]["value"] == 2
