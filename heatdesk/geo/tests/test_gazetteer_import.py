"""Gazetteer files in and out: all or nothing, line-numbered rejections, a round trip that changes nothing."""

from __future__ import annotations

import csv
from importlib import resources

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from openpyxl import Workbook, load_workbook

from heatdesk import cli
from heatdesk.core.errors import ValidationFailed
from heatdesk.geo import selectors
from heatdesk.geo.importer import gazetteer_export_file, gazetteer_import_file
from heatdesk.geo.models import (
    Branch,
    Building,
    Community,
    Company,
    Compound,
    CompoundAlias,
    District,
    Station,
    Street,
    Substation,
)
from heatdesk.geo.services import GAZETTEER_COLUMNS

pytestmark = pytest.mark.django_db

GEO_MODELS = (District, Street, Community, Company, Branch, Station, Substation, Compound, CompoundAlias, Building)


def _demo_rows() -> list[list[str]]:
    text = resources.files("heatdesk.geo").joinpath("data/demo_city.csv").read_text("utf-8")
    return list(csv.reader(text.splitlines()))


def _write_csv(path, rows, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _write_xlsx(path, rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def _state() -> tuple:
    """Everything the gazetteer holds, to prove that nothing changed."""
    counts = tuple(model.objects.count() for model in GEO_MODELS)
    stamps = tuple(Compound.objects.order_by("id").values_list("id", "updated_at"))
    return counts, stamps, tuple(tuple(row.items()) for row in selectors.gazetteer_export_rows())


@pytest.fixture
def demo_gazetteer(db):
    report = gazetteer_import_file(path=resources.files("heatdesk.geo").joinpath("data/demo_city.csv"))
    assert report.applied, report.rejected
    return report


def test_the_demo_city_file_loads_through_the_importer(demo_gazetteer):
    assert (demo_gazetteer.created, demo_gazetteer.updated, demo_gazetteer.rejected) == (62, 0, [])
    assert Compound.objects.get(name="万达广场二期").aliases.count() == 3


def test_importing_the_same_file_again_changes_nothing(demo_gazetteer):
    before = _state()

    report = gazetteer_import_file(path=resources.files("heatdesk.geo").joinpath("data/demo_city.csv"))

    assert (report.created, report.updated, report.unchanged) == (0, 0, 62)
    assert _state() == before


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_changes_nothing(demo_gazetteer, tmp_path, suffix):
    # given the demo city with a learned alias
    compound = Compound.objects.get(name="蓝爵小区")
    from heatdesk.geo.services import compound_alias_learn

    compound_alias_learn(compound=compound, text="蓝爵家园")
    before = _state()

    # when exported and imported again
    path = tmp_path / f"gazetteer{suffix}"
    assert gazetteer_export_file(path=path) == 62
    report = gazetteer_import_file(path=path)

    # then every row is unchanged and so is the database
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, 62, [])
    assert _state() == before


def test_the_export_has_the_design_columns_in_order(demo_gazetteer, tmp_path):
    csv_path, xlsx_path = tmp_path / "g.csv", tmp_path / "g.xlsx"
    gazetteer_export_file(path=csv_path)
    gazetteer_export_file(path=xlsx_path)

    with csv_path.open(encoding="utf-8-sig") as handle:
        assert tuple(next(csv.reader(handle))) == GAZETTEER_COLUMNS
    sheet = load_workbook(xlsx_path).active
    assert tuple(cell.value for cell in sheet[1]) == GAZETTEER_COLUMNS
    assert sheet.max_row == 63


@pytest.mark.parametrize("writer", [_write_csv, _write_xlsx])
def test_a_file_without_a_required_column_is_rejected_whole(demo_gazetteer, tmp_path, writer):
    rows = [[cell for index, cell in enumerate(row) if index != 5] for row in _demo_rows()]  # no station_code
    path = writer(tmp_path / ("g.csv" if writer is _write_csv else "g.xlsx"), rows)
    before = _state()

    with pytest.raises(ValidationFailed, match="station_code"):
        gazetteer_import_file(path=path)
    assert _state() == before


@pytest.mark.parametrize("writer", [_write_csv, _write_xlsx])
@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        (10, "许多", "households"),
        (11, "19x8", "built_year"),
        (11, "1066", "built_year"),
        (3, "", "compound"),
        (5, "", "station_code"),
        (5, "桥靠", "station_code"),
    ],
)
def test_a_bad_row_rejects_the_import_naming_its_line_and_nothing_changes(
    demo_gazetteer, tmp_path, writer, column, value, reason
):
    # given a file whose fifth line (fourth compound) is bad and which adds a new compound
    rows = _demo_rows()
    rows[4][column] = value
    rows.append(["回民区", "", "", "新建小区", "", "cf-qiaokao", "桥靠供暖所", "城发热力", "桥靠分公司", "", "", ""])
    path = writer(tmp_path / ("g.csv" if writer is _write_csv else "g.xlsx"), rows)
    before = _state()

    # when
    report = gazetteer_import_file(path=path)

    # then
    assert [line for line, _ in report.rejected] == [5]
    assert reason in report.rejected[0][1]
    assert not report.applied
    assert _state() == before
    assert not Compound.objects.filter(name="新建小区").exists()


def test_every_bad_line_is_reported_not_just_the_first(db, tmp_path):
    rows = _demo_rows()
    rows[2][10] = "abc"
    rows[7][3] = ""
    rows[9][0] = ""

    report = gazetteer_import_file(path=_write_csv(tmp_path / "g.csv", rows))

    assert [line for line, _ in report.rejected] == [3, 8, 10]
    assert Compound.objects.count() == 0


def test_a_compound_listed_twice_is_rejected_naming_the_first_line(db, tmp_path):
    rows = [*_demo_rows(), _demo_rows()[1]]

    report = gazetteer_import_file(path=_write_csv(tmp_path / "g.csv", rows))

    assert report.rejected == [(64, "小区重复,首见于第 2 行 / compound repeats line 2")]


def test_one_station_code_with_two_names_is_rejected(db, tmp_path):
    rows = _demo_rows()
    rows[3][6] = "别的供暖所"

    report = gazetteer_import_file(path=_write_csv(tmp_path / "g.csv", rows))

    assert [line for line, _ in report.rejected] == [4]
    assert "cf-qiaokao" in report.rejected[0][1]


def test_gbk_and_bom_csv_files_are_read(db, tmp_path):
    gbk = gazetteer_import_file(path=_write_csv(tmp_path / "gbk.csv", _demo_rows(), encoding="gbk"))
    bom = gazetteer_import_file(path=_write_csv(tmp_path / "bom.csv", _demo_rows(), encoding="utf-8-sig"))

    assert (gbk.created, bom.unchanged) == (62, 62)


def test_extra_columns_and_blank_lines_are_ignored_and_line_numbers_kept(db, tmp_path):
    rows = [[*row, "备注"] for row in _demo_rows()]
    rows.insert(3, [])
    rows[6][10] = "bad"

    report = gazetteer_import_file(path=_write_csv(tmp_path / "g.csv", rows))

    assert [line for line, _ in report.rejected] == [7]


def test_chinese_headers_are_understood(db, tmp_path):
    header = [
        "区",
        "街道",
        "社区",
        "小区",
        "别名",
        "供暖所编码",
        "供暖所",
        "供热企业",
        "分公司",
        "换热站",
        "户数",
        "建成年份",
    ]
    rows = [header, *_demo_rows()[1:]]

    report = gazetteer_import_file(path=_write_xlsx(tmp_path / "g.xlsx", rows))

    assert report.created == 62


def test_a_dry_run_reports_and_changes_nothing(db, tmp_path):
    report = gazetteer_import_file(path=_write_csv(tmp_path / "g.csv", _demo_rows()), dry_run=True)

    assert (report.created, report.dry_run, report.applied) == (62, True, False)
    assert Compound.objects.count() == 0


def test_an_unreadable_file_is_rejected_with_a_clear_message(db, tmp_path):
    not_xlsx = tmp_path / "g.xlsx"
    not_xlsx.write_bytes(b"not a zip")

    with pytest.raises(ValidationFailed, match="XLSX"):
        gazetteer_import_file(path=not_xlsx)
    with pytest.raises(ValidationFailed, match="cannot read"):
        gazetteer_import_file(path=tmp_path / "missing.csv")
    with pytest.raises(ValidationFailed, match="empty"):
        gazetteer_import_file(path=_write_csv(tmp_path / "empty.csv", []))


@pytest.fixture
def cli_keeps_the_test_connection(monkeypatch):
    """A command run through argv closes every connection when done; the test's own must survive."""
    monkeypatch.setattr(connections, "close_all", lambda: None)


def test_the_command_imports_and_fails_with_a_non_zero_exit_on_a_bad_file(
    db, tmp_path, capsys, cli_keeps_the_test_connection
):
    good = _write_csv(tmp_path / "good.csv", _demo_rows())
    bad_rows = _demo_rows()
    bad_rows[2][11] = "soon"
    bad = _write_csv(tmp_path / "bad.csv", bad_rows)

    call_command("import_gazetteer", str(good))
    assert Compound.objects.count() == 62
    with pytest.raises(CommandError, match="rolled back"):
        call_command("import_gazetteer", str(bad))
    # the dashed spelling of DESIGN §8 goes through the heatdesk CLI and exits non-zero
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["import-gazetteer", str(bad)])
    assert exit_info.value.code != 0
    assert "line 3" in capsys.readouterr().err


def test_the_export_command_writes_an_importable_file(demo_gazetteer, tmp_path, cli_keeps_the_test_connection):
    path = tmp_path / "out.xlsx"

    cli.main(["export-gazetteer", str(path)])

    assert gazetteer_import_file(path=path, dry_run=True).unchanged == 62
