"""Daily mean outdoor temperatures for the season simulator: a shipped Hohhot winter, or the user's own.

The shipped series (`data/hohhot_daily_mean_temperature.csv`, 15 Oct 2026 – 15 Apr 2027) is SYNTHETIC
but climatological, not measured: `synthetic_winter` draws it deterministically (seed 2028) from
Hohhot's monthly normals (January ≈ −11 °C) with day-to-day weather (an AR(1) anomaly) and cold waves
(寒潮: an 8–15 °C drop over a day or two, recovering over several days), so daily means in
December–February run from about −24 °C to 0 °C and March thaws (up to +13 °C). A test checks the file
equals the generator's output.
A series file is CSV with a header row and the columns `date` (YYYY-MM-DD) and `mean_celsius`.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import math
import random
from pathlib import Path

SHIPPED_SERIES = Path(__file__).resolve().parent / "data" / "hohhot_daily_mean_temperature.csv"
SHIPPED_SEED = 2028
SHIPPED_FIRST, SHIPPED_LAST = dt.date(2026, 10, 15), dt.date(2027, 4, 15)

# Approximate monthly mean temperatures of Hohhot (°C), the 1991–2020 normals rounded.
MONTHLY_NORMALS = {
    1: -11.0, 2: -6.6, 3: 1.0, 4: 9.3, 5: 16.4, 6: 21.3,
    7: 23.4, 8: 21.3, 9: 15.3, 10: 7.0, 11: -1.6, 12: -8.9,
}  # fmt: skip
COLD_WAVES_PER_DAY = 1 / 11  # in the cold months (Nov–Mar)
COLD_WAVE_DROP = (8.0, 15.0)
COLD_WAVE_RECOVERY_DAYS = 3.5
ANOMALY_PERSISTENCE, ANOMALY_NOISE = 0.72, 2.3


class SeriesError(ValueError):
    """A temperature file that cannot be read as `date,mean_celsius` rows."""


def climatology(day: dt.date) -> float:
    """The normal daily mean for `day`: monthly normals placed mid-month, linearly interpolated."""
    middle = dt.date(day.year, day.month, 15)
    neighbour = middle + dt.timedelta(days=30 if day >= middle else -30)
    neighbour = dt.date(neighbour.year, neighbour.month, 15)
    span = abs((neighbour - middle).days)
    share = abs((day - middle).days) / span
    return MONTHLY_NORMALS[day.month] * (1 - share) + MONTHLY_NORMALS[neighbour.month] * share


def synthetic_winter(*, seed: int, first: dt.date, last: dt.date) -> dict[dt.date, float]:
    """A plausible daily mean series: normals + persistent weather + cold waves, each month then
    shifted so its mean is the normal's mean over the same days."""
    rng = random.Random(seed)
    raw, anomaly, wave = {}, 0.0, 0.0
    day = first
    while day <= last:
        anomaly = ANOMALY_PERSISTENCE * anomaly + rng.gauss(0, ANOMALY_NOISE)
        wave *= math.exp(-1 / COLD_WAVE_RECOVERY_DAYS)
        if day.month in (11, 12, 1, 2, 3) and rng.random() < COLD_WAVES_PER_DAY:
            wave += rng.uniform(*COLD_WAVE_DROP)
        raw[day] = anomaly - wave
        day += dt.timedelta(days=1)
    months: dict[tuple[int, int], list[dt.date]] = {}
    for day in raw:
        months.setdefault((day.year, day.month), []).append(day)
    series = {}
    for (year, month), days in months.items():
        whole = len(days) == calendar.monthrange(year, month)[1]
        target = MONTHLY_NORMALS[month] if whole else sum(climatology(d) for d in days) / len(days)
        shape = [climatology(d) + raw[d] for d in days]
        offset = sum(shape) / len(days) - target
        for d, value in zip(days, shape, strict=True):
            series[d] = round(value - offset, 1)
    return series


def series_write(series: dict[dt.date, float], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["date", "mean_celsius"])
        for day, value in sorted(series.items()):
            writer.writerow([day.isoformat(), f"{value:.1f}"])


def series_read(path: Path | str | None = None) -> dict[dt.date, float]:
    """`{date: °C}` from a `date,mean_celsius` CSV (the shipped Hohhot winter by default)."""
    path = Path(path) if path else SHIPPED_SERIES
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise SeriesError(f"无法读取气温文件 / cannot read the temperature file {path}: {error}") from error
    series = {}
    for line, row in enumerate(rows, start=2):
        try:
            day, value = dt.date.fromisoformat(row["date"].strip()), float(row["mean_celsius"])
        except (KeyError, AttributeError, TypeError, ValueError) as error:
            raise SeriesError(
                f"气温文件第 {line} 行无效 / line {line} of {path.name} is not `date,mean_celsius`: {row}"
            ) from error
        if not -60 <= value <= 50:
            raise SeriesError(f"气温文件第 {line} 行超出范围 / line {line} of {path.name}: {value} °C")
        series[day] = value
    if not series:
        raise SeriesError(f"气温文件为空 / {path.name} has no rows")
    return series


def temperature_on(series: dict[dt.date, float], day: dt.date) -> float:
    """The series' value for `day`, else for the same month and day in the series, else the normal."""
    if day in series:
        return series[day]
    for other, value in series.items():
        if (other.month, other.day) == (day.month, day.day):
            return value
    return round(climatology(day), 1)
