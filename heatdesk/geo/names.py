"""The looser forms a compound name is matched by (pure functions, no database).

万达广场二期 → text 万达广场2期, phase 2, base 万达广场 (phase and 小区 dropped), core 万达 (type word
广场 dropped), and the pinyin and initials of each: what an operator may type instead of the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from heatdesk.geo.address_tail import NUMERALS, chinese_number

# Words that say what kind of place a compound is; 苑/园/城 alone count too. Longest first.
TYPE_SUFFIXES = tuple(
    sorted(
        (
            "家属院", "家属楼", "家属区", "宿舍楼", "宿舍", "住宅楼", "商住楼", "小区", "花园", "家园",
            "嘉园", "佳园", "公寓", "大厦", "广场", "新村", "新城", "华庭", "华府", "名苑", "名都",
            "雅苑", "山庄", "庄园", "世家", "公馆", "国际", "苑", "园", "城", "府", "居", "庭", "湾",
            "里", "院", "村", "楼", "邸", "郡", "墅",
        ),
        key=len,
        reverse=True,
    )
)  # fmt: skip
# Generic words a speaker adds or drops freely: 蓝爵 = 蓝爵小区 = 光明小区社区 (the community's name).
GENERIC_SUFFIXES = ("小区社区", "社区", "小区")
GENERIC_SUFFIXES_PINYIN = ("xiaoqu", "shequ")
_PHASE = re.compile(r"第?(\d+)期")
# Numbers inside names are matched in digits, however written: 电建一区 = 电建1区, 三号院 = 3号院,
# 十二冶 = 12冶 (names and typed text alike; 三门 and 二道河 stay as they are).
_NAME_NUMERAL = re.compile(rf"([{NUMERALS}]+)(?=号|区|组|冶|队|排|街坊)")
_PHASE_PINYIN = re.compile(r"(?:di)?(\d+)qi?$")
# A phase as said: 二期 is "erqi", initials "eq" (翡翠梦溪苑二期 → fcmxyeq).
SPOKEN_DIGITS = ("ling", "yi", "er", "san", "si", "wu", "liu", "qi", "ba", "jiu", "shi")


def name_in_digits(text: str) -> str:
    """电建一区 → 电建1区, 十二冶小区 → 12冶小区: the same name with its inner numbers in digits."""
    return _NAME_NUMERAL.sub(lambda match: chinese_number(match.group(1)), text)


def _one_per_character(run: str) -> list[str]:
    return list(run)


def _syllables(text: str) -> list[str]:
    """One pinyin syllable per character (digits and latin letters stand for themselves)."""
    # pypinyin's hints say `errors` returns str; a list (one item per character) is documented and works.
    return list(lazy_pinyin(text, style=Style.NORMAL, errors=_one_per_character))  # type: ignore[arg-type]


@dataclass(frozen=True)
class NameForms:
    """A name and the looser forms it is matched by."""

    text: str
    phase: str | None
    base: str  # without phase and without 小区
    core: str  # base without its type word (花园, 苑 …)
    pinyin: str
    pinyin_base: str
    pinyin_core: str
    initials: str
    initials_base: str
    initials_core: str
    # The pinyin and the initials with the phase as said (翡翠梦溪苑2期 → …erqi, fcmxyeq); empty without one.
    spoken: tuple[str, ...] = ()

    @property
    def has_type_word(self) -> bool:
        return self.core != self.base

    @property
    def is_latin(self) -> bool:
        return bool(self.text) and self.text.isascii() and any(char.isalpha() for char in self.text)


@lru_cache(maxsize=200_000)  # pinyin is the slow part; a rebuilt index meets mostly the same names
def name_forms(text: str) -> NameForms:
    """The matching forms of an already normalised name or typed compound text."""
    text = text.replace(" ", "")
    phase_match = (_PHASE_PINYIN if text.isascii() else _PHASE).search(text)
    phase = (phase_match.group(1).lstrip("0") or "0") if phase_match else None
    start, end = phase_match.span() if phase_match else (len(text), len(text))
    stem = text[:start] + text[end:]
    base = stem
    for generic in GENERIC_SUFFIXES_PINYIN if text.isascii() else GENERIC_SUFFIXES:
        if base.endswith(generic) and len(base) - len(generic) >= 2:
            base = base[: -len(generic)]
            break
    core = base
    for suffix in TYPE_SUFFIXES:
        if base.endswith(suffix) and len(base) - len(suffix) >= 2:
            core = base[: -len(suffix)]
            break
    if text.isascii():
        return NameForms(text, phase, base, core, text, base, core, text, base, core)
    syllables = _syllables(text)
    stem_syllables = syllables[:start] + syllables[end:]
    initials = [syllable[:1] for syllable in stem_syllables]
    spoken = _spoken_phase(phase)
    return NameForms(
        text=text,
        phase=phase,
        base=base,
        core=core,
        pinyin="".join(syllables),
        pinyin_base="".join(stem_syllables[: len(base)]),
        pinyin_core="".join(stem_syllables[: len(core)]),
        initials="".join(syllable[:1] for syllable in syllables),
        initials_base="".join(initials[: len(base)]),
        initials_core="".join(initials[: len(core)]),
        spoken=_spoken_forms(syllables, stem_syllables[: len(base)], spoken),
    )


def _spoken_forms(syllables: list[str], base: list[str], spoken: str) -> tuple[str, ...]:
    """Pinyin and initials with the phase said in place (…xiaoquerqi) and after the base (…erqi)."""
    if not spoken:
        return ()
    words = spoken.split()
    said = [word for syllable in syllables for word in (words[:-1] if syllable.isdigit() else [syllable])]
    forms = {"".join(said), "".join(word[:1] for word in said)}
    forms |= {"".join(base) + "".join(words), "".join(word[:1] for word in base + words)}
    return tuple(sorted(forms))


def _spoken_phase(phase: str | None) -> str:
    """2 → "er qi", 12 → "shi er qi" (space between syllables, joined by the caller)."""
    if phase is None or not phase.isdigit() or len(phase) > 2 or int(phase) > 19:
        return ""
    number = int(phase)
    words = [SPOKEN_DIGITS[number]] if number <= 10 else ["shi", SPOKEN_DIGITS[number - 10]]
    return " ".join([*words, "qi"])
