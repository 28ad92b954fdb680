"""Resolving addresses of the demo city: matching, routing, confidence, learning and freshness."""

from __future__ import annotations

import pytest

from heatdesk.geo import services
from heatdesk.geo.models import Compound, CompoundAlias, Station
from heatdesk.geo.resolver import CONFIDENT_AT, resolve

pytestmark = pytest.mark.django_db


def _row(**values) -> dict[str, str]:
    row = {
        "district": "回民区",
        "street": "光明路街道",
        "community": "阳光社区",
        "compound": "测试小区",
        "aliases": "",
        "station_code": "cf-qiaokao",
        "station_name": "桥靠供暖所",
        "company": "城发热力",
        "branch": "桥靠分公司",
        "substation": "桥靠1号换热站",
        "households": "",
        "built_year": "",
    }
    return row | values


def _import(*rows: dict[str, str]) -> None:
    report = services.gazetteer_import_rows(rows=list(rows))
    assert report.applied, report.rejected


@pytest.mark.parametrize(
    "text",
    [
        "回民区蓝爵小区3号楼2单元501",
        "ljxq 3-2-501",
        "蓝爵 3-2-501",
        "lanjuexiaoqu 3号楼2单元501",
        "兰爵小区3-2-501",
        "我家在呼和浩特市回民区蓝爵小区附近三号楼二单元五零一",
        "蓝爵公寓3栋2单元501室",
    ],
)
def test_the_ways_lanjue_is_typed_all_route_to_its_station(demo_city, text):
    # when
    result = resolve(text)

    # then
    assert result.compound.name == "蓝爵小区"
    assert result.station.code == "cf-qiaokao"
    assert result.confident
    assert result.confidence >= CONFIDENT_AT
    assert (result.building, result.unit, result.room) == ("3", "2", "501")


def test_the_design_example_of_a_phase_alias_routes_to_the_phase(demo_city):
    result = resolve("万达二期1号楼")

    assert (result.compound.name, result.station.code, result.building) == ("万达广场二期", "cf-jinqiao", "1")
    assert result.confident


def test_phases_of_one_estate_are_told_apart(demo_city):
    first, second = resolve("翡翠梦溪苑一期5幢"), resolve("翡翠梦溪苑第二期5幢")

    assert first.compound.name == "翡翠梦溪苑一期"
    assert first.confident
    assert second.compound.name == "翡翠梦溪苑二期"
    assert second.confident


def test_an_estate_named_without_its_phase_is_left_to_the_operator_with_both_phases(demo_city):
    result = resolve("万达广场3号楼")

    assert not result.confident
    assert {candidate.compound.name for candidate in result.candidates[:2]} == {"万达广场一期", "万达广场二期"}


def test_a_substation_is_reported_with_the_station(demo_city):
    result = resolve("蓝爵小区3号楼")

    assert (result.substation.name, result.substation.station.code) == ("桥靠1号换热站", "cf-qiaokao")


def test_an_unknown_compound_is_not_routed(demo_city):
    result = resolve("回民区紫金华府8号楼1单元101")

    assert not result.confident
    assert result.confidence < CONFIDENT_AT


def test_a_name_with_another_type_word_is_only_a_candidate(demo_city):
    # given 祥和苑 exists; when a citizen says 祥和家园
    result = resolve("祥和家园3号楼")

    # then it is proposed but not routed
    assert not result.confident
    assert result.candidates[0].compound.name == "祥和苑"


def test_a_street_address_without_a_compound_is_not_routed(demo_city):
    result = resolve("回民区中山西路128号")

    assert not result.confident


def test_nothing_typed_resolves_to_nothing(demo_city):
    for text in ("", "   ", "3-2-501"):
        result = resolve(text)
        assert (result.compound, result.station, result.confidence, result.confident) == (None, None, 0.0, False)
        assert result.candidates == []


def test_a_district_in_the_text_or_given_picks_between_compounds_of_the_same_name(demo_city):
    # given 阳光小区 in 回民区 (demo) and another one in 赛罕区
    _import(_row(district="赛罕区", street="中专路街道", compound="阳光小区", station_code="cf-jinqiao",
                 station_name="金桥供暖所", branch="金桥分公司", substation="金桥1号换热站"))  # fmt: skip

    # when / then: without a district it is a tie
    assert not resolve("阳光小区2号楼").confident
    # a district in the text decides
    in_text = resolve("赛罕区阳光小区2号楼")
    assert (in_text.station.code, in_text.confident) == ("cf-jinqiao", True)
    # so does one passed apart, by name or by code
    assert resolve("阳光小区2号楼", district="回民区").station.code == "cf-qiaokao"
    assert resolve("阳光小区2号楼", district="150105").station.code == "cf-jinqiao"


def test_a_compound_in_another_district_than_the_text_says_loses_confidence(demo_city):
    assert resolve("赛罕区蓝爵小区3号楼").confidence < resolve("回民区蓝爵小区3号楼").confidence


def test_a_building_served_apart_from_its_compound_routes_to_its_own_station(demo_city):
    # given building 12 of 蓝爵小区 is served by 新城供暖所
    compound = Compound.objects.get(name="蓝爵小区")
    other = Station.objects.get(code="cf-xincheng")
    services.building_assign(compound=compound, number="12号楼", station=other)

    # when / then
    assert resolve("蓝爵小区十二号楼3单元101").station.code == "cf-xincheng"
    assert resolve("蓝爵小区3号楼3单元101").station.code == "cf-qiaokao"


def test_candidates_are_ranked_distinct_compounds_with_scores_between_0_and_1(demo_city):
    result = resolve("翡翠梦溪3号楼")

    names = [candidate.compound.name for candidate in result.candidates]
    scores = [candidate.score for candidate in result.candidates]
    assert len(names) == len(set(names)) >= 2
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= score <= 1 for score in scores)


def test_a_confirmed_text_is_learned_as_an_alias_with_its_pinyin_once(demo_city):
    # given an operator confirmed 蓝爵家园 meant 蓝爵小区
    compound = Compound.objects.get(name="蓝爵小区")
    assert not resolve("蓝爵家园3号楼").confident

    # when it is learned twice
    first = services.compound_alias_learn(compound=compound, text="回民区蓝爵家园3号楼2单元501")
    second = services.compound_alias_learn(compound=compound, text="蓝爵家园")

    # then there is one learned alias with pinyin, and the text now routes
    assert first == second
    assert (first.alias, first.pinyin, first.initials, first.learned) == ("蓝爵家园", "lanjuejiayuan", "ljjy", True)
    assert CompoundAlias.objects.filter(compound=compound, alias="蓝爵家园").count() == 1
    result = resolve("蓝爵家园3号楼")
    assert (result.compound, result.confident) == (compound, True)


@pytest.mark.parametrize("text", ["ljxq 3-2-501", "蓝爵小区3号楼", "蓝爵公寓", "光明小区", "3号楼"])
def test_nothing_is_learned_from_pinyin_own_names_or_another_compounds_name(demo_city, text):
    compound = Compound.objects.get(name="蓝爵小区")
    before = CompoundAlias.objects.count()

    assert services.compound_alias_learn(compound=compound, text=text) in (None, *compound.aliases.all())
    assert CompoundAlias.objects.count() == before


def test_the_index_follows_an_import_made_after_it_was_built(demo_city):
    # given the index was built
    assert not resolve("紫金华府8号楼").confident

    # when a compound is imported
    _import(_row(compound="紫金华府"))

    # then it is found at once
    assert resolve("紫金华府8号楼").compound.name == "紫金华府"


def test_the_index_follows_changes_written_by_another_process(demo_city):
    # given the index was built
    assert resolve("蓝爵小区3号楼").compound.name == "蓝爵小区"

    # when another process (which cannot reach this one's index) renames the compound and adds an alias
    compound = Compound.objects.get(name="蓝爵小区")
    compound.name = "蓝爵名邸"
    compound.save()
    CompoundAlias.objects.create(compound=Compound.objects.get(name="光明小区"), alias="光明老楼")

    # then this process sees both on its next call
    assert resolve("蓝爵名邸3号楼").compound == compound
    assert resolve("光明老楼1号楼").compound.name == "光明小区"
