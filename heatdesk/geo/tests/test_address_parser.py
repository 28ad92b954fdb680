"""The address parser: each form operators type and citizens say, taken apart."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heatdesk.geo.address import building_number, chinese_number, normalize, parse_address


def _parts(text: str) -> tuple:
    parsed = parse_address(text)
    return parsed.compound_text, parsed.building, parsed.unit, parsed.room


def test_a_full_address_gives_district_compound_building_unit_and_room():
    parsed = parse_address("回民区蓝爵小区3号楼2单元501")

    assert parsed.district == "回民区"
    assert (parsed.compound_text, parsed.building, parsed.unit, parsed.room) == ("蓝爵小区", "3", "2", "501")


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("新城区丽苑小区1号楼", "新城区"),
        ("赛罕区万达广场二期1号楼", "赛罕区"),
        ("土默特左旗金川小区3号楼", "土默特左旗"),
        ("土左旗金川小区3号楼", "土默特左旗"),
        ("和林格尔县利民小区2栋", "和林格尔县"),
        ("托县双河小区2栋", "托克托县"),
    ],
)
def test_districts_banners_and_counties_are_recognised_and_taken_out(text, district):
    parsed = parse_address(text)

    assert parsed.district == district
    assert district not in parsed.compound_text


@pytest.mark.parametrize(
    "text",
    [f"蓝爵小区3{word}2单元501" for word in ("号楼", "栋", "幢", "#", "号", "栋楼")],
)
def test_every_way_of_writing_the_building_gives_the_same_parts(text):
    assert _parts(text) == ("蓝爵小区", "3", "2", "501")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("蓝爵小区3-2-501", ("蓝爵小区", "3", "2", "501")),
        ("蓝爵小区3号楼2-501", ("蓝爵小区", "3", "2", "501")),
        ("蓝爵小区3#2-501", ("蓝爵小区", "3", "2", "501")),
        ("蓝爵 3 2 501", ("蓝爵", "3", "2", "501")),
        ("蓝爵小区3/2/501", ("蓝爵小区", "3", "2", "501")),
        ("蓝爵小区3—2—501", ("蓝爵小区", "3", "2", "501")),
        ("蓝爵小区12-3-1201", ("蓝爵小区", "12", "3", "1201")),
    ],
)
def test_compact_building_unit_room_forms_are_split(text, expected):
    assert _parts(text) == expected


def test_pinyin_initials_with_a_compact_tail_keep_the_initials_as_compound_text():
    assert _parts("ljxq 3-2-501") == ("ljxq", "3", "2", "501")


def test_full_pinyin_typed_with_spaces_is_joined():
    assert _parts("lan jue xiao qu 3栋") == ("lanjuexiaoqu", "3", None, None)


def test_full_width_digits_are_read_as_ascii():
    assert _parts("蓝爵小区３号楼２单元５０１室") == ("蓝爵小区", "3", "2", "501")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("蓝爵小区三号楼二单元五零一", ("蓝爵小区", "3", "2", "501")),
        ("蓝爵小区十二号楼三单元", ("蓝爵小区", "12", "3", None)),
        ("蓝爵小区二十一栋两单元1102室", ("蓝爵小区", "21", "2", "1102")),
        ("蓝爵小区三号楼二单元五零一室", ("蓝爵小区", "3", "2", "501")),
    ],
)
def test_chinese_numerals_before_address_words_become_digits(text, expected):
    assert _parts(text) == expected


def test_chinese_numerals_inside_names_are_left_alone():
    assert parse_address("五塔寺小区3号楼").compound_text == "五塔寺小区"
    assert parse_address("二道河小区一号楼").compound_text == "二道河小区"


@pytest.mark.parametrize(
    ("numeral", "number"),
    [
        ("三", "3"),
        ("十", "10"),
        ("十二", "12"),
        ("二十", "20"),
        ("二十一", "21"),
        ("一百零三", "103"),
        ("五零一", "501"),
        ("一二零一", "1201"),
    ],
)
def test_chinese_number_reads_positional_and_digit_by_digit_numerals(numeral, number):
    assert chinese_number(numeral) == number


@pytest.mark.parametrize(
    ("text", "compound", "phase"),
    [
        ("万达二期1号楼", "万达2期", "2"),
        ("万达2期1号楼", "万达2期", "2"),
        ("翡翠梦溪苑第二期5幢3单元402", "翡翠梦溪苑2期", "2"),
        ("万达广场一期", "万达广场1期", "1"),
    ],
)
def test_phases_are_normalised_and_kept_with_the_compound(text, compound, phase):
    parsed = parse_address(text)

    assert (parsed.compound_text, parsed.phase) == (compound, phase)


def test_noise_words_province_and_city_are_dropped():
    parsed = parse_address("我家在内蒙古呼和浩特市回民区蓝爵小区附近三号楼二单元五零一")

    assert parsed.district == "回民区"
    assert _parts(parsed.raw) == ("蓝爵小区", "3", "2", "501")


@pytest.mark.parametrize("lead", ["我家住", "家住", "我住在", "您好我家是", "地址是", "呼市"])
def test_leading_phrases_before_the_address_are_dropped(lead):
    assert parse_address(f"{lead}蓝爵小区3号楼").compound_text == "蓝爵小区"


def test_province_and_city_are_dropped_only_in_front_so_names_holding_them_survive():
    # the resolver's index also knows 内蒙古工业大学小区 as 工业大学小区
    assert parse_address("内蒙古工业大学小区3号楼").compound_text == "工业大学小区"
    assert parse_address("回民区内蒙古工业大学小区3号楼").compound_text == "内蒙古工业大学小区"


def test_sub_district_and_community_in_front_are_dropped():
    parsed = parse_address("光明路街道光明小区社区蓝爵小区3栋2单元501")

    assert parsed.sub_district == "光明路街道"
    assert parsed.compound_text == "蓝爵小区"


def test_a_community_named_alone_is_kept_as_the_compound_text():
    assert parse_address("光明小区社区3号楼").compound_text == "光明小区社区"


def test_a_road_with_a_house_number_is_not_the_building():
    parsed = parse_address("中山西路12号税苑小区3号楼")

    assert (parsed.road, parsed.road_number) == ("中山西路", "12")
    assert (parsed.compound_text, parsed.building) == ("税苑小区", "3")


def test_a_street_address_alone_offers_the_road_as_compound_text():
    parsed = parse_address("中山西路12号")

    assert (parsed.compound_text, parsed.building, parsed.context) == ("中山西路", None, "")


def test_a_road_inside_a_compound_name_stays_in_the_name():
    assert _parts("电子路小区3号楼2单元101") == ("电子路小区", "3", "2", "101")
    assert _parts("外贸巷外运4号楼") == ("外贸巷外运", "4", None, None)


def test_a_floor_between_unit_and_room_is_recognised_as_a_floor():
    parsed = parse_address("蓝爵小区3号楼2单元5楼501")

    assert (parsed.building, parsed.unit, parsed.floor, parsed.room) == ("3", "2", "5", "501")


def test_a_lone_three_digit_number_is_a_room_and_a_lone_small_one_a_building():
    assert _parts("蓝爵小区501") == ("蓝爵小区", None, None, "501")
    assert _parts("蓝爵小区7") == ("蓝爵小区", "7", None, None)
    assert _parts("蓝爵小区3号楼502") == ("蓝爵小区", "3", None, "502")


def test_lettered_buildings_keep_their_letter():
    assert _parts("万达广场二期a座1201") == ("万达广场2期", "A", None, "1201")


def test_words_after_the_address_end_it():
    assert _parts("蓝爵小区3号楼2单元501暖气不热") == ("蓝爵小区", "3", "2", "501")


def test_a_courtyard_number_stays_in_the_compound_name():
    assert _parts("3号院小区2号楼") == ("3号院小区", "2", None, None)


def test_punctuation_and_spaces_do_not_matter():
    assert _parts("蓝爵小区,3号楼 2单元、501。") == ("蓝爵小区", "3", "2", "501")


def test_empty_or_blank_text_parses_to_nothing():
    for text in ("", "   ", "，。"):
        assert _parts(text) == ("", None, None, None)


def test_building_number_reads_written_building_numbers():
    assert [building_number(text) for text in ("3号楼", "十二栋", "A座", "7")] == ["3", "12", "A", "7"]


def test_normalize_meets_names_written_with_different_numerals():
    assert normalize("万达广场二期") == normalize("万达广场2期") == normalize("万达广场２期")


def test_control_characters_and_zero_width_spaces_are_dropped():
    assert _parts("蓝爵\u200b小区\x003号楼\t2单元\n501") == ("蓝爵小区", "3", "2", "501")


def _all_parts(text: str) -> tuple:
    parsed = parse_address(text)
    return parsed.compound_text, parsed.building, parsed.unit, parsed.floor, parsed.room


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("二号街坊3号楼2单元501", ("二号街坊", "3", "2", None, "501")),
        ("电建一区5栋1单元302", ("电建一区", "5", "1", None, "302")),
        ("铁路3号院2号楼1单元101", ("铁路3号院", "2", "1", None, "101")),
        ("十二冶小区12-3-401", ("十二冶小区", "12", "3", None, "401")),
        ("乌素图村2组15号", ("乌素图村2组", "15", None, None, None)),
        ("四号大街宿舍3-2-501", ("四号大街宿舍", "3", "2", None, "501")),
        ("公园一号27号楼6单元301", ("公园一号", "27", "6", None, "301")),
        ("三门小区2号楼", ("三门小区", "2", None, None, None)),
    ],
)
def test_numbers_inside_names_belong_to_the_compound(text, expected):
    assert _all_parts(text) == expected


@pytest.mark.parametrize(
    ("text", "road", "number", "compound", "building"),
    [
        ("新华大街147-2号蓝爵小区3号楼", "新华大街", "147-2", "蓝爵小区", "3"),
        ("中山路12蓝爵小区", "中山路", "12", "蓝爵小区", None),
        ("昭乌达路169弄蓝爵小区2栋", "昭乌达路", "169弄", "蓝爵小区", "2"),
        ("大南街387巷", "大南街", "387巷", "大南街", None),
        ("回民区光明路街道中山西路12号税苑小区", "中山西路", "12", "税苑小区", None),
        ("乌兰察布东路街道205医院家属院3号楼", None, None, "205医院家属院", "3"),
    ],
)
def test_a_road_and_its_number_are_taken_apart_and_the_number_is_never_the_building(
    text, road, number, compound, building
):
    parsed = parse_address(text)

    assert (parsed.road, parsed.road_number, parsed.compound_text, parsed.building) == (
        road,
        number,
        compound,
        building,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("蓝爵小区3栋2号501室", ("3", "2", None, "501")),
        ("蓝爵小区3幢4号1202室", ("3", "4", None, "1202")),
        ("蓝爵小区3号楼2单元501,502室", ("3", "2", None, "502")),
        ("蓝爵小区3号2单元501", ("3", "2", None, "501")),
    ],
)
def test_explicit_markers_win_over_the_order_of_numbers(text, expected):
    assert _all_parts(text)[1:] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("万达广场A座1201", ("A", None, None, "1201")),
        ("万达广场b2栋1单元301", ("B2", "1", None, "301")),
        ("蓝爵小区10B号楼2单元301", ("10B", "2", None, "301")),
        ("蓝爵小区3号楼A单元501", ("3", "A", None, "501")),
        ("蓝爵小区3号楼乙单元501", ("3", "乙", None, "501")),
        ("万达广场A-626", ("A", None, None, "626")),
        ("蓝爵小区3号楼东单元501", ("3", "东", None, "501")),
        ("蓝爵小区3号楼2单元西户", ("3", "2", None, "西")),
        ("蓝爵小区3栋中单元东户", ("3", "中", None, "东")),
    ],
)
def test_letters_and_directions_are_kept_as_typed(text, expected):
    assert _all_parts(text)[1:] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("蓝爵小区3号楼2单元5楼501", ("3", "2", "5", "501")),
        ("蓝爵小区3楼2单元501", ("3", "2", None, "501")),
        ("蓝爵小区3栋2单元12层1203室", ("3", "2", "12", "1203")),
        ("蓝爵小区5楼501", (None, None, "5", "501")),
        ("蓝爵小区3-2-5-501", ("3", "2", "5", "501")),
    ],
)
def test_a_floor_is_told_apart_from_the_building(text, expected):
    assert _all_parts(text)[1:] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("蓝爵小区3一2一501", ("3", "2", None, "501")),
        ("蓝爵小区3懂2单元501", ("3", "2", None, "501")),
        ("蓝爵小区3撞2单元501", ("3", "2", None, "501")),
        ("蓝爵小区3号楼2单501", ("3", "2", None, "501")),
        ("蓝爵小区2排6号", ("2", None, None, "6")),
        ("蓝爵小区3号楼2单元五零一", ("3", "2", None, "501")),
        ("蓝爵小区3号楼的东侧2单元501暖气不热3天了", ("3", "2", None, "501")),
    ],
)
def test_typing_habits_are_understood(text, expected):
    assert _all_parts(text)[1:] == expected


def test_postcodes_and_phone_numbers_are_dropped():
    assert _all_parts("010020回民区蓝爵小区3-2-501") == ("蓝爵小区", "3", "2", None, "501")
    assert _all_parts("蓝爵小区3-2-501 邮编010020 13912345678") == ("蓝爵小区", "3", "2", None, "501")


def test_chinese_numerals_are_converted_in_the_tail_only():
    assert normalize("四号大街三门") == "四号大街三门"
    assert _all_parts("三门小区三号楼二单元") == ("三门小区", "3", "2", None, None)


_ADDRESS_CHARACTERS = "0123456789abxz-#号楼栋单元室户层排门东西中甲乙一二三十百零期第路街巷弄区镇村小 的,（１Ａ蓝爵"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ADDRESS_CHARACTERS, max_size=60) | st.text(max_size=60))
def test_any_text_parses_without_error_and_parts_are_short(text):
    parsed = parse_address(text)

    for part in (parsed.building, parsed.unit, parsed.floor, parsed.room):
        assert part is None or 0 < len(part) <= 60


def test_long_or_digit_heavy_text_parses_quickly():
    for text in ("1号" * 3000 + "1栋", "蓝爵小区" + "9" * 5000 + "号楼", "9" * 5000 + "期"):
        parse_address(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("东单小区3号楼", ("东单小区", "3", None, None, None)),
        ("北座花园2号楼", ("北座花园", "2", None, None, None)),
        ("西户营小区3-2-501", ("西户营小区", "3", "2", None, "501")),
        ("蓝爵小区甲座1201", ("蓝爵小区", "甲", None, None, "1201")),
    ],
)
def test_direction_and_stem_words_inside_names_stay_in_the_name(text, expected):
    assert _all_parts(text) == expected
