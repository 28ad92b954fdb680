"""Reading a heating address the way operators type it and citizens say it (DESIGN §6).

"我家在呼和浩特市回民区蓝爵小区三号楼二单元501", "ljxq 3-2-501", "万达二期1号楼": the parser
normalises the text (full-width → ASCII, 二期 → 2期), drops noise (province, city, 我家在, 附近),
postcodes and phone numbers, takes out the district and a road with its house number (中山西路12号,
147-2号, 169弄, 387巷; never the building), splits off the building/unit/floor/room tail at the first
address marker (address_tail.py) and keeps what is left as the compound text. It knows nothing of
the gazetteer beyond the district names it is given; matching the compound is the resolver's job.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from heatdesk.geo.address_tail import NUMERALS, TYPO_FIXES, chinese_number, tail_parts, tail_start

HAN = "\u4e00-\u9fff"
_NUMERAL = NUMERALS

# Chinese numerals become digits in names only before 期 (万达广场二期 = 万达广场2期), so that names and
# typed text meet; in the tail the tail parser reads them (三号楼二单元五零一), elsewhere they are
# part of a name (三门, 四号大街, 电建一区, 十二冶).
_NUMERAL_BEFORE_PHASE = re.compile(rf"第?([{_NUMERAL}]+)(?=期)")

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
# A road and its house number: 中山西路12号, 新华大街147-2号, 中山路12, 昭乌达路169弄, 大南街387巷.
# The road name may hold numbers (四号大街); it is cut at the last place word (区/镇/街道/村/小区).
_ROAD_NUMBER = re.compile(
    rf"(?P<road>[{HAN}][{HAN}0-9]{{0,11}}?(?:大街|大道|路|街|巷|胡同|道|环))"
    rf"(?P<number>\d+(?:-\d+)?)(?P<mark>号|弄|巷)?"
)
_ROAD_STOP = re.compile(r".*(?:街道办事处|街道办|街道|小区|社区|区|镇|乡|村)")
_NOT_AFTER_ROAD_NUMBER = re.compile(r"[0-9a-z\-#]|号|楼|栋|幢|座|单|门|室|户|层|排|院|期|懂|撞")
_POSTCODE_OR_PHONE = re.compile(r"(?:邮编|邮政编码)?(?<![0-9])(?:0\d{5}|1[3-9]\d{9})(?![0-9])")
_PHASE = re.compile(r"(\d+)期")

# An address is said in its first characters; what follows (the complaint) is not read.
MAX_ADDRESS_CHARS = 200

# Short forms people use for Hohhot's banners and counties.
DISTRICT_SHORT_FORMS = {
    "土左旗": "土默特左旗",
    "和林县": "和林格尔县",
    "托县": "托克托县",
}


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


def fold(text: str) -> str:
    """Full-width to ASCII and lower case, spaces dropped; numerals stay as written."""
    return _CONTROL.sub("", unicodedata.normalize("NFKC", text or "")).lower().replace(" ", "")


def normalize(text: str) -> str:
    """Full-width to ASCII, lower case, one kind of dash, numerals before 期 as digits.

    Used for gazetteer names and typed text alike, so 万达广场二期 and 万达广场2期 meet. Numerals
    elsewhere stay as written: the tail parser reads those of the tail.
    """
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text or "")).lower().translate(_DASHES)
    text = _PUNCTUATION.sub(" ", text)
    text = _NUMERAL_BEFORE_PHASE.sub(lambda match: chinese_number(match.group(1)), text)
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


def building_number(text: str) -> str | None:
    """The bare building number of a written one: 3号楼 → 3, 十二栋 → 12, A座 → A."""
    return tail_parts(_typos_fixed(normalize(text)))["building"]


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


def _typos_fixed(text: str) -> str:
    for pattern, replacement in TYPO_FIXES:
        text = pattern.sub(replacement, text)
    return text


def _take_road(text: str) -> tuple[str | None, str | None, str]:
    """(road, house number, the text without them); a road number is never a building."""
    for match in _ROAD_NUMBER.finditer(text):
        following = text[match.end() :]
        if match.group("mark") == "号" and following[:1] in ("楼", "院"):
            continue  # 12号楼 is a building, 3号院 a compound
        if match.group("mark") is None and _NOT_AFTER_ROAD_NUMBER.match(following):
            continue
        road, start = match.group("road"), match.start()
        stop = _ROAD_STOP.match(road)
        if stop and len(road) - stop.end() < 2:
            continue  # 乌兰察布东路街道205…: a sub-district, not a road
        if stop:
            road, start = road[stop.end() :], start + stop.end()
        number = match.group("number") + (match.group("mark") if match.group("mark") in ("弄", "巷") else "")
        return road, number, (text[:start] + " " + following).strip()
    return None, None, text


def parse_address(text: str, *, district_names: Iterable[str] | None = None) -> ParsedAddress:
    """Take an address apart; district names default to Hohhot's, the resolver adds the gazetteer's."""
    names = set(shipped_district_names()) | set(district_names or ())
    normalized = normalize((text or "")[:MAX_ADDRESS_CHARS])
    cleaned = _drop_noise(_POSTCODE_OR_PHONE.sub(" ", normalized).strip())
    district, rest = _take_district(cleaned, names)
    road, road_number, rest = _take_road(_typos_fixed(rest))
    start = tail_start(rest)
    head, tail = (rest[:start], rest[start:]) if start is not None else (rest, "")
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
        phase=(phase_match.group(1).lstrip("0") or "0") if phase_match else None,
        **tail_parts(tail),
    )
