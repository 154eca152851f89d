"""The replay provider: stored daily closes played back as a live feed, optionally with simulated intraday ticks.

Pacing. Each trading day takes ``seconds_per_day`` of wall time (``run_feed --speed``). Without intraday ticks a
day is one batch, its closes, due at the start of the day's slot; with ``ticks_per_day`` = n, the day's
slot holds n batches at k/n of it (k = 1..n), the last being the real close. ``seconds_per_day`` = 0 replays
as fast as the database takes it.

Intraday simulation: a seeded Brownian bridge between two real closes. Its parameters:
- Session: 09:30 to 16:00 New York. With n ticks per day, ticks fall at 09:30 + k/n x 390 minutes for
  k = 1..n-1, rounded down to the second, and are marked ``simulated``; k = n is the real close at 16:00.
- Path: in log price, from the previous close (taken as the open: no overnight gap is simulated) to the
  day's close, so every simulated path ends exactly on the real close.
- Volatility: sigma = the standard deviation of the security's last ``VOL_WINDOW`` (20) daily log returns
  before the day, floored at ``MIN_VOL`` (0.5%); ``DEFAULT_VOL`` (2%) when fewer than 5 returns are known.
  At session fraction t the bridge's variance is sigma^2 t (1 - t): it wanders most at midday.
- Randomness: numpy's PCG64 seeded with SeedSequence([seed, the day's ordinal, crc32(symbol)]), so the
  same seed, security and day always give the same path, whatever start date or set of securities.
- Simulated prices are rounded to the cent (half even), as quotes are.

Pure Python and numpy: this module never touches the database; ``brokers.feed`` gives it the closes.
"""

from __future__ import annotations

import math
import zlib
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

import numpy as np

from brokers.market_data import Batch, Tick

NEW_YORK = ZoneInfo("America/New_York")
SESSION_OPEN = time(9, 30)
SESSION_CLOSE = time(16, 0)
SESSION_SECONDS = 390 * 60
VOL_WINDOW = 20
MIN_VOL = 0.005
DEFAULT_VOL = 0.02
MIN_RETURNS = 5
CENT = Decimal("0.01")

Closes = Mapping[str, Mapping[date, Decimal]]


def session_times(day: date, ticks_per_day: int) -> list[datetime]:
    """The instants of a day's batches: n-1 simulated ticks, then the close."""
    opening = datetime.combine(day, SESSION_OPEN, tzinfo=NEW_YORK)
    stamps = [opening + timedelta(seconds=SESSION_SECONDS * k // ticks_per_day) for k in range(1, ticks_per_day)]
    return [*stamps, datetime.combine(day, SESSION_CLOSE, tzinfo=NEW_YORK)]


def bridge(
    previous: Decimal, close: Decimal, sigma: float, steps: int, seed: int, day: date, symbol: str
) -> list[Decimal]:
    """The simulated prices at k/steps of the session, k = 1..steps-1 (the close itself is not returned)."""
    if steps < 2:
        return []
    rng = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([seed, day.toordinal(), zlib.crc32(symbol.encode())]))
    )
    walk = np.concatenate([[0.0], np.cumsum(rng.normal(0.0, math.sqrt(1.0 / steps), steps))])
    t = np.arange(steps + 1) / steps
    tied = walk - t * walk[-1]
    start, end = math.log(previous), math.log(close)
    logs = (1 - t) * start + t * end + sigma * tied
    return [Decimal(repr(math.exp(value))).quantize(CENT, ROUND_HALF_EVEN) for value in logs[1:-1]]


def daily_volatility(history: Sequence[Decimal]) -> float:
    """Standard deviation of the daily log returns of ``history`` (its last VOL_WINDOW + 1 closes)."""
    recent = [float(price) for price in history[-(VOL_WINDOW + 1) :]]
    returns = np.diff(np.log(recent)) if len(recent) > 1 else np.array([])
    if len(returns) < MIN_RETURNS:
        return DEFAULT_VOL
    return max(float(np.std(returns, ddof=1)), MIN_VOL)


@dataclass(frozen=True)
class ReplayFeed:
    """Stored closes from ``start`` to ``end`` as a paced feed (see the module docstring)."""

    closes: Closes
    start: date
    end: date | None = None
    ticks_per_day: int = 0
    seconds_per_day: float = 60.0
    seed: int = 0
    name: str = "replay"
    live: bool = False

    def trading_days(self) -> list[date]:
        days = {day for series in self.closes.values() for day in series}
        return sorted(day for day in days if day >= self.start and (self.end is None or day <= self.end))

    def batches(self) -> Iterator[Batch]:
        steps = max(self.ticks_per_day, 1)
        ordered = {symbol: sorted(series) for symbol, series in self.closes.items()}
        for index, day in enumerate(self.trading_days()):
            stamps = session_times(day, steps)
            whole_day = (
                datetime.combine(day, time(0), tzinfo=NEW_YORK),
                datetime.combine(day, time(23, 59, 59, 999999), tzinfo=NEW_YORK),
            )
            paths: dict[str, list[Decimal]] = {}
            for symbol, series in self.closes.items():
                if day not in series:
                    continue
                position = bisect_left(ordered[symbol], day)
                before = [series[d] for d in ordered[symbol][max(position - VOL_WINDOW - 1, 0) : position]]
                if steps > 1 and before:
                    sigma = daily_volatility(before)
                    paths[symbol] = bridge(before[-1], series[day], sigma, steps, self.seed, day, symbol)
            for k, stamp in enumerate(stamps, start=1):
                closing = k == steps
                ticks = tuple(
                    Tick(symbol, stamp, series[day], intraday=False)
                    if closing
                    else Tick(symbol, stamp, paths[symbol][k - 1], simulated=True)
                    for symbol, series in self.closes.items()
                    if day in series and (closing or symbol in paths)
                )
                due = self.seconds_per_day * (index + (k / steps if self.ticks_per_day else 0))
                if ticks:
                    yield Batch(at=stamp, ticks=ticks, due=due, redraws=whole_day if k == 1 else None)
