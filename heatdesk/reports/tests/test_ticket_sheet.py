"""The ticket detail for its readers: the 明细 sheet and the page's CSV speak Chinese (or English on an
English page), show labels and names instead of codes, carry 诉求内容, and the sheet has an autofilter and
a frozen header; `?codes=1` keeps the machine variant that `import-tickets` reads back. A company's or
station's report names itself instead of 全市."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from heatdesk.accounts.models import User
from heatdesk.core import clock
from heatdesk.reports.exports import TICKET_COLUMNS
from heatdesk.reports.tests.conftest import AS_OF, QIAOKAO

pytestmark = pytest.mark.django_db
DAY = "from=2026-12-01&to=2026-12-01"


@pytest.fixture(autouse=True)
def _chinese_after_each_test():
    """A request with the English cookie leaves English active in this thread: put Chinese back."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _get(username: str, path: str, language: str | None = None):
    client = Client()
    client.force_login(User.objects.get(username=username))
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with clock.moved_to(AS_OF):
        response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    return response


def _csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _details(response):
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["明细"]
    header = [cell.value for cell in sheet[5]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=6, values_only=True)]
    return workbook, sheet, header, rows


def test_the_details_sheet_has_chinese_headers_labels_and_the_description(desk_day):
    # Given the desk's day (ticket A closed satisfied, at 蓝爵小区 of 回民区, served by 桥靠供暖所)
    # When the lead downloads the season workbook from the Chinese page
    _, sheet, header, rows = _details(_get("lead", f"/reports/export/season.xlsx?{DAY}"))
    # Then the headers are Chinese and the cells are labels, not codes
    assert header[:4] == ["工单号", "受理时间", "状态", "诉求类型"]
    assert "诉求内容" in header
    assert "首问负责人" in header
    assert "供热企业" in header
    first = rows[0]
    assert first["状态"] == "已办结"
    assert first["问题分类"] == "暖气不热"
    assert first["紧急程度"] == "一般"
    assert first["来源渠道"] == "电话"
    assert first["区"] == "回民区"
    assert first["小区"] == "蓝爵小区"
    assert first["供暖所"] == "桥靠供暖所"
    assert first["供热企业"] == "城发热力"
    assert first["满意度"] == "满意"
    assert first["处置原因"] == "气堵(已放气)"
    assert first["电话指导解决"] == "否"
    assert first["首问负责人"].startswith("80725")
    assert first["来电号码"] == "13800001111"  # the lead sees it in full
    codes = {"closed", "not_warm", "lanjuexiaoqu", QIAOKAO, "satisfied", "air_lock", "phone"}
    assert not codes & {value for row in rows for value in row.values() if isinstance(value, str)}
    # And the header row is frozen under the title block, with an autofilter over every row
    assert sheet.freeze_panes == "A6"
    assert sheet.auto_filter.ref == f"A5:{sheet.cell(5, len(header)).column_letter}{5 + len(rows)}"
    assert sheet.column_dimensions["Q"].width >= 30  # 诉求内容 is wide


def test_the_details_sheet_and_csv_are_english_on_an_english_page(desk_day):
    _, _, header, rows = _details(_get("lead", f"/reports/export/season.xlsx?{DAY}", language="en"))
    assert header[:3] == ["Number", "Received", "Status"]
    assert rows[0]["Status"] == "Closed"
    assert rows[0]["Category"] == "Not warm"
    rows = _csv(_get("lead", f"/reports/export/tickets.csv?{DAY}", language="en"))
    assert rows[0]["Status"] == "Closed"
    assert "Description" in rows[0]


def test_the_page_csv_is_for_readers_and_codes_1_keeps_the_machine_columns(desk_day):
    readable = _csv(_get("lead", f"/reports/export/tickets.csv?{DAY}"))
    assert len(readable) == 8
    assert readable[0]["状态"] == "已办结"
    assert readable[0]["受理时间"] == "2026-12-01 08:00:00"
    assert readable[0]["小区"] == "蓝爵小区"
    machine = _csv(_get("lead", f"/reports/export/tickets.csv?{DAY}&codes=1"))
    assert list(machine[0]) == [name for name, _ in TICKET_COLUMNS]
    assert (machine[0]["status"], machine[0]["compound"], machine[0]["station_code"]) == (
        "closed",
        "lanjuexiaoqu",
        QIAOKAO,
    )


def test_phones_stay_masked_in_the_readers_variant_outside_the_desk_and_station(desk_day):
    _, _, _, rows = _details(_get("company-chengfa", f"/reports/export/season.xlsx?{DAY}"))
    assert rows
    assert all("****" in row["来电号码"] for row in rows)
    rows = _csv(_get("company-chengfa", f"/reports/export/tickets.csv?{DAY}"))
    assert rows
    assert all("****" in row["来电号码"] for row in rows)


def test_a_company_report_names_the_company_not_the_whole_city(desk_day):
    # Given a company manager with no filters
    page = _get("company-chengfa", f"/reports/?{DAY}").content.decode()
    # Then the page's heading and scope say 城发热力, never 全市
    assert "城发热力 供热专席季报" in page
    assert "范围：<span data-report-scope>城发热力</span>" in page
    assert "全市" not in page
    workbook = load_workbook(io.BytesIO(_get("company-chengfa", f"/reports/export/season.xlsx?{DAY}").content))
    for name in workbook.sheetnames:
        intro = " ".join(str(row[0].value) for row in workbook[name].iter_rows(max_row=3) if row[0].value)
        assert "全市" not in intro, name
        assert "城发热力" in intro, name
    assert workbook["概览"]["A1"].value.startswith("城发热力 供热专席季报")
    # And a station's report names the station; the lead's stays the whole city
    assert "桥靠供暖所 供热专席日报" in _get(f"station-{QIAOKAO}", "/reports/day/?date=2026-12-01").content.decode()
    assert "范围：<span data-report-scope>全市</span>" in _get("lead", f"/reports/?{DAY}").content.decode()
    english = _get("company-chengfa", f"/reports/?{DAY}", language="en").content.decode()
    assert "Scope: <span data-report-scope>城发热力</span>" in english


def test_report_errors_come_in_the_pages_language(desk_day):
    client = Client()
    client.force_login(User.objects.get(username="lead"))
    chinese = client.get("/reports/?from=2026-12-02&to=2026-12-01").content.decode()
    assert "开始日期晚于结束日期" in chinese
    assert "from is after to" not in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/reports/?from=2026-12-02&to=2026-12-01").content.decode()
    assert "from is after to" in english
    assert "开始日期晚于结束日期" not in english


def test_the_report_command_writes_codes_by_default_and_labels_when_asked(desk_day, tmp_path):
    period = ["--from", "2026-12-01", "--to", "2026-12-01", "--format", "csv"]
    with clock.moved_to(AS_OF), translation.override("zh-hans"):
        call_command("report", *period, "--out", str(tmp_path / "codes.csv"))
        call_command("report", *period, "--labels", "--out", str(tmp_path / "labels.csv"))
    codes = list(csv.DictReader(io.StringIO((tmp_path / "codes.csv").read_text(encoding="utf-8-sig"))))
    labels = list(csv.DictReader(io.StringIO((tmp_path / "labels.csv").read_text(encoding="utf-8-sig"))))
    assert codes[0]["status"] == "closed"
    assert labels[0]["状态"] == "已办结"
    assert (codes[0]["compound"], labels[0]["小区"]) == ("lanjuexiaoqu", "蓝爵小区")
