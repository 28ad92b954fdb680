"""Issue 14 on the demo city: phases said in initials, never confident when unclear, district mismatch,
learning from the operator's choice, building-level routing imported from a file."""

from __future__ import annotations

import csv

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from heatdesk.geo import services
from heatdesk.geo.building_ranges import building_set, building_set_text
from heatdesk.geo.importer import building_ranges_export_file, building_ranges_import_file
from heatdesk.geo.models import BuildingRange, Compound, CompoundAlias
from heatdesk.geo.resolver import resolve
from heatdesk.geo.tests.test_resolver import _import, _row

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["fcmxyeq3-2-501", "fcmxyeq 3-2-501", "feicuimengxiyuanerqi 3号楼", "fcmxy2q 3-2-501"])
def test_the_phase_said_in_initials_or_pinyin_picks_the_phase(demo_city, text):
    result = resolve(text)

    assert (result.compound.name, result.confident) == ("翡翠梦溪苑二期", True)
    assert resolve("fcmxyyq3-2-501").compound.name == "翡翠梦溪苑一期"


def test_initials_glued_to_the_numbers_are_read(demo_city):
    result = resolve("ljxq3-2-501")

    assert (result.compound.name, result.building, result.unit, result.room) == ("蓝爵小区", "3", "2", "501")
    assert result.confident


def test_initials_shared_by_two_compounds_are_never_confident(demo_city):
    # given 龙居小区 shares the initials ljxq with 蓝爵小区
    _import(_row(compound="龙居小区"))

    # when
    result = resolve("ljxq 3-2-501")

    # then both are offered, ranked, and nothing is routed
    assert not result.confident
    assert {"蓝爵小区", "龙居小区"} <= {candidate.compound.name for candidate in result.candidates}


def test_a_typo_equally_close_to_two_names_is_not_confident(demo_city):
    _import(_row(compound="金鼎花园"), _row(compound="金泰花园"))

    assert not resolve("金安花园3号楼").confident


def test_a_district_named_in_the_text_that_does_not_hold_the_compound_is_flagged(demo_city):
    result = resolve("赛罕区蓝爵小区3号楼2单元501")

    assert (result.compound.name, result.district_mismatch, result.confident) == ("蓝爵小区", True, False)
    assert resolve("回民区蓝爵小区3号楼").district_mismatch is False
    assert resolve("蓝爵小区3号楼").district_mismatch is False


def test_the_operator_choosing_among_shared_initials_teaches_that_text(demo_city):
    # given ljxq is not clear between two compounds
    _import(_row(compound="龙居小区"))
    chosen = Compound.objects.get(name="龙居小区")
    assert not resolve("ljxq 3-2-501").confident

    # when the operator picks 龙居小区 for it
    alias = services.compound_alias_learn(compound=chosen, text="ljxq 3-2-501")

    # then that exact text now routes there, and the alias is a learned one
    assert (alias.alias, alias.learned) == ("ljxq", True)
    result = resolve("ljxq 5-1-101")
    assert (result.compound, result.confident) == (chosen, True)


def test_learned_aliases_stay_when_the_gazetteer_is_imported_again(demo_city):
    compound = Compound.objects.get(name="蓝爵小区")
    services.compound_alias_learn(compound=compound, text="老蓝爵楼3号楼")

    _import(_row(compound="蓝爵小区", aliases="蓝爵"))

    assert CompoundAlias.objects.filter(compound=compound, alias="老蓝爵楼", learned=True).exists()


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("1-12,15", "1-12,15"), ("15、1-12", "1-12,15"), ("1-3，5号楼,A座", "1-3,5,A"), ("7", "7")],
)
def test_building_lists_are_read_and_written_canonically(text, canonical):
    assert building_set_text(text) == canonical


@pytest.mark.parametrize("text", ["", "12-1", "abc", "1-99999", "3号院"])
def test_what_is_not_a_building_list_is_refused(text):
    with pytest.raises(Exception, match="楼号"):
        building_set(text)


def _write(path, rows, columns=("compound", "buildings", "station_code", "substation")):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_imported_building_ranges_route_each_building_to_its_station(demo_city, tmp_path):
    # given buildings 1-12 and 15 of 蓝爵小区 are served by 新城供暖所
    path = _write(
        tmp_path / "b.csv",
        [{"compound": "蓝爵小区", "buildings": "1-12,15", "station_code": "cf-xincheng", "substation": "蓝爵分站"}],
    )

    # when imported
    report = building_ranges_import_file(path=path)

    # then those buildings go there with their substation, the rest to the compound's station
    assert report.applied
    assert (report.compounds, report.ranges) == (1, 1)
    in_range = resolve("蓝爵小区15号楼2单元501")
    assert (in_range.station.code, in_range.substation.name, in_range.confident) == ("cf-xincheng", "蓝爵分站", True)
    assert resolve("蓝爵小区十二号楼").station.code == "cf-xincheng"
    assert resolve("蓝爵小区13号楼").station.code == "cf-qiaokao"
    assert resolve("蓝爵小区").station.code == "cf-qiaokao"


def test_a_building_range_import_is_all_or_nothing_and_names_each_bad_line(demo_city, tmp_path):
    rows = [
        {"compound": "蓝爵小区", "buildings": "1-12", "station_code": "cf-xincheng", "substation": ""},
        {"compound": "无此小区", "buildings": "1-3", "station_code": "cf-xincheng", "substation": ""},
        {"compound": "蓝爵小区", "buildings": "10-20", "station_code": "cf-qiaokao", "substation": ""},
        {"compound": "蓝爵小区", "buildings": "30-", "station_code": "cf-qiaokao", "substation": ""},
        {"compound": "蓝爵小区", "buildings": "40", "station_code": "no-such", "substation": ""},
    ]

    report = building_ranges_import_file(path=_write(tmp_path / "b.csv", rows))

    assert [line for line, _ in report.rejected] == [3, 4, 5, 6]
    assert "重叠" in report.rejected[1][1]
    assert "overlaps line 2" in report.rejected[1][1]
    assert not BuildingRange.objects.exists()


def test_building_ranges_export_and_import_again_unchanged_as_csv_and_xlsx(demo_city, tmp_path):
    rows = [
        {"compound": "蓝爵小区", "buildings": "15,1-12", "station_code": "cf-xincheng", "substation": "蓝爵分站"},
        {"compound": "蓝爵小区", "buildings": "13-14", "station_code": "cf-qiaokao", "substation": ""},
    ]
    call_command("import_buildings", str(_write(tmp_path / "in.csv", rows)))
    before = list(BuildingRange.objects.values_list("compound__name", "buildings", "station__code", "substation__name"))

    for name in ("out.csv", "out.xlsx"):
        assert building_ranges_export_file(path=tmp_path / name) == 2
        call_command("import_buildings", str(tmp_path / name))
        after = BuildingRange.objects.values_list("compound__name", "buildings", "station__code", "substation__name")
        assert list(after) == before
    assert before[0][1] == "1-12,15"


def test_the_import_buildings_command_refuses_a_bad_file_and_changes_nothing(demo_city, tmp_path):
    path = _write(tmp_path / "bad.csv", [{"compound": "蓝爵小区", "buildings": "1-x", "station_code": "cf-xincheng"}])

    with pytest.raises(CommandError, match="回滚"):
        call_command("import_buildings", str(path))
    missing = _write(tmp_path / "cols.csv", [{"compound": "蓝爵小区"}], columns=("compound",))
    with pytest.raises(CommandError, match="buildings"):
        call_command("import_buildings", str(missing))
    assert not BuildingRange.objects.exists()


def test_a_name_in_two_districts_needs_the_district_column(demo_city, tmp_path):
    _import(_row(district="赛罕区", street="中专路街道", compound="阳光小区"))
    rows = [{"compound": "阳光小区", "buildings": "1-3", "station_code": "cf-xincheng", "substation": ""}]

    refused = building_ranges_import_file(path=_write(tmp_path / "a.csv", rows))
    with_district = [{**rows[0], "district": "赛罕区"}]
    accepted = building_ranges_import_file(
        path=_write(tmp_path / "b.csv", with_district, columns=(*rows[0], "district"))
    )

    assert refused.rejected
    assert "district" in refused.rejected[0][1]
    assert accepted.applied
    assert BuildingRange.objects.get().compound.district.name == "赛罕区"
