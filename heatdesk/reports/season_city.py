"""Where a season's calls come from: buildings with a call propensity, households inside them, cold
days and failing substations. Pure functions of a seeded `random.Random`, so a seed replays a season.

Heat complaints cluster (public records of a large city: on a cold day 43 % of heating calls came from
addresses that called at least twice that day, 9 % from addresses that called five times or more; the
busiest 1 % of buildings made 23 % of a winter's complaints, the busiest 10 % made 63 %). The model:
- every building has a propensity: its households × its compound's age and insulation × a long-tailed
  (lognormal) building factor — a few buildings have a bad riser, an unbalanced loop, a cold end wall;
- the cold brings calls from many ordinary buildings, poorly insulated ones first (a building with a
  defect calls whatever the weather), so a cold day's calls spread wider than a mild day's;
- a building's calls come in bad days (a gamma day factor), not evenly: a fault makes many households
  of one building call the same day;
- inside a building, top floors and end units call more (cold roofs and outside walls);
- on cold nights a substation may fail: the buildings of the branch it leaves cold call in a burst
  (`Outage`). Today those are
  ordinary calls; the incidents feature will declare, attach and restore them through the hook.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field, replace

from heatdesk.reports.season_model import SeasonDay, arrival_times

# The simulated city has this many buildings per call a day (Hohhot's desk: ~265 calls a day in the
# first month from some 18,000 heated residential buildings); the gazetteer's compounds share them out.
BUILDINGS_PER_DAILY_CALL = 70
# Knobs, calibrated so an 8,213-call month over the demo city reproduces the public-records shape
# (see `clustering.calls_shape` and the test that pins it).
COMPOUND_SIGMA = 0.55  # lognormal spread of compounds beyond age and insulation
BUILDING_SIGMA = 0.8  # lognormal spread of ordinary buildings inside a compound
TAIL_BOUND = 2.6  # … cut at this many sigmas
# Buildings with a known defect (a bad riser, an unbalanced loop, a cold gable wall), drawn by risk:
# (tier, share of all buildings, propensity as a multiple of the typical building's, day shape).
# A chronic building calls most days; a troubled one has bad days (its gamma day shape is smaller).
BUILDING_TIERS = [("problem", 0.0022, 450.0, 3.0), ("troubled", 0.012, 95.0, 1.2)]
DAY_SHAPE = 1.5  # gamma shape of an ordinary building's day factor: smaller = worse bad days
INSULATION = {"poor": 1.8, "fair": 1.0, "good": 0.6}
COLD_SENSITIVITY = {"poor": 0.14, "fair": 0.09, "good": 0.06}  # extra share per °C below 0
DEFECT_COLD_SENSITIVITY = 0.02  # a building with a defect calls whatever the weather
TOP_FLOOR, GROUND_FLOOR, END_UNIT = 2.4, 1.3, 1.6  # household weights inside a building
OUTAGE_COLD_BELOW = -8.0  # substations start failing on days colder than this
OUTAGES_PER_DEGREE = 0.05  # expected failures per day per °C below the threshold
OUTAGE_HOUSEHOLDS = (1500, 5000)  # households left cold (a substation's branch or main)
OUTAGE_CALL_SHARE = (0.012, 0.03)  # share of them that call during the outage
OUTAGE_CATEGORY = (("no_heat", 0.75), ("not_warm", 0.25))


@dataclass(frozen=True)
class CompoundInfo:
    """What the model needs of a gazetteer compound."""

    code: str
    households: int
    built_year: int
    substation: str  # "" when unknown


@dataclass(frozen=True)
class BuildingProfile:
    compound: str
    number: str
    substation: str
    households: int
    floors: int
    units: int
    doors: int  # households per floor in one unit
    insulation: str
    propensity: float
    day_shape: float  # of the gamma bad-day factor
    tier: str = ""  # "problem" or "troubled" for a building with a known defect

    @property
    def key(self) -> tuple[str, str]:
        return self.compound, self.number

    def household(self, rng: random.Random) -> tuple[str, str]:
        """(unit, room) of a calling household: top floors and end units call more."""
        floors = [TOP_FLOOR if f == self.floors else GROUND_FLOOR if f == 1 else 1.0 for f in range(1, 1 + self.floors)]
        units = [END_UNIT if self.units > 1 and u in (1, self.units) else 1.0 for u in range(1, 1 + self.units)]
        floor = rng.choices(range(1, 1 + self.floors), weights=floors)[0]
        unit = rng.choices(range(1, 1 + self.units), weights=units)[0]
        return str(unit), f"{floor}{rng.randint(1, self.doors):02d}"


@dataclass(frozen=True)
class PlannedCall:
    """One citizen's call: when, from which building; `outage` when a failed substation caused it."""

    at: dt.datetime
    building: BuildingProfile
    category: str | None = None  # None: drawn from the desk's usual mix
    outage: int | None = None  # index into the season's outages


@dataclass
class Outage:
    """A substation fails on a cold night; its buildings call until heat returns.

    Today the simulator only records it (`SeasonSimulator.on_outage` / `on_restore`); the incidents
    feature will declare an incident at `declared_at`, attach the burst's calls and restore it.
    """

    substation: str
    compounds: list[str]
    starts_at: dt.datetime
    restored_at: dt.datetime
    calls: list[dt.datetime] = field(default_factory=list)

    @property
    def declared_at(self) -> dt.datetime:
        return self.calls[min(4, len(self.calls) - 1)] if self.calls else self.starts_at


def _building_shape(rng: random.Random, built_year: int) -> tuple[int, int, int]:
    """(floors, units, doors) of a plausible building of that age."""
    if built_year < 2000:
        return 6, rng.choice((3, 4)), 2  # walk-ups
    if built_year < 2010:
        return rng.choice((6, 7, 11)), rng.choice((2, 3)), 2
    return rng.choice((18, 24, 26)), rng.choice((1, 2)), rng.choice((2, 3, 4))


def _insulation(rng: random.Random, built_year: int) -> str:
    if built_year < 1995:
        weights = (0.65, 0.3, 0.05)
    elif built_year < 2008:
        weights = (0.25, 0.55, 0.2)
    else:
        weights = (0.05, 0.35, 0.6)
    return rng.choices(("poor", "fair", "good"), weights=weights)[0]


def city_buildings(rng: random.Random, compounds: list[CompoundInfo], *, total: int) -> list[BuildingProfile]:
    """About `total` buildings shared out over the compounds by their households, each with its call
    propensity: households × age × insulation × a compound and a building factor; a few troubled and
    chronic problem buildings, likelier in old, poorly insulated compounds, call far more than the rest."""
    drafts = []
    city_households = sum(c.households or 240 for c in compounds)
    for compound in compounds:
        built = compound.built_year or 2005
        insulation = _insulation(rng, built)
        risk = (1 + max(0, 2015 - built) / 12) * INSULATION[insulation]
        compound_factor = risk * math.exp(COMPOUND_SIGMA * _bounded_normal(rng))
        floors, units, doors = _building_shape(rng, built)
        count = max(2, round(total * (compound.households or 240) / city_households))
        for number in range(1, count + 1):
            propensity = floors * units * doors * compound_factor * math.exp(BUILDING_SIGMA * _bounded_normal(rng))
            drafts.append((compound, str(number), floors, units, doors, insulation, propensity, risk))
    typical = sum(draft[6] for draft in drafts) / len(drafts)
    # Defects by risk: a weighted draw without replacement (Efraimidis–Spirakis keys), exact counts.
    keys = sorted(range(len(drafts)), key=lambda i: rng.random() ** (1 / drafts[i][7]), reverse=True)
    tier_of, taken = {}, 0
    for name, share, ratio, day_shape in BUILDING_TIERS:
        count = round(share * len(drafts))
        tier_of.update({i: (ratio, day_shape, name) for i in keys[taken : taken + count]})
        taken += count
    return [
        BuildingProfile(
            compound.code,
            number,
            compound.substation,
            floors * units * doors,
            floors,
            units,
            doors,
            insulation,
            typical * tier_of[i][0] * rng.uniform(0.6, 1.4) if i in tier_of else propensity,
            tier_of[i][1] if i in tier_of else DAY_SHAPE,
            tier_of[i][2] if i in tier_of else "",
        )
        for i, (compound, number, floors, units, doors, insulation, propensity, _) in enumerate(drafts)
    ]


def day_weights(rng: random.Random, buildings: list[BuildingProfile], outdoor: float) -> list[float]:
    """Each building's weight today: propensity × how much colder it feels × a bad-day factor. A building
    with a defect calls whatever the weather; the cold brings calls from many ordinary buildings."""
    cold = max(0.0, -outdoor)
    return [
        b.propensity
        * (1 + (DEFECT_COLD_SENSITIVITY if b.tier else COLD_SENSITIVITY[b.insulation]) * cold)
        * rng.gammavariate(b.day_shape, 1 / b.day_shape)
        for b in buildings
    ]


def outages_of_day(
    rng: random.Random,
    buildings: list[BuildingProfile],
    *,
    midnight: dt.datetime,
    outdoor: float,
    calls: int,
    until: dt.datetime,
) -> list[tuple[Outage, list[PlannedCall]]]:
    """Substations failing on this day (only when colder than the threshold) and their bursts of calls,
    together at most 40 % of the day's `calls`, none at or after `until`."""
    expected = OUTAGES_PER_DEGREE * max(0.0, OUTAGE_COLD_BELOW - outdoor)
    behind: dict[str, list[BuildingProfile]] = {}
    for b in buildings:
        if b.substation:
            behind.setdefault(b.substation, []).append(b)
    failures, budget, result = _poisson(rng, expected), int(calls * 0.4), []
    for substation in rng.sample(sorted(behind), k=min(len(behind), failures)):
        fed = _cut_off(rng, behind[substation])
        # Evenings and nights: the load peaks and old pipes give way.
        starts = midnight + dt.timedelta(hours=rng.uniform(17, 23))
        restored = starts + dt.timedelta(minutes=max(60.0, 240 * math.exp(rng.gauss(0, 0.5))))
        wanted = round(sum(b.households for b in fed) * rng.uniform(*OUTAGE_CALL_SHARE))
        count = min(wanted, budget)
        if count < 3:
            continue
        budget -= count
        weights = [b.households * math.sqrt(b.propensity / b.households) for b in fed]
        lasting = (restored - starts).total_seconds()
        offsets = (min(lasting - 1, 600 + rng.expovariate(1 / 2400)) for _ in range(count))
        times = sorted(at for at in (starts + dt.timedelta(seconds=round(s)) for s in offsets) if at < until)
        if len(times) < 3:
            continue
        outage = Outage(substation, sorted({b.compound for b in fed}), starts, restored, times)
        planned = [PlannedCall(at, rng.choices(fed, weights=weights)[0], _pick(rng, OUTAGE_CATEGORY)) for at in times]
        result.append((outage, planned))
    return result


@dataclass
class CallPlan:
    calls: list[PlannedCall]  # in time order
    outages: list[Outage]


def plan_calls(
    rng: random.Random, buildings: list[BuildingProfile], days: list[SeasonDay], *, zone: dt.tzinfo, until: dt.datetime
) -> CallPlan:
    """Every call of the season: each day's outage bursts first, the rest spread over the buildings by
    today's weights and over the hours by the daily profile. Each day keeps exactly `day.requests` calls."""
    calls: list[PlannedCall] = []
    outages: list[Outage] = []
    for day in days:
        midnight = dt.datetime.combine(day.day, dt.time(), tzinfo=zone)
        bursts = outages_of_day(
            rng, buildings, midnight=midnight, outdoor=day.outdoor_celsius, calls=day.requests, until=until
        )
        for outage, planned in bursts:
            calls += [replace(p, outage=len(outages)) for p in planned]
            outages.append(outage)
        ordinary = day.requests - sum(len(planned) for _, planned in bursts)
        chosen = rng.choices(buildings, weights=day_weights(rng, buildings, day.outdoor_celsius), k=ordinary)
        times = arrival_times(rng, day.day, ordinary, zone)
        calls += [PlannedCall(at, building) for at, building in zip(times, chosen, strict=True)]
    calls.sort(key=lambda call: call.at)
    return CallPlan(calls, outages)


def _cut_off(rng: random.Random, fed: list[BuildingProfile]) -> list[BuildingProfile]:
    """The buildings a failure leaves cold: a branch of the substation's network, a few thousand households."""
    households, cut = rng.uniform(*OUTAGE_HOUSEHOLDS), []
    for building in rng.sample(fed, k=len(fed)):
        if households <= 0:
            break
        cut.append(building)
        households -= building.households
    return cut


def _bounded_normal(rng: random.Random) -> float:
    """A standard normal draw within ±TAIL_BOUND: a long tail, without a one-in-a-million monster."""
    return max(-TAIL_BOUND, min(TAIL_BOUND, rng.gauss(0, 1)))


def _poisson(rng: random.Random, mean: float) -> int:
    count, threshold, product = 0, math.exp(-mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]
