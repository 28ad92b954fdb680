"""From free text to the station that serves it (DESIGN §6: 地址识别与自动派单).

The compound is matched, best first, by: its exact name or alias; the name with 小区 or the phase
dropped; the bare name without its type word (蓝爵 for 蓝爵小区); the same pinyin (homophone typos
such as 兰爵小区, or typed `lanjuexiaoqu`); the pinyin initials (`ljxq`); a name found inside the
text; and fuzzy matching of characters and of pinyin. A district in the text or passed in narrows
the match. The serving station is the building's own where one is recorded, else the compound's.

`confidence` is the best score less a penalty when the runner-up is close, so shared initials, the
same name in two districts with no district said, or a typo as close to two names are never
confident; nor is a match in another district than the one named (`district_mismatch`). Only at or
above `CONFIDENT_AT` is the address routed automatically, otherwise the operator picks from
`candidates` and the confirmed text is learned as an alias (`services.compound_alias_learn`). A
phase said in initials or pinyin (fcmxyeq, …erqi) counts as the phase. The station is the
building's own, else its imported building range's (`building_ranges`), else the compound's.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Levenshtein

from heatdesk.core.prepared import PreparedQuery
from heatdesk.geo.address import ParsedAddress, building_number, parse_address
from heatdesk.geo.building_ranges import building_range_for
from heatdesk.geo.gazetteer_index import GazetteerIndex, gazetteer_index
from heatdesk.geo.models import Building, Compound, Station, Substation
from heatdesk.geo.names import NameForms, name_forms

CONFIDENT_AT = 0.75
# How far the runner-up must trail for the best score to stand undiminished; a closer one takes
# off twice the shortfall, so a tie costs 0.3 and is never confident.
CLEAR_LEAD = 0.15
CANDIDATE_LIMIT = 5
CANDIDATE_FLOOR = 0.3

SCORE_EXACT = 1.0
SCORE_BASE = 0.97  # 小区 or phase spelled differently: 蓝爵 / 蓝爵小区, 万达广场2期 / 万达广场二期
# A name found inside the text: 蓝爵小区东门, 中山西路蓝爵小区. Inside a longer unknown name
# (桃源民生小区 holds 民生小区) or after an unknown place (包头市…) it is only a candidate.
SCORE_CONTAINED = 0.93
SCORE_CONTAINED_LONG_TAIL = 0.8
SCORE_CONTAINED_IN_LONGER_NAME = 0.66
SCORE_CONTAINED_AFTER_UNKNOWN_PLACE = 0.5
# A street address without a compound (中山西路12号) names no compound, whatever it resembles.
SCORE_ROAD_ONLY_CAP = 0.6
SCORE_PINYIN = 0.93  # same sound: 兰爵小区, lanjuexiaoqu
SCORE_INITIALS = 0.92  # ljxq
SCORE_CORE = 0.92  # the name without its type word: 翡翠梦溪 for 翡翠梦溪苑
SCORE_PINYIN_CORE = 0.88
SCORE_INITIALS_CORE = 0.85
SCORE_CHINESE_SOUND_SLIP = 0.7
SCORE_OTHER_TYPE_WORD = 0.62  # 蓝爵花园 for 蓝爵小区: probably, but ask
ALIAS_DISCOUNT = 0.02
# Phase (期) agreement: same, text names one the compound lacks, compound has one the text lacks.
PHASE_OTHER = 0.5
PHASE_UNSPLIT = 0.93
PHASE_UNSAID = 0.9
ROAD_WORDS = ("路", "街", "巷", "道", "胡同")
_UNKNOWN_PLACE = re.compile(r"[省市州盟]|[区县旗]$")
OTHER_DISTRICT_IN_TEXT = 0.8
OTHER_DISTRICT_GIVEN = 0.7


@dataclass(frozen=True)
class OrgRef:
    code: str
    name: str


@dataclass(frozen=True)
class CompoundRef:
    code: str
    name: str
    district: str


@dataclass(frozen=True)
class Candidate:
    compound: CompoundRef
    station: OrgRef
    score: float
    matched: str
    how: str


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving one address.

    `compound`, `station` and `substation` are the best guess (model instances, None when nothing
    matched); route automatically only when `confident`.
    """

    parsed: ParsedAddress
    compound: Compound | None = None
    station: Station | None = None
    substation: Substation | None = None
    confidence: float = 0.0
    confident: bool = False
    candidates: list[Candidate] = field(default_factory=list)
    # The text or the caller named a district that does not hold the compound found.
    district_mismatch: bool = False

    @property
    def building(self) -> str | None:
        return self.parsed.building

    @property
    def floor(self) -> str | None:
        return self.parsed.floor

    @property
    def unit(self) -> str | None:
        return self.parsed.unit

    @property
    def room(self) -> str | None:
        return self.parsed.room

    def candidates_json(self) -> list[dict[str, Any]]:
        return [
            {
                "compound": asdict(candidate.compound),
                "station": asdict(candidate.station),
                "score": candidate.score,
            }
            for candidate in self.candidates
        ]

    def as_json(self) -> dict[str, Any]:
        """The resolve contract of DESIGN §8."""
        compound = self.compound
        return {
            "compound": (
                {"code": compound.code, "name": compound.name, "district": compound.district.name} if compound else None
            ),
            "building": self.building,
            "unit": self.unit,
            "floor": self.floor,
            "room": self.room,
            "station": {"code": self.station.code, "name": self.station.name} if self.station else None,
            "substation": ({"code": self.substation.code, "name": self.substation.name} if self.substation else None),
            "confidence": self.confidence,
            "confident": self.confident,
            "candidates": self.candidates_json(),
            "district_mismatch": self.district_mismatch,
        }


@dataclass
class _Hit:
    score: float
    position: int
    how: str


def _phase_factor(probe: NameForms, name: NameForms) -> float:
    if probe.phase == name.phase:
        return 1.0
    if probe.phase and name.phase:
        return PHASE_OTHER
    return PHASE_UNSPLIT if probe.phase else PHASE_UNSAID


def _pinyin_typo_score(edits: int, length: int) -> float:
    if edits == 1 and length >= 8:
        return 0.85
    if edits == 1 and length >= 5:
        return 0.78
    if edits == 2 and length >= 12:
        return 0.72
    return 0.0


def _character_typo_score(probe: str, name: str) -> float:
    """One character more or fewer in a long name is a slip; one character different may not be."""
    edits = Levenshtein.distance(probe, name)
    shortest = min(len(probe), len(name))
    if edits == 1 and len(probe) != len(name) and shortest >= 4:
        return 0.8
    if edits == 1 and shortest >= 5:
        return 0.72
    ratio = fuzz.ratio(probe, name)
    return max(0.0, (ratio - 50) / 50 * 0.7)


def _contained_score(before: str, after: str) -> float:
    if not before:
        return SCORE_CONTAINED if len(after) <= 4 else SCORE_CONTAINED_LONG_TAIL
    if _UNKNOWN_PLACE.search(before):
        return SCORE_CONTAINED_AFTER_UNKNOWN_PLACE
    if before.endswith(ROAD_WORDS):
        return SCORE_CONTAINED
    return SCORE_CONTAINED_IN_LONGER_NAME


class _Scorer:
    def __init__(self, index: GazetteerIndex, probe: NameForms) -> None:
        self.index = index
        self.probe = probe
        self.hits: dict[int, _Hit] = {}

    def offer(self, positions: list[int], score: float, how: str, *, phase_said: bool = False) -> None:
        for position in positions:
            entry = self.index.names[position]
            value = score if phase_said else score * _phase_factor(self.probe, entry.forms)
            if not entry.is_name and not entry.learned:
                value -= ALIAS_DISCOUNT
            best = self.hits.get(entry.compound_id)
            if best is None or value > best.score:
                self.hits[entry.compound_id] = _Hit(value, position, how)

    def exact(self) -> None:
        index, probe = self.index, self.probe
        self.offer(index.by_text.get(probe.text, []), SCORE_EXACT, "name")
        self.offer(index.by_base.get(probe.base, []), SCORE_BASE, "name")
        if probe.is_latin:
            self.offer(index.by_pinyin_base.get(probe.base, []), SCORE_PINYIN, "pinyin")
            self.offer(index.by_initials.get(probe.text, []), SCORE_INITIALS, "initials")
            for position in index.by_spoken.get(probe.text, []):  # fcmxyeq: the phase said, not written
                is_initials = len(probe.text) <= len(index.names[position].forms.text) + 2
                score, how = (SCORE_INITIALS, "initials") if is_initials else (SCORE_PINYIN, "pinyin")
                self.offer([position], score, how, phase_said=True)
            if len(probe.text) >= 2:
                self.offer(index.by_pinyin_core.get(probe.base, []), SCORE_PINYIN_CORE, "pinyin")
                self.offer(index.by_initials_core.get(probe.base, []), SCORE_INITIALS_CORE, "initials")
            return
        if len(probe.pinyin_base) >= 4:
            self.offer(index.by_pinyin_base.get(probe.pinyin_base, []), SCORE_PINYIN, "pinyin")
        if len(probe.base) >= 2:  # the name without its type word (翡翠梦溪 for 翡翠梦溪苑)
            self.offer(index.by_core.get(probe.base, []), SCORE_CORE, "name")
            if len(probe.pinyin_base) >= 4:
                self.offer(index.by_pinyin_core.get(probe.pinyin_base, []), SCORE_PINYIN_CORE, "pinyin")
        if probe.has_type_word:  # the same name with another type word (蓝爵花园 for 蓝爵公寓)
            others = [
                position
                for position in index.by_core.get(probe.core, [])
                if index.names[position].forms.has_type_word and index.names[position].forms.base != probe.base
            ]
            self.offer(others, SCORE_OTHER_TYPE_WORD, "name")

    def contained(self) -> None:
        """Names found inside the text; a name inside a longer found name does not count."""
        text = self.probe.text
        spans: list[tuple[int, int, int]] = []
        for start in range(len(text) - 1):
            for position in self.index.by_first_two.get(text[start : start + 2], ()):
                entry = self.index.names[position]
                name = entry.forms.text
                if len(name) >= (2 if entry.is_name else 3) and text.startswith(name, start):
                    spans.append((start, start + len(name), position))
        spans.sort(key=lambda span: span[0] - span[1])
        taken: list[tuple[int, int]] = []
        for start, end, position in spans:
            if any(start >= left and end <= right for left, right in taken):
                continue
            taken.append((start, end))
            if end - start < len(text):
                self.offer([position], _contained_score(text[:start], text[end:]), "contained")

    def fuzzy(self) -> None:
        index, probe = self.index, self.probe
        if len(probe.pinyin_base) >= 5:
            matches = process.extract(probe.pinyin_base, index.pinyins, scorer=fuzz.ratio, limit=8, score_cutoff=70)
            for _, _, position in matches:
                pinyin = index.pinyins[position]
                score = _pinyin_typo_score(OSA.distance(probe.pinyin_base, pinyin), len(pinyin))
                if not probe.is_latin:  # another character that sounds alike (泰乐苑 / 泰和苑): only a candidate
                    score = min(score, SCORE_CHINESE_SOUND_SLIP)
                if score:
                    self.offer([position], score, "fuzzy")
        if not probe.is_latin and len(probe.base) >= 3:
            matches = process.extract(probe.base, index.bases, scorer=fuzz.ratio, limit=8, score_cutoff=60)
            for _, _, position in matches:
                self.offer([position], _character_typo_score(probe.base, index.bases[position]), "fuzzy")


def _district_id(index: GazetteerIndex, district: str | None) -> int | None:
    if not district:
        return None
    district = district.strip()
    return index.district_ids.get(district) or index.district_codes.get(district)


def _confidence(scores: list[float]) -> float:
    if not scores:
        return 0.0
    best = scores[0]
    runner_up = scores[1] if len(scores) > 1 else 0.0
    return max(0.0, round(best - 2 * max(0.0, CLEAR_LEAD - (best - runner_up)), 3))


# The three reads of every resolve, compiled once (the ORM's compile cost more than the queries).
_COMPOUNDS = PreparedQuery(
    Compound,
    lambda *ids: Compound.objects.select_related("district", "station__company", "substation").filter(id__in=ids),
)
_BUILDINGS = PreparedQuery(
    Building,
    lambda compound_id: Building.objects.filter(compound_id=compound_id).select_related(
        "station__company", "substation"
    ),
)


def _candidates(index: GazetteerIndex, ranked: list[tuple[int, _Hit]]) -> tuple[list[Candidate], Compound | None]:
    """The ranked compounds as read now from the database, and the best one."""
    compounds = {compound.id: compound for compound in _COMPOUNDS.all(*(compound_id for compound_id, _ in ranked))}
    found = []
    for compound_id, hit in ranked:
        compound = compounds.get(compound_id)
        if compound is None:  # deleted since the index was read
            continue
        found.append(
            Candidate(
                compound=CompoundRef(compound.code, compound.name, compound.district.name),
                station=OrgRef(compound.station.code, compound.station.name),
                score=round(min(hit.score, 1.0), 3),
                matched=index.names[hit.position].forms.text,
                how=hit.how,
            )
        )
    best = next((compounds[i] for i, _ in ranked if i in compounds), None)
    return found, best


def compound_serving(compound: Compound, building: str | None) -> tuple[Station, Substation | None]:
    """The building's own station and substation where recorded, else its imported range's, else the
    compound's."""
    station, substation = compound.station, compound.substation
    if not building:
        return station, substation
    for record in _BUILDINGS.all(compound.id):
        if building_number(record.number) == building:
            station = record.station or station
            return station, record.substation or (substation if record.station is None else None)
    found = building_range_for(compound, building)
    if found is not None:
        same_station = found.station_id == compound.station_id
        return found.station, found.substation or (substation if same_station else None)
    return station, substation


def resolve(text: str, district: str | None = None) -> Resolution:
    """Parse the address, rank the compounds it may mean and propose the serving station."""
    index = gazetteer_index()
    parsed = parse_address(text or "", district_names=index.district_names)
    probe = name_forms(parsed.compound_text)
    empty = Resolution(parsed)
    if not probe.text:
        return empty
    scorer = _Scorer(index, probe)
    scorer.exact()
    scorer.contained()
    scorer.fuzzy()

    if parsed.road and parsed.compound_text == parsed.road and not parsed.context:
        for hit in scorer.hits.values():
            hit.score = min(hit.score, SCORE_ROAD_ONLY_CAP)
    given = _district_id(index, district)
    said = _district_id(index, parsed.district)
    for hit in scorer.hits.values():
        district_id = index.names[hit.position].district_id
        if given is not None and district_id != given:
            hit.score *= OTHER_DISTRICT_GIVEN
        elif said is not None and district_id != said:
            hit.score *= OTHER_DISTRICT_IN_TEXT
    ranked = sorted(
        ((compound_id, hit) for compound_id, hit in scorer.hits.items() if hit.score >= CANDIDATE_FLOOR),
        key=lambda item: (-item[1].score, item[0]),
    )[:CANDIDATE_LIMIT]
    candidates, best = _candidates(index, ranked)
    if best is None:
        return empty
    confidence = _confidence([candidate.score for candidate in candidates])
    mismatch = _district_mismatch(best, given=district, said=parsed.district)
    station, substation = compound_serving(best, parsed.building)
    return Resolution(
        parsed=parsed,
        compound=best,
        station=station,
        substation=substation,
        confidence=confidence,
        confident=confidence >= CONFIDENT_AT and not mismatch,
        candidates=candidates,
        district_mismatch=mismatch,
    )


def _district_mismatch(compound: Compound, *, given: str | None, said: str | None) -> bool:
    """True when a district was named (by the caller or in the text) that does not hold the compound."""
    own = {compound.district.name, compound.district.code}
    return any(named and named.strip() and named.strip() not in own for named in (given, said))
