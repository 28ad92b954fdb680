"""A synthetic but plausible Hohhot gazetteer and an address corpus to measure the resolver against.

Districts, sub-districts (街道/镇) and communities (社区) are Hohhot's own, from the shipped
division list. Compounds are named the way the city's are: after their community (光明小区), by a
developer and a slogan (万科锦绣华庭), after a work unit (电业局家属院), some built in phases
(一期, 二期). Everything comes from one seeded random generator, so the same arguments give the same
rows. `python -m heatdesk.geo.tests.synthetic` rewrites the committed files in tests/data/.

The corpus holds, for sampled compounds, the ways an operator types and a citizen says an address
(see VARIANT_KINDS), and addresses of compounds that do not exist (see UNKNOWN_KINDS).
Two rules keep it honest rather than easy: a variant may not equal the name or an alias verbatim
unless the kind is about the tail (building/unit/room forms), and an unknown compound may not
sound exactly like a real one (a homophone of a real name is a typo by definition).
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from pypinyin import lazy_pinyin

from heatdesk.geo.address import normalize, parse_address
from heatdesk.geo.names import name_forms

SEED = 12345
DATA_DIR = Path(__file__).parent / "data"
GAZETTEER_FILE = DATA_DIR / "synthetic_gazetteer.csv"
CORPUS_FILE = DATA_DIR / "address_corpus.csv"
CORPUS_COLUMNS = ("kind", "text", "district_param", "district", "compound", "station_code")

URBAN = ("新城区", "回民区", "玉泉区", "赛罕区")
COUNTY_TOWNS = {"土默特左旗": "察素齐镇", "和林格尔县": "城关镇", "托克托县": "双河镇"}
COMPANIES_BY_DISTRICT = {
    "新城区": (("城发热力", "桥靠分公司", "cf"), ("富泰热力", "", "ft")),
    "回民区": (("城发热力", "桥靠分公司", "cf"), ("京能热力", "", "jn")),
    "玉泉区": (("富泰热力", "", "ft"), ("华电热力", "", "hd")),
    "赛罕区": (("城发热力", "金桥分公司", "cf"), ("富泰热力", "", "ft"), ("大唐热力", "", "dt")),
    "土默特左旗": (("土左旗供热公司", "", "tz"),),
    "和林格尔县": (("和林格尔县热力公司", "", "hl"),),
    "托克托县": (("托克托县热力公司", "", "tk"),),
}
DEVELOPERS = (
    "万科", "恒大", "保利", "碧桂园", "绿地", "中海", "华润", "龙湖", "融创", "金地", "远洋", "首开", "鲁能",
    "巨华", "伊泰", "蒙发", "东源", "兴泰", "嘉铭", "海亮", "凯元", "鑫通", "富力", "弘基", "维多利", "泰禾",
    "中冶", "建业", "城建", "亿利",
)  # fmt: skip
SLOGANS = (
    "锦绣", "阳光", "御景", "紫云", "和谐", "幸福", "康居", "安居", "恒泰", "星光", "明珠", "翠湖", "绿洲",
    "丽景", "嘉禾", "祥和", "瑞祥", "鑫泰", "鸿业", "宏达", "泰和", "永安", "长青", "春华", "清泉", "青城",
    "北辰", "东方", "西城", "南湖", "滨河", "河畔", "湖畔", "水岸", "山水", "天骄", "白云", "蓝天", "兴盛",
    "隆昌", "万和", "万盛", "天合", "合众", "民生", "康乐", "欣荣", "荣盛", "瑞丰", "丰泽", "润宇", "福泽",
    "金鼎", "金泰", "金河", "昆仑", "敕勒", "青山", "松柏", "竹林", "兰亭", "桃源", "杏林", "杨柳", "世纪",
    "时代", "都市", "香榭", "枫林", "雅典", "凯旋", "铂悦", "尚都", "名仕", "学府", "书香", "翰林", "观澜",
    "听涛", "望湖", "龙腾", "凤鸣", "麒麟", "朝阳", "晨曦", "星河", "银河", "天鹅", "草原", "塞上", "大漠",
    "绿城", "锦华", "富华", "新华", "振华", "中华", "长城", "黄河", "阴山",
)  # fmt: skip
SUFFIX_WEIGHTS = {
    "小区": 20, "花园": 12, "家园": 10, "苑": 8, "华庭": 5, "嘉园": 5, "公寓": 4, "城": 5, "府": 4, "湾": 3,
    "新村": 3, "名苑": 3, "雅苑": 3, "山庄": 2, "公馆": 3, "国际": 3, "广场": 2, "大厦": 2,
}  # fmt: skip
WORK_UNITS = (
    "电力", "电业局", "铁路", "税务局", "邮电", "气象局", "农科院", "粮食局", "水利厅", "地质局", "林业局",
    "公安厅", "财政厅", "交通厅", "卫生厅", "人民医院", "中医院", "一中", "二中", "内大", "师大", "工大",
    "农大", "医学院", "民族学院", "电厂", "钢厂", "毛纺厂", "糖厂", "化肥厂", "机械厂", "乳业", "烟草公司",
    "建设银行", "工商银行", "农业银行", "中国银行", "电视台", "广播电台", "日报社", "检察院", "法院", "武警",
    "军分区", "自来水公司", "煤炭局", "物资局", "商业局", "外贸局", "统计局", "审计局", "民政厅", "教育厅",
    "文化厅", "体育局", "药检所", "疾控中心",
)  # fmt: skip
PHASE_WORDS = {1: "一", 2: "二", 3: "三"}
OTHER_CITIES = (("包头市", "昆都仑区"), ("鄂尔多斯市", "东胜区"), ("乌兰察布市", "集宁区"), ("赤峰市", "红山区"))
ROADS = (
    "新华大街", "中山西路", "锡林郭勒北路", "呼伦贝尔南路", "大学东街", "昭乌达路", "鄂尔多斯大街",
    "成吉思汗大街", "海拉尔东路", "兴安南路", "通道南路", "石羊桥路", "南二环", "巴彦淖尔南路", "乌兰察布西路",
)  # fmt: skip


@dataclass(frozen=True)
class Place:
    district: str
    street: str
    community: str


@cache
def _divisions() -> tuple[Place, ...]:
    text = resources.files("heatdesk.geo").joinpath("data/hohhot_admin_divisions_jionlp.tsv").read_text("utf-8")
    places = []
    for line in text.splitlines()[1:]:
        district, _, street, community = [*line.split("\t"), "", "", ""][:4]
        community = community.strip()
        if not community.endswith("社区") or "虚拟" in community:
            continue
        if district in URBAN or COUNTY_TOWNS.get(district) == street:
            places.append(Place(district, street, community))
    return tuple(places)


def _station_for(district: str, street: str, rng: random.Random) -> dict[str, str]:
    company, branch, prefix = rng.choice(COMPANIES_BY_DISTRICT[district])
    core = street.removesuffix("街道").removesuffix("镇").removesuffix("经济技术开发区")
    code = f"{prefix}-" + "".join(lazy_pinyin(core))
    return {"station_code": code, "station_name": f"{core}供暖所", "company": company, "branch": branch}


def _community_name(community: str) -> str | None:
    stem = community.removesuffix("社区")
    if len(stem) < 2:
        return None
    return stem if stem.endswith(("小区", "花园", "苑", "家园", "园")) else stem + "小区"


class _Names:
    """Hands out compound names whose looser forms (base and pinyin) are not taken yet."""

    def __init__(self) -> None:
        self.bases: set[str] = set()
        self.pinyins: set[str] = set()
        self.texts: set[str] = set()

    def free(self, name: str, *, same_family: bool = False) -> bool:
        forms = name_forms(normalize(name))
        if forms.text in self.texts:
            return False
        if same_family:
            return True
        return not ({forms.base, forms.core} & self.bases or {forms.pinyin_base, forms.pinyin_core} & self.pinyins)

    def take(self, name: str) -> None:
        forms = name_forms(normalize(name))
        self.texts.add(forms.text)
        self.bases.update({forms.base, forms.core})
        self.pinyins.update({forms.pinyin_base, forms.pinyin_core})


def synthetic_gazetteer(count: int = 1200, seed: int = SEED) -> list[dict[str, str]]:
    """`count` DESIGN §6 rows over Hohhot's real districts, streets and communities."""
    rng = random.Random(seed)
    places = _divisions()
    by_street: dict[tuple[str, str], list[Place]] = defaultdict(list)
    for place in places:
        by_street[(place.district, place.street)].append(place)
    streets = sorted(by_street)
    stations = {key: _station_for(key[0], key[1], rng) for key in streets}
    names = _Names()
    rows: list[dict[str, str]] = []

    def add(name: str, place: Place, aliases: tuple[str, ...] = (), substation: int | None = None) -> None:
        station = stations[(place.district, place.street)]
        number = substation if substation is not None else rng.randint(1, 4)
        core = station["station_name"].removesuffix("供暖所")
        rows.append(
            {
                "district": place.district,
                "street": place.street,
                "community": place.community,
                "compound": name,
                "aliases": "|".join(aliases),
                **station,
                "substation": f"{core}{number}号换热站",
                "households": str(rng.choice((120, 240, 360, 480, 600, 720, 960, 1200))),
                "built_year": str(rng.randint(1985, 2022)),
            }
        )
        names.take(name)
        for alias in aliases:
            names.take(alias)

    for place in places:  # compounds named after their community
        name = _community_name(place.community)
        if name and names.free(name) and len(rows) < count:
            add(name, place)
    units = list(WORK_UNITS)
    rng.shuffle(units)
    for unit in units:  # work units' housing
        if len(rows) >= count // 6:
            break
        suffix = rng.choice(("家属院", "家属院", "家属楼", "宿舍"))
        alias = unit + ("宿舍" if suffix != "宿舍" else "家属院")
        if names.free(unit + suffix) and names.free(alias):
            add(unit + suffix, rng.choice(places), (alias,))
    suffixes, weights = zip(*SUFFIX_WEIGHTS.items(), strict=True)
    attempts = 0
    while len(rows) < count and attempts < count * 50:
        attempts += 1
        place = rng.choice(places)
        developer = rng.choice(DEVELOPERS) if rng.random() < 0.35 else ""
        first, second = rng.sample(SLOGANS, 2)
        stem = developer + first if developer else first + (second if rng.random() < 0.55 else "")
        suffix = rng.choices(suffixes, weights)[0]
        if not names.free(stem + suffix) or (developer and not names.free(first + suffix)):
            continue
        aliases = (first + suffix,) if developer and rng.random() < 0.6 else ()
        if rng.random() < 0.06 and len(rows) + 2 <= count:  # built in phases, each its own compound
            phases = 2 if rng.random() < 0.7 else 3
            for phase in range(1, phases + 1):
                word = PHASE_WORDS[phase]
                short = (developer or first) + f"{word}期"
                phase_aliases = (short,) if names.free(short, same_family=True) else ()
                add(f"{stem}{suffix}{word}期", place, phase_aliases, substation=phase)
            continue
        add(stem + suffix, place, aliases)
        if rng.random() < 0.05 and len(rows) < count:  # a sibling with another type word: 阳光花园, 阳光家园
            sibling = stem + rng.choices(suffixes, weights)[0]
            if names.free(sibling, same_family=True):
                add(sibling, rng.choice(places))
        elif rng.random() < 0.02 and len(rows) < count:  # the same name again in another district
            add(stem + suffix, rng.choice([other for other in places if other.district != place.district]))
    return rows[:count]


def _homophones() -> dict[str, list[str]]:
    """Common characters (those of Hohhot's place names and of our name lists) grouped by sound."""
    text = resources.files("heatdesk.geo").joinpath("data/hohhot_admin_divisions_jionlp.tsv").read_text("utf-8")
    chars = {char for char in text + "".join(SLOGANS + DEVELOPERS + WORK_UNITS) if "\u4e00" <= char <= "\u9fff"}
    by_sound: dict[str, list[str]] = defaultdict(list)
    for char in sorted(chars):
        by_sound[lazy_pinyin(char)[0]].append(char)
    return by_sound


def _full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if char.isdigit() else char for char in text)


def _spoken_digits(number: int) -> str:
    return "".join("零一二三四五六七八九"[int(digit)] for digit in str(number))


def _spoken_number(number: int) -> str:
    if number < 10:
        return _spoken_digits(number)
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else _spoken_digits(tens)) + "十" + (_spoken_digits(ones) if ones else "")


VARIANT_KINDS = (
    "full_address", "no_district", "compact", "building_dash", "chinese_numerals", "full_width", "noise_words",
    "building_words", "sub_district_prefix", "district_param", "drop_type_word", "homophone_typo", "pinyin_typo",
    "missing_character", "initials", "full_pinyin", "alias", "phase",
)  # fmt: skip
UNKNOWN_KINDS = ("unknown_new_name", "unknown_sibling_type", "unknown_work_unit", "unknown_other_city", "unknown_road")


def _tail(rng: random.Random) -> tuple[int, int, int]:
    building = rng.randint(1, 28)
    unit = rng.randint(1, 6)
    room = rng.randint(1, 18) * 100 + rng.randint(1, 4)
    return building, unit, room


class _Corpus:
    def __init__(self, rows: list[dict[str, str]], rng: random.Random) -> None:
        self.rng = rng
        self.rows = rows
        self.taken = {normalize(row["compound"]) for row in rows}
        self.taken |= {normalize(alias) for row in rows for alias in row["aliases"].split("|") if alias}
        self.sounds = {name_forms(text).pinyin_base for text in self.taken}
        self.cores = {name_forms(text).core for text in self.taken}
        base_count: dict[tuple, int] = defaultdict(int)
        for row in rows:
            forms = name_forms(normalize(row["compound"]))
            base_count[(forms.base, forms.phase)] += 1
        self.shared_base = {base for base, count in base_count.items() if count > 1}
        self.homophones = _homophones()
        self.lines: list[dict[str, str]] = []

    def add(self, kind: str, text: str, row: dict | None, district_param: str = "") -> None:
        self.lines.append(
            {
                "kind": kind,
                "text": text,
                "district_param": district_param,
                "district": row["district"] if row else "",
                "compound": row["compound"] if row else "",
                "station_code": row["station_code"] if row else "",
            }
        )

    def variant(self, kind: str, row: dict) -> str | None:
        rng, name, district = self.rng, row["compound"], row["district"]
        forms = name_forms(normalize(name))
        building, unit, room = _tail(rng)
        tail = f"{building}号楼{unit}单元{room}"
        phased = forms.phase is not None
        if kind == "full_address":
            return f"{district}{name}{tail}"
        if kind == "no_district":
            return f"{name}{building}栋{unit}单元{room}室"
        if kind == "compact":
            return f"{name}{building}-{unit}-{room}"
        if kind == "building_dash":
            return f"{name}{building}号楼{unit}-{room}"
        if kind == "chinese_numerals":
            return f"{name}{_spoken_number(building)}号楼{_spoken_number(unit)}单元{_spoken_digits(room)}"
        if kind == "full_width":
            return _full_width(f"{district}{name}{tail}室")
        if kind == "noise_words":
            lead = rng.choice(("我家在呼和浩特市", "我家住", "家住内蒙古呼和浩特市", "我住在", "您好我家是"))
            return f"{lead}{district}{name}{rng.choice(('附近', '那边', '这边', ''))}{building}号楼{unit}单元{room}"
        if kind == "building_words":
            word = rng.choice(("栋", "幢", "#", "号", "号楼"))
            return f"{name}{building}{word}{unit}单元{room}"
        if kind == "sub_district_prefix":
            return f"{row['street']}{row['community']}{name}{building}号楼{unit}单元"
        if kind == "district_param":
            return f"{name}{building}-{unit}-{room}"
        if kind == "drop_type_word":
            if phased or forms.core == forms.text or len(forms.core) < 2:
                return None
            return f"{forms.core}{building}号楼{unit}单元{room}"
        if kind == "homophone_typo":
            typo = self._homophone_typo(forms.base)
            return f"{typo}{forms.text[len(forms.base) :]}{building}号楼{unit}单元{room}" if typo else None
        if kind == "pinyin_typo":
            pinyin = forms.pinyin_base
            if len(pinyin) < 8 or phased:
                return None
            spot = rng.randint(1, len(pinyin) - 2)
            typo = pinyin[:spot] + pinyin[spot + 1] + pinyin[spot] + pinyin[spot + 2 :]
            return f"{typo} {building}-{unit}-{room}" if typo != pinyin else None
        if kind == "missing_character":
            if len(forms.base) < 5 or phased:
                return None
            spot = rng.randint(1, len(forms.base) - 2)
            return f"{forms.base[:spot]}{forms.base[spot + 1 :]}{building}号楼{unit}单元{room}"
        if kind == "initials":
            return f"{forms.initials} {building}-{unit}-{room}"
        if kind == "full_pinyin":
            return f"{forms.pinyin} {building}号楼{unit}单元{room}"
        if kind == "alias":
            aliases = [alias for alias in row["aliases"].split("|") if alias]
            return f"{rng.choice(aliases)}{building}号楼{unit}单元{room}" if aliases else None
        if kind == "phase":
            if not phased:
                return None
            word = PHASE_WORDS[int(forms.phase)]
            spoken = rng.choice((f"{forms.core}{forms.phase}期", f"{forms.core}{word}期", f"{forms.base}第{word}期"))
            return f"{spoken}{building}号楼{unit}单元{room}"
        raise ValueError(kind)

    def names_another(self, text: str, row: dict) -> bool:
        """True when the typed compound is, verbatim, another compound's name or alias."""
        typed = parse_address(text).compound_text
        own = {normalize(row["compound"])} | {normalize(alias) for alias in row["aliases"].split("|") if alias}
        return typed in self.taken and typed not in own

    def _homophone_typo(self, base: str) -> str | None:
        spots = list(range(len(base)))
        self.rng.shuffle(spots)
        for spot in spots:
            sound = lazy_pinyin(base[spot])[0]
            others = [char for char in self.homophones.get(sound, []) if char != base[spot]]
            if others:
                typo = base[:spot] + self.rng.choice(others) + base[spot + 1 :]
                if normalize(typo) not in self.taken:
                    return typo
        return None

    def unknown(self, kind: str) -> tuple[str, str] | None:
        rng = self.rng
        building, unit, room = _tail(rng)
        district = rng.choice(URBAN)
        if kind == "unknown_new_name":
            first, second = rng.sample(SLOGANS, 2)
            name = first + second + rng.choice(list(SUFFIX_WEIGHTS))
        elif kind == "unknown_sibling_type":
            row = rng.choice(self.rows)
            forms = name_forms(normalize(row["compound"]))
            if forms.core == forms.base or forms.phase:
                return None
            name = forms.core + rng.choice([word for word in SUFFIX_WEIGHTS if word not in ("小区", forms.text)])
            district = row["district"]
        elif kind == "unknown_work_unit":
            name = rng.choice(("统计局", "档案馆", "气象台", "消防支队", "监狱管理局", "电信局", "图书馆", "博物院"))
            name += rng.choice(("家属院", "家属楼", "宿舍"))
        elif kind == "unknown_other_city":
            city, other = rng.choice(OTHER_CITIES)
            first, second = rng.sample(SLOGANS, 2)
            return f"{city}{other}{first}{second}小区{building}号楼{unit}单元{room}", ""
        else:
            return f"{district}{rng.choice(ROADS)}{rng.randint(1, 300)}号", ""
        forms = name_forms(normalize(name))
        if forms.text in self.taken or forms.pinyin_base in self.sounds or forms.base in self.taken:
            return None
        if kind == "unknown_new_name" and forms.core in self.cores:
            return None  # that is the sibling kind
        return f"{district}{name}{building}号楼{unit}单元{room}", ""


def address_corpus(rows: list[dict[str, str]], seed: int = SEED, per_kind: int = 40, unknown: int = 200):
    """Typed variants of sampled compounds (per_kind of each kind) and addresses of unknown ones."""
    rng = random.Random(seed + 1)
    corpus = _Corpus(rows, rng)
    district_kinds = {"full_address", "full_width", "noise_words", "district_param"}
    for kind in VARIANT_KINDS:
        made, order = 0, list(rows)
        rng.shuffle(order)
        for row in order:
            if made >= per_kind:
                break
            forms = name_forms(normalize(row["compound"]))
            shared = (forms.base, forms.phase) in corpus.shared_base
            if shared and kind not in district_kinds:
                continue  # the same name in two districts: only an address with its district is fair
            text = corpus.variant(kind, row)
            if text and not corpus.names_another(text, row):
                corpus.add(kind, text, row, row["district"] if kind == "district_param" else "")
                made += 1
    made_unknown = 0
    while made_unknown < unknown:
        kind = UNKNOWN_KINDS[made_unknown % len(UNKNOWN_KINDS)]
        found = corpus.unknown(kind)
        if found:
            corpus.add(kind, found[0], None, found[1])
            made_unknown += 1
    return corpus.lines


def write_files() -> None:
    from heatdesk.geo.services import GAZETTEER_COLUMNS  # needs Django set up

    rows = synthetic_gazetteer()
    DATA_DIR.mkdir(exist_ok=True)
    with GAZETTEER_FILE.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=GAZETTEER_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    with CORPUS_FILE.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CORPUS_COLUMNS)
        writer.writeheader()
        writer.writerows(address_corpus(rows))


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatdesk.settings")
    django.setup()
    write_files()
