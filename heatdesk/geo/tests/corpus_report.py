"""Scoring the real-world corpus (realworld.py): per class, how often the resolver did the right thing.

Right means: a routable case is confident and on the expected station; an ambiguous or unknown
case is not confident; a mismatch case found the compound, flags `district_mismatch` and is not
confident. Parts are right when building, unit and room (and the floor, where the text says one)
equal what the text holds. Shared by the regression test and `bench/bench_address.py`.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass

from heatdesk.geo.resolver import Resolution, resolve
from heatdesk.geo.tests.realworld import CORPUS_FILE

ROUTED_AT_LEAST = 0.97
PARTS_AT_LEAST = 0.95
HELD_AT_LEAST = 0.95


@dataclass(frozen=True)
class Scored:
    case: dict
    station: str
    confident: bool
    confidence: float
    mismatch: bool
    parts: tuple[str, str, str, str]

    @property
    def expected_parts(self) -> tuple[str, str, str, str]:
        case = self.case
        return case["building"], case["unit"], case["floor"], case["room"]

    @property
    def has_parts(self) -> bool:
        return any(self.expected_parts)

    @property
    def parts_right(self) -> bool:
        expected = self.expected_parts
        floor_said = bool(expected[2])
        got = self.parts
        return (got[0], got[1], got[3]) == (expected[0], expected[1], expected[3]) and (
            not floor_said or got[2] == expected[2]
        )

    @property
    def is_right(self) -> bool:
        expect = self.case["expect"]
        if expect == "route":
            return self.confident and self.station == self.case["station_code"]
        if expect == "mismatch":
            return self.mismatch and not self.confident and self.station == self.case["station_code"]
        return not self.confident


def corpus_cases() -> list[dict[str, str]]:
    with CORPUS_FILE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _scored(case: dict[str, str], result: Resolution) -> Scored:
    return Scored(
        case=case,
        station=result.station.code if result.station else "",
        confident=result.confident,
        confidence=result.confidence,
        mismatch=result.district_mismatch,
        parts=(result.building or "", result.unit or "", result.floor or "", result.room or ""),
    )


def corpus_score(cases: list[dict[str, str]]) -> list[Scored]:
    return [_scored(case, resolve(case["text"], district=case["district_param"] or None)) for case in cases]


def class_rates(scored: list[Scored]) -> dict[str, tuple[int, float, int, float]]:
    """Class → (cases, share right, cases with parts, share of parts right)."""
    by_class: dict[str, list[Scored]] = defaultdict(list)
    for item in scored:
        by_class[item.case["klass"]].append(item)
    rates = {}
    for klass, items in sorted(by_class.items()):
        with_parts = [item for item in items if item.has_parts]
        parts = sum(item.parts_right for item in with_parts) / len(with_parts) if with_parts else 1.0
        rates[klass] = (len(items), sum(item.is_right for item in items) / len(items), len(with_parts), parts)
    return rates


def report(scored: list[Scored], *, misses: bool = True) -> str:
    lines = [f"{'class':26} {'expect':9} {'n':>4} {'right':>7} {'parts n':>8} {'parts':>7}"]
    expects = {item.case["klass"]: item.case["expect"] for item in scored}
    for klass, (count, right, with_parts, parts) in class_rates(scored).items():
        lines.append(f"{klass:26} {expects[klass]:9} {count:4} {right:7.1%} {with_parts:8} {parts:7.1%}")
    for expect in ("route", "mismatch", "ambiguous", "unknown"):
        group = [item for item in scored if item.case["expect"] == expect]
        if group:
            lines.append(
                f"{'all ' + expect:26} {'':9} {len(group):4} {sum(i.is_right for i in group) / len(group):7.1%}"
            )
    with_parts = [item for item in scored if item.has_parts]
    lines.append(
        f"{'all parts':26} {'':9} {len(with_parts):4} {sum(i.parts_right for i in with_parts) / len(with_parts):7.1%}"
    )
    if misses:
        for item in scored:
            if not item.is_right or (item.has_parts and not item.parts_right):
                lines.append(
                    f"  miss {item.case['klass']}: {item.case['text']} [{item.case['district_param']}] → "
                    f"{item.station or '-'} {item.confidence} mismatch={item.mismatch} parts={item.parts} "
                    f"want {item.case['station_code'] or item.case['expect']} {item.expected_parts}"
                )
    return "\n".join(lines)
