"""The replay provider on its own: stored closes played back as a paced feed, with a seeded Brownian bridge
of simulated ticks between two real closes. Pure computation: no test needs the database."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from brokers.market_data import Batch
from brokers.replay import DEFAULT_VOL, MIN_VOL, ReplayFeed, bridge, daily_volatility, session_times

NEW_YORK = ZoneInfo("America/New_York")
FIRST_DAY = date(2022, 2, 1)


def weekdays(start: date, count: int) -> list[date]:
    days: list[date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def random_walk(start: float, days: list[date], seed: int) -> dict[date, Decimal]:
    """A made-up close series, stored as the history stores closes: three decimals."""
    moves = np.random.default_rng(seed).normal(0.0, 0.015, len(days))
    prices = start * np.exp(np.cumsum(moves))
    return {day: Decimal(f"{price:.3f}") for day, price in zip(days, prices, strict=True)}


DAYS = weekdays(FIRST_DAY, 30)  # 2022-02-01 to 2022-03-14
CLOSES = {
    "AAPL": random_walk(170.0, DAYS, seed=1),
    "MSFT": random_walk(300.0, DAYS, seed=2),
    "KO": random_walk(60.0, DAYS, seed=3),
}
LAST_WEEK = DAYS[-5:]  # 2022-03-08 to 2022-03-14


def at(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=NEW_YORK)


def replay(**kwargs: object) -> list[Batch]:
    options: dict[str, object] = {"closes": CLOSES, "start": LAST_WEEK[0], "ticks_per_day": 4, "seed": 7}
    options.update(kwargs)
    return list(ReplayFeed(**options).batches())  # type: ignore[arg-type]


def simulated_prices(batches: list[Batch]) -> dict[tuple[str, datetime], Decimal]:
    return {(t.symbol, t.at): t.price for b in batches for t in b.ticks if t.simulated}


def closing_ticks(batches: list[Batch]) -> list[tuple[str, datetime, str, bool, bool]]:
    return [
        (t.symbol, t.at, str(t.price), t.intraday, t.simulated) for b in batches for t in b.ticks if not t.simulated
    ]


# --- determinism ---------------------------------------------------------------------------------


def test_the_same_seed_replays_identical_batches():
    first, second = replay(seed=7), replay(seed=7)
    assert len(first) == 5 * 4
    assert first == second  # prices, timestamps, flags and due times, tick for tick


def test_another_seed_simulates_other_prices_between_the_same_closes():
    seven, eight = replay(seed=7), replay(seed=8)
    assert [(b.at, b.due) for b in seven] == [(b.at, b.due) for b in eight]
    assert simulated_prices(seven).keys() == simulated_prices(eight).keys()
    changed = [key for key, price in simulated_prices(seven).items() if simulated_prices(eight)[key] != price]
    assert len(changed) >= 0.9 * len(simulated_prices(seven))  # 5 days x 3 ticks x 3 symbols = 45
    assert closing_ticks(seven) == closing_ticks(eight)


# --- the path ------------------------------------------------------------------------------------


def test_the_last_batch_of_each_day_is_the_real_close_at_four():
    batches = replay()
    closes = [b for b in batches if not b.ticks[0].simulated]
    assert [b.at for b in closes] == [at(day, 16, 0) for day in LAST_WEEK]
    assert [batches.index(b) % 4 for b in closes] == [3] * 5  # every fourth batch, after three simulated ones
    for batch in closes:
        day = batch.at.date()
        assert [(t.symbol, t.at, t.intraday, t.simulated) for t in batch.ticks] == [
            (symbol, at(day, 16, 0), False, False) for symbol in ("AAPL", "MSFT", "KO")
        ]
        # The stored Decimal itself (three places), not the simulation's rounding to the cent.
        assert [str(t.price) for t in batch.ticks] == [str(CLOSES[s][day]) for s in ("AAPL", "MSFT", "KO")]


def test_simulated_ticks_are_marked_intraday_and_simulated_and_quoted_in_cents():
    ticks = [t for b in replay() for t in b.ticks if t.at.time() != at(FIRST_DAY, 16, 0).time()]
    assert len(ticks) == 45
    assert all(t.simulated and t.intraday for t in ticks)
    assert all(t.price == t.price.quantize(Decimal("0.01")) and t.price.as_tuple().exponent == -2 for t in ticks)


def test_the_path_runs_from_the_previous_close_to_the_days_close():
    """A reference computation: the feed's path is the bridge over the 21 closes before the day."""
    day = LAST_WEEK[2]
    position = DAYS.index(day)
    before = [CLOSES["MSFT"][d] for d in DAYS[position - 21 : position]]
    expected = bridge(before[-1], CLOSES["MSFT"][day], daily_volatility(before), 4, 7, day, "MSFT")
    path = [t.price for b in replay() for t in b.ticks if t.symbol == "MSFT" and t.at.date() == day]
    assert path == [*expected, CLOSES["MSFT"][day]]
    assert len(expected) == 3


def test_a_path_depends_on_neither_the_start_date_nor_the_other_symbols():
    day = LAST_WEEK[3]
    whole = simulated_prices(replay(start=DAYS[0]))
    late = simulated_prices(replay(start=day))
    alone = simulated_prices(replay(closes={"MSFT": CLOSES["MSFT"]}, start=day))
    of_the_day = {key: price for key, price in whole.items() if key[0] == "MSFT" and key[1].date() == day}
    assert len(of_the_day) == 3
    assert {key: late[key] for key in of_the_day} == of_the_day
    assert {key: alone[key] for key in of_the_day} == of_the_day


def test_a_security_without_a_previous_close_gets_only_its_close_on_its_first_day():
    closes = {"AAPL": CLOSES["AAPL"], "NEW": {DAYS[1]: Decimal("20.500"), DAYS[2]: Decimal("21.000")}}
    batches = list(ReplayFeed(closes, DAYS[1], DAYS[2], ticks_per_day=4, seed=7).batches())
    new = [(t.at, str(t.price), t.simulated) for b in batches for t in b.ticks if t.symbol == "NEW"]
    assert new[0] == (at(DAYS[1], 16, 0), "20.500", False)  # no simulated ticks on its first day
    assert [stamp for stamp, _, _ in new[1:]] == [
        at(DAYS[2], 11, 7, 30), at(DAYS[2], 12, 45), at(DAYS[2], 14, 22, 30), at(DAYS[2], 16, 0)
    ]  # fmt: skip
    assert [simulated for _, _, simulated in new] == [False, True, True, True, False]


def test_the_first_day_without_any_previous_close_is_a_single_batch():
    batches = list(ReplayFeed(CLOSES, DAYS[0], DAYS[0], ticks_per_day=4, seconds_per_day=60).batches())
    assert [(b.at, b.due, len(b.ticks)) for b in batches] == [(at(DAYS[0], 16, 0), 60.0, 3)]


def test_end_bounds_the_replayed_days():
    feed = ReplayFeed(CLOSES, date(2022, 3, 8), date(2022, 3, 10), ticks_per_day=0)
    assert feed.trading_days() == [date(2022, 3, 8), date(2022, 3, 9), date(2022, 3, 10)]
    assert [b.at for b in feed.batches()] == [at(date(2022, 3, d), 16, 0) for d in (8, 9, 10)]
    assert ReplayFeed(CLOSES, date(2022, 3, 12), date(2022, 3, 13)).trading_days() == []  # a weekend


# --- session and pacing --------------------------------------------------------------------------


def test_four_batches_a_day_fall_at_quarters_of_the_session_and_the_close():
    assert session_times(date(2022, 3, 1), 4) == [
        at(date(2022, 3, 1), 11, 7, 30),
        at(date(2022, 3, 1), 12, 45),
        at(date(2022, 3, 1), 14, 22, 30),
        at(date(2022, 3, 1), 16, 0),
    ]


def test_26_batches_a_day_are_every_15_minutes_from_945_to_the_close():
    stamps = session_times(date(2022, 7, 1), 26)  # summer time: 16:00 New York is 20:00 UTC
    assert stamps[0] == at(date(2022, 7, 1), 9, 45)
    assert stamps[12] == at(date(2022, 7, 1), 12, 45)
    assert stamps[-2:] == [at(date(2022, 7, 1), 15, 45), at(date(2022, 7, 1), 16, 0)]
    assert {b - a for a, b in pairwise(stamps)} == {timedelta(minutes=15)}
    assert stamps[-1].isoformat() == "2022-07-01T16:00:00-04:00"


def test_an_uneven_split_rounds_the_tick_times_down_to_the_second():
    # 23,400 s / 7 = 3,342.857 s: 09:30 + 3,342 s = 10:25:42.
    assert session_times(date(2022, 3, 1), 7)[:2] == [
        at(date(2022, 3, 1), 10, 25, 42),
        at(date(2022, 3, 1), 11, 21, 25),
    ]


def test_closes_only_are_due_at_the_start_of_each_days_slot():
    batches = replay(ticks_per_day=0, seconds_per_day=60.0)
    assert [(b.at, b.due) for b in batches] == [(at(day, 16, 0), 60.0 * n) for n, day in enumerate(LAST_WEEK)]
    assert [b.due for b in batches] == [0.0, 60.0, 120.0, 180.0, 240.0]


def test_intraday_batches_are_due_at_k_over_n_of_the_days_slot():
    batches = replay(ticks_per_day=4, seconds_per_day=60.0)
    assert [b.due for b in batches[:8]] == [15.0, 30.0, 45.0, 60.0, 75.0, 90.0, 105.0, 120.0]
    assert batches[-1].due == 300.0


def test_speed_zero_makes_every_batch_due_at_once():
    assert {b.due for b in replay(ticks_per_day=4, seconds_per_day=0.0)} == {0.0}


# --- volatility ----------------------------------------------------------------------------------


def log_return_stdev(prices: list[Decimal]) -> float:
    """The naive reference: sample standard deviation of daily log returns."""
    returns = [math.log(float(b) / float(a)) for a, b in pairwise(prices)]
    mean = sum(returns) / len(returns)
    return math.sqrt(sum((r - mean) ** 2 for r in returns) / (len(returns) - 1))


def test_fewer_than_five_returns_use_the_default_volatility():
    assert daily_volatility([]) == DEFAULT_VOL == 0.02
    assert daily_volatility([Decimal("100")]) == DEFAULT_VOL
    assert daily_volatility([Decimal(p) for p in ("100", "130", "90", "120", "80")]) == DEFAULT_VOL  # 4 returns


def test_five_returns_are_enough():
    prices = [Decimal(p) for p in ("100", "101", "99", "102", "100", "103")]
    assert daily_volatility(prices) == pytest.approx(log_return_stdev(prices), rel=1e-12)
    # Returns 0.00995, -0.02000, 0.02985, -0.01980, 0.02956: sample standard deviation 0.0249066.
    assert daily_volatility(prices) == pytest.approx(0.0249066, abs=1e-7)


def test_a_quiet_security_is_floored_at_half_a_percent():
    assert daily_volatility([Decimal("50.000")] * 30) == MIN_VOL == 0.005
    assert daily_volatility([Decimal("100"), Decimal("100.01")] * 15) == MIN_VOL


def test_only_the_last_20_returns_count():
    calm = list(CLOSES["KO"].values())[-21:]
    crash = [Decimal("500"), Decimal("100"), Decimal("900"), *calm]
    assert daily_volatility(crash) == pytest.approx(log_return_stdev(calm), rel=1e-12)
    assert daily_volatility(crash) == daily_volatility(calm)
    # The 21st close from the end still counts: changing it changes the volatility.
    assert daily_volatility([*crash[:-21], Decimal("100"), *calm[1:]]) > 0.1


# --- the bridge ----------------------------------------------------------------------------------


def test_the_bridge_is_centred_on_the_log_line_with_variance_sigma_squared_t_one_minus_t():
    sigma, samples = 0.02, 4_000
    previous, close = Decimal("100"), Decimal("110")
    paths = np.array(
        [
            [math.log(p) for p in bridge(previous, close, sigma, 4, seed, date(2022, 3, 1), "AAPL")]
            for seed in range(samples)
        ]
    )
    t = np.array([0.25, 0.5, 0.75])
    line = (1 - t) * math.log(100) + t * math.log(110)
    deviation = paths - line
    # Standard errors: of the mean 0.01 / sqrt(4000) = 0.00016; of a variance about 2.2%.
    assert np.abs(deviation.mean(axis=0)).max() < 0.0007
    assert deviation.var(axis=0, ddof=1) / (sigma**2 * t * (1 - t)) == pytest.approx([1, 1, 1], abs=0.1)


def test_the_bridge_wanders_most_at_midday():
    paths = np.array(
        [[float(p) for p in bridge(Decimal(100), Decimal(100), 0.02, 26, s, FIRST_DAY, "KO")] for s in range(2_000)]
    )
    spread = np.log(paths / 100).std(axis=0)
    assert int(spread.argmax()) in (11, 12, 13)  # t = 12/26 .. 14/26
    assert spread[12] == pytest.approx(0.02 * 0.5, rel=0.1)  # sigma sqrt(t (1 - t)) at t = 1/2
    assert spread[0] < spread[12] / 2


def test_a_bridge_of_one_step_has_no_simulated_prices():
    assert bridge(Decimal("100"), Decimal("101"), 0.02, 1, 0, FIRST_DAY, "AAPL") == []


def test_the_bridge_is_keyed_by_seed_day_and_symbol():
    def path(seed: int = 1, day: date = FIRST_DAY, symbol: str = "AAPL") -> list[Decimal]:
        return bridge(Decimal("100"), Decimal("100"), 0.05, 8, seed, day, symbol)

    assert path() == path()
    assert path(seed=2) != path()
    assert path(day=FIRST_DAY + timedelta(days=1)) != path()
    assert path(symbol="MSFT") != path()
