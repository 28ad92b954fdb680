"""The shape of a heating season for the simulator: when citizens call, about what, where, and how
stations and citizens behave. Pure functions of a seeded `random.Random`, so a seed replays a season.

The numbers follow the desk's own reports (Hohhot, first month: ~8,000 requests, ~70 % 暖气不热,
phone guidance fixing a fifth of those, ~98 % satisfied) and common sense about heating faults.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from heatdesk.reports import weather
from heatdesk.tickets import states

# Share of requests per hour of the day (local time): a morning bump and the evening peak, when people
# come home to cold flats.
HOURLY_PROFILE = (
    0.25, 0.15, 0.10, 0.10, 0.10, 0.20, 0.60, 1.30, 1.60, 1.50, 1.20, 1.00,
    0.90, 0.90, 0.90, 0.90, 1.00, 1.30, 1.80, 2.10, 2.00, 1.60, 1.00, 0.50,
)  # fmt: skip

# Category mix of a heating desk (DESIGN §3 codes).
CATEGORY_MIX = (
    ("not_warm", 0.70),
    ("below_standard", 0.07),
    ("no_heat", 0.06),
    ("billing", 0.06),
    ("leak", 0.04),
    ("service_change", 0.04),
    ("other", 0.03),
)
KIND_OF_CATEGORY = {
    "not_warm": (("help", 0.8), ("complaint", 0.2)),
    "below_standard": (("complaint", 0.7), ("help", 0.3)),
    "no_heat": (("help", 0.7), ("complaint", 0.3)),
    "leak": (("help", 1.0),),
    "billing": (("inquiry", 0.8), ("complaint", 0.2)),
    "service_change": (("help", 0.6), ("inquiry", 0.4)),
    "other": (("inquiry", 0.6), ("suggestion", 0.4)),
}
# Faults a crew goes to see; the rest are answered by the station without a visit.
SITE_VISIT_CATEGORIES = states.SITE_VISIT_CATEGORIES  # resolved only after an arrival (the lifecycle's rule)
REPAIR_CAUSES = {
    "not_warm": ("air_lock", "valve", "filter_blocked", "balancing", "indoor_system"),
    "below_standard": ("balancing", "supply_low", "building_insulation", "indoor_system"),
    "no_heat": ("valve", "supply_low", "filter_blocked"),
    "leak": ("pipe_leak",),
}
GUIDANCE_STEPS = ("确认进回水阀门全开", "摸进回水管温差", "暖气片放气", "检查过滤器")

# Behaviour knobs (probabilities and lognormal medians in minutes).
P_GUIDE_TRIED = 0.50  # the operator tries phone guidance on a 暖气不热 call
P_GUIDE_SOLVES = 0.40  # … and it works: ~20 % of not_warm resolved on the phone
P_DISPATCH_ON_CREATE = 0.85  # otherwise dispatched a few minutes later
P_RETURN = 0.02  # the station says "not ours" (退单) on the first dispatch
P_DEPART_RECORDED = 0.20
P_TEMP_READING = 0.90
P_EXTENSION = 0.03  # a repair that needs parts: the station asks for a day more, the lead approves
P_CALLBACK_REACHED = 0.92
P_LINK_ANSWER = 0.30  # of citizens with a mobile: answer the resolved SMS's rating link, not the phone
P_FIXED = 0.99
P_CONTACTED = 0.97
P_CALLBACK_FORGOTTEN = 0.015  # called back only the next day or later
P_REPEAT_CALL = 0.02  # the citizen calls again while the ticket is open
P_REPEAT_IF_SLOW = 0.15  # … more likely when nobody has responded after 45 minutes
P_REPEAT_IN_OUTAGE = 0.25  # … and when the whole building went cold in an outage
SATISFACTION_IF_NOT_FIXED = (("not_satisfied", 0.6), ("fairly_satisfied", 0.4))
SATISFACTION_IF_FIXED = (
    ("very_satisfied", 0.55),
    ("satisfied", 0.37),
    ("fairly_satisfied", 0.072),
    ("not_satisfied", 0.008),
)
P_UNHAPPY_STATION_CONTROLLABLE = 0.7  # otherwise unhappy about something the station cannot change
CALLBACK_HOURS = (8, 21)
# Volume rises as it gets colder: each °C of daily mean below MILD_CELSIUS adds this share of a mild day.
MILD_CELSIUS, COLD_VOLUME_PER_DEGREE = 2.0, 0.09  # the desk calls citizens back between 08:00 and 21:00


def pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def lognormal_minutes(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0, sigma))


def minutes(value: float) -> dt.timedelta:
    """A duration rounded to whole seconds (at least one)."""
    return dt.timedelta(seconds=max(1, round(value * 60)))


@dataclass(frozen=True)
class StationProfile:
    """How fast one station answers, travels and repairs (lognormal medians in minutes)."""

    code: str
    response_median: float
    response_sigma: float
    travel_median: float
    repair_factor: float

    def response(self, rng: random.Random, *, urgent: bool) -> dt.timedelta:
        median = self.response_median * (0.45 if urgent else 1.0)
        return minutes(lognormal_minutes(rng, median, self.response_sigma))

    def travel(self, rng: random.Random, *, urgent: bool) -> dt.timedelta:
        return minutes(lognormal_minutes(rng, self.travel_median * (0.6 if urgent else 1.0), 0.45))

    def repair(self, rng: random.Random, *, category: str) -> dt.timedelta:
        if category == "leak":
            return minutes(lognormal_minutes(rng, 35, 0.6))
        if category in SITE_VISIT_CATEGORIES:
            return minutes(lognormal_minutes(rng, 80 * self.repair_factor, 1.1))
        return minutes(lognormal_minutes(rng, 180 * self.repair_factor, 0.9))  # answered without a visit


def station_profiles(rng: random.Random, codes: list[str]) -> dict[str, StationProfile]:
    """Plausible stations: most answer in 15–40 min; one struggles (slow, erratic, slow repairs)."""
    profiles = {}
    struggling = rng.choice(codes) if len(codes) > 1 else None
    for code in codes:
        if code == struggling:
            profiles[code] = StationProfile(code, 50.0, 0.9, 45.0, 2.6)
        else:
            profiles[code] = StationProfile(
                code, rng.uniform(15, 40), rng.uniform(0.5, 0.8), rng.uniform(25, 45), rng.uniform(0.8, 1.5)
            )
    return profiles


@dataclass(frozen=True)
class SeasonDay:
    day: dt.date
    outdoor_celsius: float
    weight: float
    requests: int = 0


def season_days(
    rng: random.Random, *, start: dt.date, days: int, requests: int, temperatures: dict[dt.date, float]
) -> list[SeasonDay]:
    """Requests per day: a surge as the season starts (air in the pipes) and more the colder the day's
    mean temperature (from `temperatures`, see `weather`). Counts add up to `requests` exactly."""
    shaped = []
    for n in range(days):
        day = start + dt.timedelta(days=n)
        outdoor = weather.temperature_on(temperatures, day)
        cold = 1 + COLD_VOLUME_PER_DEGREE * max(0.0, MILD_CELSIUS - outdoor)
        weight = (1.0 + 1.1 * math.exp(-n / 2.5)) * cold * rng.uniform(0.92, 1.08)
        shaped.append((day, outdoor, weight))
    total = sum(weight for _, _, weight in shaped)
    exact = [requests * weight / total for _, _, weight in shaped]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(days), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: requests - sum(counts)]:
        counts[i] += 1
    return [
        SeasonDay(day, outdoor, weight, count) for (day, outdoor, weight), count in zip(shaped, counts, strict=True)
    ]


def arrival_times(rng: random.Random, day: dt.date, count: int, zone: dt.tzinfo) -> list[dt.datetime]:
    """`count` call times over the day, following the hourly profile; sorted."""
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    hours = rng.choices(range(24), weights=HOURLY_PROFILE, k=count)
    return sorted(midnight + dt.timedelta(hours=h, seconds=rng.randrange(3600)) for h in hours)


def within_callback_hours(rng: random.Random, at: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """Move a callback that would fall at night to the next morning (08:00–09:30)."""
    local = at.astimezone(zone)
    first, last = CALLBACK_HOURS
    if first <= local.hour < last:
        return at
    morning = local.date() if local.hour < first else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(morning, dt.time(first), tzinfo=zone) + dt.timedelta(seconds=rng.randrange(5400))


def arrival_temperature(rng: random.Random, category: str, outdoor: float) -> float:
    """Indoor °C a crew reads on arrival: mostly 14–20, colder in cold spells and for 停热."""
    mean = {"no_heat": 14.5, "leak": 18.5, "below_standard": 16.8}.get(category, 16.6) + 0.08 * (outdoor + 8)
    return round(min(24.0, max(8.0, rng.gauss(mean, 1.8))), 1)


def phone_number(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def household_phone(seed: int, household: tuple[str, ...]) -> str:
    """The same household always calls from the same (made-up) mobile number."""
    return phone_number(random.Random(f"{seed}/{'/'.join(household)}"))


# The site photo a crew takes of a leak (a 1×1 PNG: the simulator needs the record, not the picture).
SITE_PHOTO = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc8\x11\xa0\x01\x00\x03$\x01A\x1d\x19\x9f\xc4\x00\x00\x00\x00IEND\xaeB`\x82"
)
