"""Reading a heating address the way operators type it and citizens say it (DESIGN §6).

"我家在呼和浩特市回民区蓝爵小区三号楼二单元501", "ljxq 3-2-501", "万达二期1号楼": the parser
normalises the text (full-width → ASCII, Chinese numerals before 号/楼/栋/单元/室/期 → digits),
drops noise (province, city, 我家在, 附近), takes out the district, the sub-district and a
road with its house number, splits off the building/unit/room tail and keeps what is left as the
compound text. It knows nothing of the gazetteer beyond the district names it is given; matching
the compound is the resolver's job.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

HAN = "\u4e00-\u9fff"
CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
CHINESE_DIGITS |= {"八": 8, "九": 9}
CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = "零〇一二两三四五六七八九十百千"

# A run of Chinese numerals is a number only in front of an address marker (三号楼, 二单元, 二期)
# or right after one (二单元五零一); elsewhere it is part of a name (五塔寺, 三里营).
_NUMERAL_BEFORE_MARKER = re.compile(rf"第?([{_NUMERAL}]+)(?=号楼|号院|号|栋|幢|座|单元|门|室|户|期|层|楼|排)")
_NUMERAL_AFTER_MARKER = re.compile(rf"(单元|号楼|栋|幢|座|门|-)([{_NUMERAL}]+)(?![{HAN}])")

_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "~": "-", "～": "-", "_": "-", "/": "-"})
_PUNCTUATION = re.compile(r"[,，。.、;；:：!！?？\"'“”‘’()（）\[\]【】<>《》]+")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")

PROVINCE_AND_CITY = ("内蒙古自治区", "内蒙古", "呼和浩特市", "呼和浩特", "呼市")
_LEADING_NOISE = re.compile(
    r"^(?:请问|你好|您好|喂)*(?:我家(?:是|在|住在|住)?|我(?:住在|住|在)|家住|住在|地址(?:是|在)?|位于|在)"
)
_NOISE_WORDS = re.compile(r"附近|旁边|那边|这边|那块|这块|那里|这里|一带|那个|这个")
_TRAILING_DE = re.compile(r"的(?=\d|[a-z]座|$)")
# Sub-district (街道) and community (社区) names in front of the compound are dropped.
_GENERIC_WORDS = {"小区", "社区", "花园", "家园", "家属院", "家属楼", "公寓", "宿舍"}
_ADMIN_PREFIX = re.compile(rf"[{HAN}]{{2,8}}?(?:街道办事处|街道办|街道|社区居委会|社区)")
_ROAD_NUMBER = re.compile(rf"(?P<road>[{HAN}]{{1,8}}?(?:大街|大道|路|街|巷|胡同|道))(?P<number>\d+)号(?!楼|院)")
_PHASE = re.compile(r"(\d+)期")

# Short forms people use for Hohhot's banners and counties.
DISTRICT_SHORT_FORMS = {
    "土左旗": "土默特左旗",
    "和林县": "和林格尔县",
    "托县": "托克托县",
}

BUILDING_MARKERS = ("号楼", "栋楼", "栋", "幢", "座", "#楼", "#")
_TAIL_TOKEN = re.compile(
    r"(?P<value>\d+|[a-z](?=座|栋|幢|号楼|#))\s*"
    r"(?P<marker>号楼|号院楼|栋楼|栋|幢|座|#楼|#|号|单元|门洞|门|楼层|层|楼|室|户)?"
)
_TAIL_SEPARATOR = re.compile(r"[\s\-#.]+")
# Where the building/unit/room tail starts: a number not glued to a latin letter or 期 (万达2期,
# wd2q) and not a courtyard number that names the compound (3号院).
_TAIL_START = re.compile(r"(?<![0-9a-z])(?:\d+(?![0-9]*(?:期|[a-z]|号院))|[a-z](?=座|栋|幢|号楼))")


@dataclass(frozen=True)
class ParsedAddress:
    """An address taken apart; building, unit, room, floor and phase are bare numbers ("3")."""

    raw: str
    text: str
    district: str | None = None
    sub_district: str | None = None
    road: str | None = None
    road_number: str | None = None
    compound_text: str = ""
    context: str = ""
    phase: str | None = None
    building: str | None = None
    unit: str | None = None
    floor: str | None = None
    room: str | None = None


@cache
def _shipped_divisions() -> list[list[str]]:
    text = resources.files("heatdesk.geo").joinpath("data/hohhot_admin_divisions_jionlp.tsv").read_text("utf-8")
    return [row for row in csv.reader(text.splitlines()[1:], delimiter="\t") if len(row) >= 3]


@cache
def shipped_district_names() -> tuple[str, ...]:
    """District, banner and county names of Hohhot from the shipped division list."""
    return tuple(sorted({row[0] for row in _shipped_divisions()}))


@cache
def shipped_town_names() -> tuple[str, ...]:
    """Sub-district and town names (街道, 镇, 乡) of Hohhot, longest first."""
    return tuple(sorted({row[2] for row in _shipped_divisions()}, key=len, reverse=True))


def chinese_number(numeral: str) -> str:
    """三 → 3, 十二 → 12, 二十一 → 21, 一百零三 → 103, 五零一 → 501 (digit by digit)."""
    if not any(char in CHINESE_UNITS for char in numeral):
        return "".join(str(CHINESE_DIGITS[char]) for char in numeral)
    total, current = 0, 0
    for char in numeral:
        if char in CHINESE_DIGITS:
            current = CHINESE_DIGITS[char]
        else:
            total += (current or 1) * CHINESE_UNITS[char]
            current = 0
    return str(total + current)


def fold(text: str) -> str:
    """Full-width to ASCII and lower case, spaces dropped; numerals stay as written."""
    return _CONTROL.sub("", unicodedata.normalize("NFKC", text or "")).lower().replace(" ", "")


def normalize(text: str) -> str:
    """Full-width to ASCII, lower case, one kind of dash, numerals before markers as digits.

    Used for gazetteer names and typed text alike, so 万达广场二期 and 万达广场2期 meet.
    """
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text or "")).lower().translate(_DASHES)
    text = _PUNCTUATION.sub(" ", text)
    text = _NUMERAL_BEFORE_MARKER.sub(lambda match: chinese_number(match.group(1)), text)
    text = _NUMERAL_AFTER_MARKER.sub(lambda match: match.group(1) + chinese_number(match.group(2)), text)
    # Spaces matter only between two latin or digit runs ("ljxq 3-2-501", "3 2 501").
    text = re.sub(rf"(?<=[{HAN}])\s+|\s+(?=[{HAN}])", "", text.strip())
    text = re.sub(r"(?<=[a-z])\s+(?=[a-z])", "", text)
    return _SPACES.sub(" ", text)


def without_place_prefix(text: str) -> str:
    """呼和浩特市回民区… → 回民区…: the province and the city in front say nothing here."""
    previous = None
    while previous != text:
        previous = text
        text = _LEADING_NOISE.sub("", text).strip()
        for name in PROVINCE_AND_CITY:
            text = text.removeprefix(name)
    return text


def _drop_noise(text: str) -> str:
    text = without_place_prefix(text)
    text = _NOISE_WORDS.sub("", text)
    return _TRAILING_DE.sub("", text).strip()


def _take_district(text: str, names: Iterable[str]) -> tuple[str | None, str]:
    known = {name: name for name in names} | {
        short: full for short, full in DISTRICT_SHORT_FORMS.items() if full in names
    }
    for spelled in sorted(known, key=len, reverse=True):
        position = text.find(spelled)
        if position >= 0:
            return known[spelled], (text[:position] + text[position + len(spelled) :]).strip()
    return None, text


def _take_tail(tail: str) -> dict[str, str | None]:
    """Building, unit, floor and room from "3号楼2单元501", "3-2-501", "3#2-501", "a座1201"."""
    found: dict[str, str | None] = {"building": None, "unit": None, "floor": None, "room": None}
    position = 0
    while position < len(tail):
        separator = _TAIL_SEPARATOR.match(tail, position)
        if separator:
            position = separator.end()
            continue
        token = _TAIL_TOKEN.match(tail, position)
        if token is None:
            break  # words after the address ("暖气不热") end it
        position = token.end()
        value, marker = token.group("value"), token.group("marker")
        value = value.upper() if value.isalpha() else str(int(value))
        slot = _slot_for(marker, value, found, is_last=position >= len(tail.rstrip()))
        if slot and found[slot] is None:
            found[slot] = value
    return found


def _slot_for(marker: str | None, value: str, found: dict[str, str | None], *, is_last: bool) -> str | None:
    if marker in BUILDING_MARKERS or marker == "号院楼":
        return "building"
    if marker in ("单元", "门洞", "门"):
        return "unit"
    if marker in ("室", "户"):
        return "room"
    if marker in ("层", "楼层"):
        return "floor"
    if marker == "楼":
        return "building" if found["building"] is None and found["unit"] is None else "floor"
    if marker == "号":
        return "building" if found["building"] is None and found["unit"] is None else "room"
    # A bare number takes the next free place; three or more digits are a room (3号楼501).
    if len(value) >= 3 and found["room"] is None and (found["building"] or found["unit"] or is_last):
        return "room"
    for slot in ("building", "unit", "room"):
        if found[slot] is None:
            return slot
    return None


def building_number(text: str) -> str | None:
    """The bare building number of a written one: 3号楼 → 3, 十二栋 → 12, A座 → A."""
    return _take_tail(normalize(text))["building"]


def _clean_compound(text: str) -> str:
    return text.strip(" -#的")


def _take_admin_prefix(text: str) -> tuple[str | None, str]:
    """光明路街道光明小区社区蓝爵小区 → (光明路街道, 蓝爵小区); a name standing alone is kept."""
    sub_district = None
    while True:
        town = next((name for name in shipped_town_names() if text.startswith(name)), None)
        end = len(town) if town else 0
        if not town:
            prefix = _ADMIN_PREFIX.match(text)
            end = prefix.end() if prefix else 0
        if not end or len(text) - end < 2 or text[end:] in _GENERIC_WORDS:
            return sub_district, text
        if town or "社区" not in text[:end]:
            sub_district = text[:end]
        text = text[end:]


def parse_address(text: str, *, district_names: Iterable[str] | None = None) -> ParsedAddress:
    """Take an address apart; district names default to Hohhot's, the resolver adds the gazetteer's."""
    names = set(shipped_district_names()) | set(district_names or ())
    normalized = normalize(text)
    cleaned = _drop_noise(normalized)
    district, rest = _take_district(cleaned, names)

    start = _TAIL_START.search(rest)
    head, tail = (rest[: start.start()], rest[start.start() :]) if start else (rest, "")
    # A road with a house number (中山西路12号) is not the building; it may sit inside the tail.
    road = road_number = None
    road_match = _ROAD_NUMBER.search(rest)
    if road_match:
        road, road_number = road_match.group("road"), road_match.group("number")
        rest = (rest[: road_match.start()] + " " + rest[road_match.end() :]).strip()
        start = _TAIL_START.search(rest)
        head, tail = (rest[: start.start()], rest[start.start() :]) if start else (rest, "")
    context = _clean_compound(head.replace(" ", ""))

    sub_district, compound_text = _take_admin_prefix(context)
    if road and not compound_text:
        compound_text = road
    compound_text = _clean_compound(compound_text)
    phase_match = _PHASE.search(compound_text)
    return ParsedAddress(
        raw=text,
        text=cleaned,
        district=district,
        sub_district=sub_district,
        road=road,
        road_number=road_number,
        compound_text=compound_text,
        context=context,
        phase=str(int(phase_match.group(1))) if phase_match else None,
        **_take_tail(tail),
    )
