"""The building / unit / floor / room tail of an address, the way people type it.

The tail starts at the first address marker (3号楼, 2单元, 501室, a座, 东单元) or at a bare number
that stands alone (蓝爵小区501, ljxq3-2-501), not at the first digit: numbers inside names stay with
the compound (二号街坊, 电建一区, 3号院, 十二冶, 2组, 四号大街). Inside the tail, words that are not
address parts are skipped ("3号楼的东侧2单元"). Values are read in two passes: explicit markers first
(栋 → building, 单元 → unit, 室 → room, 层 → floor; a later 室 wins), then the ambiguous ones in
order (号, 楼, 排, bare numbers), so in X栋Y号Z室 the Y号 is the unit and 3号楼2单元5楼501 has floor 5.
Pure functions; the text comes normalised (lower case, ASCII digits, one kind of dash).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMERALS = "零〇一二两三四五六七八九十百千"
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
DIRECTIONS = "东西南北中"
STEMS = "甲乙丙丁"

# Marker → slot, longest spelling first. "hao" (号), "lou" (楼) and "row" (排) are decided by order.
_MARKERS = (
    ("号院楼", "building"),
    ("号楼", "building"),
    ("栋楼", "building"),
    ("#楼", "building"),
    ("单元", "unit"),
    ("门洞", "unit"),
    ("楼层", "floor"),
    ("栋", "building"),
    ("幢", "building"),
    ("座", "building"),
    ("#", "building"),
    ("单", "unit"),
    ("门", "unit"),
    ("层", "floor"),
    ("室", "room"),
    ("户", "room"),
    ("排", "row"),
    ("楼", "lou"),
    ("号", "hao"),
)
# What may follow 号 or 楼 when it is an address marker; anything else makes it part of a name
# (3号院, 二号街坊, 四号大街, 电业局二楼宿舍).
_AFTER_MARKER = re.compile(rf"$|[\s\-#.0-9a-z的{NUMERALS}{DIRECTIONS}{STEMS}]|单|门|室|户|层|房|楼")
_SEPARATOR = re.compile(r"[\s\-#.的]+")
_ASCII_VALUE = re.compile(r"(?P<value>\d+[a-z]?|[a-z]\d{0,3})")
_NUMERAL_VALUE = re.compile(rf"第?(?P<value>[{NUMERALS}]+)")
_WORD_VALUE = re.compile(rf"(?P<value>[{DIRECTIONS}{STEMS}])(?=单元|单|户|号|座|栋)")
_WORD_END = re.compile(rf"$|[\s\-#.0-9a-z{NUMERALS}]")
_BARE_END = re.compile(r"$|[\s\-#.]|(?=[a-z]\d*-)")
_VALUE_STARTS = frozenset(NUMERALS + DIRECTIONS + STEMS + "第")
TYPO_FIXES = (
    (re.compile(rf"(?<=[0-9{NUMERALS}])[懂撞冻]"), "栋"),  # pinyin input slips for 栋
    (re.compile(r"(?<=\d)一(?=\d)"), "-"),  # 3一2一501: 一 typed for a dash
)


def chinese_number(numeral: str) -> str:
    """三 → 3, 十二 → 12, 二十一 → 21, 一百零三 → 103, 五零一 → 501 (digit by digit)."""
    if not any(char in _UNITS for char in numeral):
        return "".join(str(_DIGITS[char]) for char in numeral)
    total, current = 0, 0
    for char in numeral:
        if char in _DIGITS:
            current = _DIGITS[char]
        else:
            total += (current or 1) * _UNITS[char]
            current = 0
    return str(total + current)


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    value: str
    kind: str  # building, unit, floor, room, hao, lou, row, bare

    @property
    def is_room_like(self) -> bool:
        return self.kind == "room" or (self.kind == "bare" and self.value.isdigit() and len(self.value) >= 3)


def _marker_at(text: str, position: int) -> tuple[str, str] | None:
    for spelled, kind in _MARKERS:
        if text.startswith(spelled, position):
            return spelled, kind
    return None


def _marked(text: str, value: str, start: int, end: int, *, numeral: bool, in_tail: bool) -> Token | None:
    marker = _marker_at(text, end)
    if marker is None:
        return None
    spelled, kind = marker
    after = end + len(spelled)
    if kind in ("hao", "lou") and not _AFTER_MARKER.match(text, after):
        return None
    if kind == "unit" and spelled == "门" and numeral and not in_tail:
        return None  # 三门 at the start is a name, 3门 or 二单元 … 三门 inside the tail a unit
    return Token(start, after, value, kind)


def token_at(text: str, position: int, *, in_tail: bool, glued: bool = False) -> Token | None:
    """The address part starting at `position`, or None; `glued`: right after another part, where
    a bare number may be followed by any word (501暖气不热)."""
    previous = text[position - 1] if position else ""
    match = _ASCII_VALUE.match(text, position)
    if match and not (previous.isascii() and previous.isalnum() and match.group("value")[0].isalpha()):
        raw = match.group("value")
        value = raw.upper() if not raw.isdigit() else (raw.lstrip("0") or "0")
        if raw[0].isalpha() and len(raw) > 1 and not raw[1:].isdigit():
            return None
        token = _marked(text, value, position, match.end(), numeral=False, in_tail=in_tail)
        if token:
            return token
        is_plain = raw.isdigit() or (len(raw) == 1 and raw.isalpha())
        ends = glued and raw.isdigit() and not text[match.end() : match.end() + 1].isascii()
        lone_letter_at_end = raw.isalpha() and not text[match.end() :]
        if is_plain and (ends or _BARE_END.match(text, match.end())) and not lone_letter_at_end:
            return Token(position, match.end(), value, "bare")
        return None
    match = _NUMERAL_VALUE.match(text, position)
    if match:
        value = chinese_number(match.group("value"))
        token = _marked(text, value, position, match.end(), numeral=True, in_tail=in_tail)
        if token or not in_tail:
            return token
        ends = glued or _BARE_END.match(text, match.end())
        return Token(position, match.end(), value, "bare") if ends else None
    match = _WORD_VALUE.match(text, position)
    if match:
        token = _marked(text, match.group("value"), position, match.end(), numeral=False, in_tail=in_tail)
        # 东单元, 西户, 甲座 start a tail only when the address goes on or ends there (not 东单小区, 北座花园)
        if token and not in_tail and not _WORD_END.match(text, token.end):
            return None
        return token
    return None


def tail_start(text: str) -> int | None:
    """Where the building/unit/room tail begins: the first address part that is not inside a name.

    A weak part (号, 楼, 排) followed by an explicit building (公园一号27号楼, 水泥厂一排房3栋) belongs
    to the name.
    """
    for position, char in enumerate(text):
        is_value = (char.isascii() and char.isalnum()) or char in _VALUE_STARTS
        token = is_value and token_at(text, position, in_tail=False)
        if not token:
            continue
        if token.kind in ("hao", "lou", "row") and any(t.kind == "building" for t in tail_tokens(text[token.end :])):
            continue
        return position
    return None


def tail_tokens(tail: str) -> list[Token]:
    tokens: list[Token] = []
    position, glued = 0, False
    while position < len(tail):
        separator = _SEPARATOR.match(tail, position)
        if separator:
            position = separator.end()
            continue
        token = token_at(tail, position, in_tail=True, glued=glued and tokens[-1].end == position)
        if token is None:
            position += 1  # a word that is not an address part ("东侧", "暖气不热") is skipped
            glued = False
            continue
        tokens.append(token)
        position, glued = token.end, True
    return tokens


def _lou_slot(tokens: list[Token], index: int, found: dict[str, str | None]) -> str:
    """N楼 after a building or before a room is the floor; before a unit or alone, the building."""
    later = tokens[index + 1] if index + 1 < len(tokens) else None
    if found["building"] is not None:
        return "floor"
    if later is not None and (later.is_room_like or later.kind == "hao"):
        return "floor"
    return "building"


def _hao_slot(tokens: list[Token], index: int, found: dict[str, str | None]) -> str | None:
    """号: the building when none was said yet; in X栋Y号Z室 the unit; else the room."""
    if found["building"] is None and not any(token.kind == "unit" for token in tokens[:index]):
        return "building"
    if found["unit"] is None and any(token.is_room_like for token in tokens[index + 1 :]):
        return "unit"
    return "room"


def _bare_slot(token: Token, found: dict[str, str | None], *, is_last: bool) -> str | None:
    if token.is_room_like and found["room"] is None and (found["building"] or found["unit"] or is_last):
        return "room"
    return next((slot for slot in ("building", "unit", "room") if found[slot] is None), None)


def tail_parts(tail: str) -> dict[str, str | None]:
    """Building, unit, floor and room of a tail such as 3号楼2单元5楼501, 3-2-501, a座1201, 2排6号."""
    found: dict[str, str | None] = {"building": None, "unit": None, "floor": None, "room": None}
    tokens = tail_tokens(tail)
    for token in tokens:  # explicit markers first; a later 室 wins
        if token.kind in found and (found[token.kind] is None or token.kind == "room"):
            found[token.kind] = token.value
    bare = [token for token in tokens if token.kind == "bare"]
    if len(bare) == 4 and len(bare) == len(tokens):  # 3-2-5-501: building, unit, floor, room
        return dict(zip(("building", "unit", "floor", "room"), (token.value for token in bare), strict=True))
    for index, token in enumerate(tokens):
        if token.kind in found:
            continue
        slot: str | None
        if token.kind == "row":
            slot = "building"
        elif token.kind == "lou":
            slot = _lou_slot(tokens, index, found)
        elif token.kind == "hao":
            slot = _hao_slot(tokens, index, found)
        else:
            slot = _bare_slot(token, found, is_last=token is tokens[-1])
        if slot and found[slot] is None:
            found[slot] = token.value
    return found
