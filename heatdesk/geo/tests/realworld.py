"""A regression corpus of real-world address forms over Hohhot's real districts, streets and communities.

The gazetteer is the synthetic city (synthetic.py) plus compounds with hard names: numbers inside the
name (二号街坊, 电建一区, 铁路3号院, 十二冶小区, 乌素图村2组, 四号大街宿舍), estates built in phases,
pairs sharing their pinyin initials, the same name in two districts, pairs one character apart,
and compounds split between stations by building ranges. Each case names its class, what it must
resolve to (route / ambiguous / unknown / mismatch) and the building, unit, floor and room the text
holds. Classes are the forms of issue 14; none is tuned to one example. One seeded generator, so
`python -m heatdesk.geo.tests.realworld` rewrites the committed files in tests/data/ identically.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from pypinyin import lazy_pinyin

from heatdesk.geo.address import normalize
from heatdesk.geo.names import name_forms, name_in_digits
from heatdesk.geo.tests.synthetic import ROADS, URBAN, _divisions, _spoken_digits, _spoken_number, synthetic_gazetteer

SEED = 14
DATA_DIR = Path(__file__).parent / "data"
GAZETTEER_FILE = DATA_DIR / "realworld_gazetteer.csv"
BUILDINGS_FILE = DATA_DIR / "realworld_buildings.csv"
CORPUS_FILE = DATA_DIR / "realworld_corpus.csv"
CASE_COLUMNS = ("klass", "expect", "text", "district_param", "district", "compound", "station_code")
CASE_COLUMNS += ("building", "unit", "floor", "room")
PER_CLASS = 36

NUMBERED_NAMES = (
    "二号街坊", "三号街坊", "五号街坊", "七号街坊", "电建一区", "电建二区", "电建三区", "铁路3号院",
    "税务局5号院", "粮食局2号院", "十二冶小区", "二冶家属院", "乌素图村2组", "西把栅村3组", "四号大街宿舍",
    "二号路家属院", "一机厂八区", "铁路十一区", "水泥厂一排房", "205医院家属院", "三门小区", "二道河东区",
)  # fmt: skip
PHASED_STEMS = ("翡翠梦溪苑", "万达广场", "绿地香颂苑", "巨华世纪城", "恒大名都", "海亮广场", "凯元广场", "鹿城花园")
SHARED_INITIALS = (
    ("蓝爵小区", "龙居小区"), ("丽景花园", "龙井花园"), ("金桥家园", "锦泉家园"), ("华府名苑", "花房名苑"),
    ("新华小区", "兴华小区"), ("阳光嘉园", "燕归嘉园"), ("东方小区", "东风小区"), ("民族小区", "明珠小区"),
    ("书香苑", "水乡苑"), ("天骄花园", "铁建花园"), ("长乐小区", "春雷小区"), ("兴安小区", "新安小区"),
    ("嘉和家园", "建华家园"), ("紫荆小区", "子敬小区"), ("青山苑", "清水苑"), ("滨河小区", "宝华小区"),
    ("白云公寓", "碧玉公寓"), ("和平小区", "宏鹏小区"),
)  # fmt: skip
SAME_NAME = (
    "光明小区", "团结小区", "幸福家园", "人民小区", "电力小区", "建设小区", "胜利小区", "文化小区", "钢铁小区",
    "安居小区", "育才小区", "邮电小区", "交通小区", "康乐小区", "朝阳小区", "工人新村",
)  # fmt: skip
ONE_APART = (
    ("金鼎花园", "金泰花园", "金沙花园"), ("锦绣华庭", "锦程华庭", "锦江华庭"), ("泰和苑", "泰安苑", "泰山苑"),
    ("恒泰小区", "恒昌小区", "恒宇小区"), ("天元家园", "天成家园", "天朗家园"), ("祥瑞小区", "祥云小区", "祥宁小区"),
    ("兴隆小区", "兴盛小区", "兴旺小区"), ("瑞丰苑", "瑞华苑", "瑞景苑"), ("松林小区", "松涛小区", "松鹤小区"),
    ("春晖小区", "春华小区", "春明小区"), ("宏达公寓", "宏泰公寓", "宏远公寓"), ("富康小区", "富强小区", "富民小区"),
    ("德胜小区", "德馨小区", "德润小区"), ("鑫源小区", "鑫海小区", "鑫苑小区"), ("嘉禾苑", "嘉乐苑", "嘉鑫苑"),
)  # fmt: skip
SPLIT_NAMES = ("海东小区", "滨江华府", "公园一号", "桥华世纪村", "新都市区", "中山花园", "通和小区", "巨海城")
UNKNOWN_NAMES = (
    "紫金华府", "银河湾", "御景华城", "蒙欣家园", "万锦东方", "金隅时代城", "国际家园", "中冶世家", "城市之光",
    "橡树湾", "枫丹白露", "香山美墅", "星河湾", "阳光100", "保利拉菲", "奥林花园", "如意和城", "大学城",
)  # fmt: skip
OTHER_PLACES = ("包头市昆都仑区", "鄂尔多斯市东胜区", "乌兰察布市集宁区", "赤峰市红山区", "北京市朝阳区")
LETTERS = "abcdef"


@dataclass(frozen=True)
class Case:
    klass: str
    expect: str  # route | ambiguous | unknown | mismatch
    text: str
    district_param: str = ""
    district: str = ""
    compound: str = ""
    station_code: str = ""
    building: str = ""
    unit: str = ""
    floor: str = ""
    room: str = ""


def _clashes(name: str, taken: set[str]) -> bool:
    forms = name_forms(normalize(name))
    return bool({forms.text, forms.base, forms.core, forms.pinyin_base, forms.initials_base} & taken)


def _keys(name: str) -> set[str]:
    forms = name_forms(normalize(name))
    return {forms.text, forms.base, forms.core, forms.pinyin_base, forms.initials_base}


class _City:
    """The synthetic city without anything that clashes with the hard names, plus the hard names."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.places = [place for place in _divisions() if place.district in URBAN]
        background = synthetic_gazetteer(count=900, seed=SEED)
        hard = [*NUMBERED_NAMES, *SAME_NAME, *SPLIT_NAMES, *UNKNOWN_NAMES]
        hard += [name for group in (*SHARED_INITIALS, *ONE_APART) for name in group]
        hard += [f"{stem}{word}期" for stem in PHASED_STEMS for word in "一二"] + list(PHASED_STEMS)
        hard_keys = set().union(*(_keys(name) for name in hard))
        self.rows = [row for row in background if not _clashes(row["compound"], hard_keys)]
        for row in self.rows:
            row["aliases"] = "|".join(a for a in row["aliases"].split("|") if a and not _clashes(a, hard_keys))
        self.stations = {row["station_code"]: row for row in self.rows}
        self.by_name: dict[str, list[dict]] = {}
        for row in self.rows:
            self.by_name.setdefault(row["compound"], []).append(row)
        self.hard = set(hard)

    def singles(self, *, numbered: bool = False) -> list[dict]:
        """Compounds whose name is theirs alone, unphased and not split (the plain routable ones)."""
        return [
            row
            for row in self.rows
            if len(self.by_name[row["compound"]]) == 1
            and "期" not in row["compound"]
            and (row["compound"] not in self.hard or (numbered and row["compound"] in NUMBERED_NAMES))
        ]

    def add(self, name: str, district: str | None = None, aliases: str = "") -> dict:
        place = self.rng.choice([p for p in self.places if district in (None, p.district)])
        template = self.rng.choice([row for row in self.stations.values() if row["district"] == place.district])
        row = dict(template)
        row.update(district=place.district, street=place.street, community=place.community, compound=name)
        row.update(aliases=aliases, households="600", built_year="2005")
        self.rows.append(row)
        self.by_name.setdefault(name, []).append(row)
        return row


def _tail(rng: random.Random) -> tuple[str, str, str]:
    return str(rng.randint(1, 24)), str(rng.randint(1, 6)), str(rng.randint(1, 18) * 100 + rng.randint(1, 4))


def _prefix(rng: random.Random, row: dict) -> str:
    """What callers say before the compound: nothing, the district, the city, the street, the community."""
    return rng.choice(
        (
            "",
            "",
            row["district"],
            f"呼和浩特市{row['district']}",
            f"{row['district']}{row['street']}",
            f"{row['street']}{row['community']}",
            f"我家在{row['district']}",
            "您好 我住",
            f"内蒙古呼市{row['district']}",
        )
    )


def _route(klass: str, text: str, row: dict, parts: tuple = ("", "", "", ""), district: str = "") -> Case:
    return Case(klass, "route", text, district, row["district"], row["compound"], row["station_code"], *parts)


def _tail_forms(rng: random.Random, klass: str) -> tuple[str, tuple[str, str, str, str]]:
    """A tail typed the way the class says, with the building, unit, floor and room it holds."""
    b, u, r = _tail(rng)
    floor = str(int(r) // 100)
    letter = rng.choice(LETTERS)
    forms = {
        "explicit_markers": [
            (f"{b}栋{u}号{r}室", (b, u, "", r)),
            (f"{b}幢{u}号{r}室", (b, u, "", r)),
            (f"{b}号楼{u}单元{r}室", (b, u, "", r)),
            (f"{b}-{u}-{r}室", (b, u, "", r)),
            (f"{b}号楼{u}单元{int(r) + 1}号{r}室", (b, u, "", r)),
        ],
        "letters": [
            (f"{letter.upper()}座{r}", (letter.upper(), "", "", r)),
            (f"{letter.upper()}{u}栋{u}单元{r}", (f"{letter.upper()}{u}", u, "", r)),
            (f"{b}{letter.upper()}号楼{u}单元{r}", (f"{b}{letter.upper()}", u, "", r)),
            (f"{b}号楼{letter.upper()}单元{r}", (b, letter.upper(), "", r)),
            (f"{b}号楼{rng.choice('甲乙')}单元{r}", (b, "甲乙"["甲乙".index(rng.choice("甲乙"))], "", r)),
            (f"{letter.upper()}-{r}", (letter.upper(), "", "", r)),
        ],
        "directions": [
            (f"{b}号楼{rng.choice('东西中')}单元{r}", (b, "?", "", r)),
            (f"{b}号楼{u}单元{rng.choice('东西')}户", (b, u, "", "?")),
            (f"{b}栋{rng.choice('东西')}单元{r}室", (b, "?", "", r)),
        ],
        "floor_building": [
            (f"{b}号楼{u}单元{floor}楼{r}", (b, u, floor, r)),
            (f"{b}楼{u}单元{r}", (b, u, "", r)),
            (f"{b}号楼{u}单元{floor}层{r}", (b, u, floor, r)),
            (f"{b}栋{u}单元{floor}楼{r}室", (b, u, floor, r)),
            (f"{b}楼{u}单元{floor}楼{r}", (b, u, floor, r)),
        ],
        "typing_habits": [
            (f"{b}一{u}一{r}", (b, u, "", r)),
            (f"{b}懂{u}单元{r}", (b, u, "", r)),
            (f"{b}撞{u}单元{r}", (b, u, "", r)),
            (f"{b}号楼{u}单{r}", (b, u, "", r)),
            (f"{b}排{u}号", (b, "", "", u)),
            (f"{b}号楼{u}单元{_spoken_digits(int(r))}", (b, u, "", r)),
            (f"{b}栋{u}单元 {r}", (b, u, "", r)),
        ],
        "chinese_numerals": [
            (f"{_spoken_number(int(b))}号楼{_spoken_number(int(u))}单元{_spoken_digits(int(r))}", (b, u, "", r)),
            (f"{_spoken_number(int(b))}栋{_spoken_number(int(u))}单元{_spoken_digits(int(r))}室", (b, u, "", r)),
            (f"{_spoken_number(int(b))}号楼{_spoken_number(int(u))}单元", (b, u, "", "")),
        ],
    }
    plain = [
        (f"{b}号楼{u}单元{r}", (b, u, "", r)),
        (f"{b}-{u}-{r}", (b, u, "", r)),
        (f"{b}栋{u}单元{r}室", (b, u, "", r)),
        (f" {b}#{u}-{r}", (b, u, "", r)),
        (f"{b}号楼{u}单元{r}号", (b, u, "", r)),
        (f"{b}号楼", (b, "", "", "")),
    ]
    text, parts = rng.choice(forms.get(klass) or plain)
    if "?" in parts:  # the direction word as typed
        said = next(char for char in text if char in "东西中")
        parts = tuple(said if part == "?" else part for part in parts)
    if klass == "letters" and "单元" in text and text[text.index("单元") - 1] in "甲乙":
        parts = (parts[0], text[text.index("单元") - 1], *parts[2:])
    return text, parts


def _tail_classes(city: _City, rng: random.Random) -> list[Case]:
    cases = []
    plain = city.singles(numbered=True)
    for klass in ("explicit_markers", "letters", "directions", "floor_building", "typing_habits", "chinese_numerals"):
        for row in rng.sample(plain, PER_CLASS):
            tail, parts = _tail_forms(rng, klass)
            cases.append(_route(klass, f"{_prefix(rng, row)}{row['compound']}{tail}", row, parts))
    return cases


def _name_number_class(city: _City, rng: random.Random) -> list[Case]:
    cases = []
    for index in range(PER_CLASS):
        row = city.by_name[NUMBERED_NAMES[index % len(NUMBERED_NAMES)]][0]
        tail, parts = _tail_forms(rng, rng.choice(("plain", "explicit_markers", "chinese_numerals")))
        name = row["compound"] if index % 3 else name_in_digits(row["compound"])  # 电建1区 for 电建一区
        cases.append(_route("name_numbers", f"{_prefix(rng, row)}{name}{tail}", row, parts))
    return cases


def _road_class(city: _City, rng: random.Random) -> list[Case]:
    cases = []
    for row in rng.sample(city.singles(numbered=True), PER_CLASS):
        road = rng.choice(ROADS)
        number = rng.choice(
            (f"{rng.randint(1, 300)}号", f"{rng.randint(1, 300)}", f"{rng.randint(100, 200)}-{rng.randint(1, 9)}号")
        )
        number = rng.choice((number, f"{rng.randint(100, 400)}弄", f"{rng.randint(100, 400)}巷"))
        b, u, r = _tail(rng)
        street = rng.choice(("", row["street"]))
        text = f"{row['district']}{street}{road}{number}{row['compound']}{b}号楼{u}单元{r}"
        cases.append(_route("road_number", text, row, (b, u, "", r)))
    return cases


def _postcode_class(city: _City, rng: random.Random) -> list[Case]:
    cases = []
    for row in rng.sample(city.singles(numbered=True), PER_CLASS):
        b, u, r = _tail(rng)
        code = rng.choice(("010010", "010020", "010030", "010050", "010070"))
        text = rng.choice(
            (f"{code}{row['district']}{row['compound']}{b}号楼{u}单元{r}", f"{row['compound']}{b}-{u}-{r} 邮编{code}")
        )
        cases.append(_route("postcode", text, row, (b, u, "", r)))
    return cases


def _phase_class(city: _City, rng: random.Random) -> list[Case]:
    cases = []
    for index in range(PER_CLASS):
        stem, word = PHASED_STEMS[index % len(PHASED_STEMS)], "一二"[index % 2]
        row = city.by_name[f"{stem}{word}期"][0]
        forms = name_forms(normalize(row["compound"]))
        b, u, r = _tail(rng)
        spoken = sorted(forms.spoken, key=len)
        initials, pinyin = spoken[0], spoken[-1]
        text = rng.choice(
            (
                f"{initials}{b}-{u}-{r}",
                f"{initials} {b}-{u}-{r}",
                f"{pinyin} {b}号楼{u}单元{r}",
                f"{initials}{b}#{u}-{r}",
            )
        )
        cases.append(_route("phase_initials", text, row, (b, u, "", r)))
    return cases


def _ambiguous_classes(city: _City, rng: random.Random) -> list[Case]:
    cases = []
    for index in range(PER_CLASS):
        pair = SHARED_INITIALS[index % len(SHARED_INITIALS)]
        initials = name_forms(normalize(pair[0])).initials
        b, u, r = _tail(rng)
        text = rng.choice((f"{initials}{b}-{u}-{r}", f"{initials} {b}号楼{u}单元{r}"))
        cases.append(Case("shared_initials", "ambiguous", text, building=b, unit=u, room=r))
    for index in range(PER_CLASS):  # an estate named without its phase
        stem = PHASED_STEMS[index % len(PHASED_STEMS)]
        b, u, r = _tail(rng)
        text = rng.choice((f"{stem}{b}号楼{u}单元{r}", f"{name_forms(stem).initials} {b}-{u}-{r}"))
        cases.append(Case("phase_unsaid", "ambiguous", text, building=b, unit=u, room=r))
    for index in range(PER_CLASS):
        name = SAME_NAME[index % len(SAME_NAME)]
        b, u, r = _tail(rng)
        cases.append(Case("same_name_no_district", "ambiguous", f"{name}{b}号楼{u}单元{r}", building=b, unit=u, room=r))
    for index in range(PER_CLASS):
        group = ONE_APART[index % len(ONE_APART)]
        stem = name_forms(normalize(group[0])).core
        known_sounds = {lazy_pinyin(name[1])[0] for name in group}
        filler = [char for char in "庆达福安康乐宁远昌平和顺" if lazy_pinyin(char)[0] not in known_sounds]
        filler = [char for char in filler if stem[0] + char not in {name_forms(n).core for n in group}]
        sounds = {name_forms(normalize(name)).pinyin_base for name in city.by_name}
        filler = [char for char in filler if stem[0] + char + group[0][len(stem) :] not in city.by_name]
        filler = [c for c in filler if name_forms(stem[0] + c + group[0][len(stem) :]).pinyin_base not in sounds]
        typo = stem[0] + rng.choice(filler) + group[0][len(stem) :]
        b, u, r = _tail(rng)
        cases.append(Case("typo_equally_close", "ambiguous", f"{typo}{b}号楼{u}单元{r}", building=b, unit=u, room=r))
    return cases


def _district_classes(city: _City, rng: random.Random) -> list[Case]:
    cases = []
    for index in range(PER_CLASS):
        row = city.by_name[SAME_NAME[index % len(SAME_NAME)]][index % 2]
        b, u, r = _tail(rng)
        if index % 2:
            cases.append(
                _route("same_name_with_district", f"{row['compound']}{b}-{u}-{r}", row, (b, u, "", r), row["district"])
            )
        else:
            cases.append(
                _route(
                    "same_name_with_district",
                    f"{row['district']}{row['compound']}{b}号楼{u}单元{r}",
                    row,
                    (b, u, "", r),
                )
            )
    for row in rng.sample(city.singles(), PER_CLASS):
        other = rng.choice([district for district in URBAN if district != row["district"]])
        b, u, r = _tail(rng)
        given = rng.random() < 0.5
        text = f"{row['compound']}{b}号楼{u}单元{r}" if given else f"{other}{row['compound']}{b}号楼{u}单元{r}"
        case = Case("district_mismatch", "mismatch", text, other if given else "", row["district"], row["compound"])
        cases.append(
            Case(**{**case.__dict__, "station_code": row["station_code"], "building": b, "unit": u, "room": r})
        )
    return cases


def _unknown_class(city: _City, rng: random.Random) -> list[Case]:
    cases = []
    for index in range(PER_CLASS + 12):
        b, u, r = _tail(rng)
        kind = index % 4
        if kind == 3:  # the name of a known compound with another type word: 蓝爵花园 for 蓝爵小区
            row = rng.choice([row for row in city.singles() if row["compound"].endswith("小区")])
            core = name_forms(normalize(row["compound"])).core
            sibling = core + rng.choice(("花园", "家园", "公寓", "华庭"))
            if sibling in city.by_name:
                continue
            text = f"{row['district']}{sibling}{b}号楼{u}单元{r}"
        elif kind == 0:
            text = f"{rng.choice(URBAN)}{UNKNOWN_NAMES[index % len(UNKNOWN_NAMES)]}{b}号楼{u}单元{r}"
        elif kind == 1:
            text = f"{rng.choice(OTHER_PLACES)}{rng.choice(UNKNOWN_NAMES)}小区{b}号楼{u}单元{r}"
        else:
            text = f"{rng.choice(URBAN)}{rng.choice(ROADS)}{rng.randint(1, 300)}号"
            b = u = r = ""
        cases.append(Case("unknown", "unknown", text, building=b, unit=u, room=r))
    return cases


def realworld_city(seed: int = SEED) -> tuple[list[dict], list[dict], list[Case]]:
    """(gazetteer rows, building-range rows, cases): the city with hard names and its corpus."""
    rng = random.Random(seed)
    city = _City(rng)
    for name in (*NUMBERED_NAMES, *[n for group in (*SHARED_INITIALS, *ONE_APART) for n in group], *SPLIT_NAMES):
        city.add(name)
    for stem in PHASED_STEMS:
        district = rng.choice(URBAN)
        for word in "一二":
            city.add(f"{stem}{word}期", district)
    for name in SAME_NAME:
        first, second = rng.sample(URBAN, 2)
        city.add(name, first)
        city.add(name, second)
    ranges, split_cases = _split(city, rng)
    cases = _tail_classes(city, rng) + _name_number_class(city, rng) + _road_class(city, rng)
    cases += _postcode_class(city, rng) + _phase_class(city, rng) + _ambiguous_classes(city, rng)
    cases += _district_classes(city, rng) + _unknown_class(city, rng) + split_cases
    return city.rows, ranges, cases


def _split(city: _City, rng: random.Random) -> tuple[list[dict], list[Case]]:
    """Split compounds: buildings 1-12 (and 15) by another station of the district, the rest by the compound's."""
    ranges, cases = [], []
    for name in SPLIT_NAMES:
        row = city.by_name[name][0]
        others = sorted(
            {r["station_code"] for r in city.rows if r["district"] == row["district"]} - {row["station_code"]}
        )
        other = rng.choice(others)
        ranges.append({"compound": name, "buildings": "1-12,15", "station_code": other, "substation": f"{name}分站"})
        ranges.append(
            {"compound": name, "buildings": "13-14,16-40", "station_code": row["station_code"], "substation": ""}
        )
        row["_other"] = other
    for index in range(PER_CLASS):
        row = city.by_name[SPLIT_NAMES[index % len(SPLIT_NAMES)]][0]
        b = str(rng.choice((*range(1, 13), 15, *range(16, 30))))
        u, r = str(rng.randint(1, 6)), str(rng.randint(1, 18) * 100 + 1)
        station = row["_other"] if int(b) <= 12 or b == "15" else row["station_code"]
        text = rng.choice((f"{row['compound']}{b}号楼{u}单元{r}", f"{row['district']}{row['compound']}{b}-{u}-{r}"))
        cases.append(Case("building_ranges", "route", text, "", row["district"], name, station, b, u, "", r))
    for row in city.rows:
        row.pop("_other", None)
    return ranges, cases


def write_files() -> None:
    from heatdesk.geo.services import GAZETTEER_COLUMNS  # needs Django set up

    rows, ranges, cases = realworld_city()
    for path, columns, items in (
        (GAZETTEER_FILE, GAZETTEER_COLUMNS, rows),
        (BUILDINGS_FILE, ("compound", "buildings", "station_code", "substation"), ranges),
        (CORPUS_FILE, CASE_COLUMNS, [case.__dict__ for case in cases]),
    ):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(items)


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatdesk.settings")
    django.setup()
    write_files()
