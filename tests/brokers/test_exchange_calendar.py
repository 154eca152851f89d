"""The NYSE calendar against the exchange's published holidays, and invariants over 1990-2035."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from brokers.exchange_calendar import NEW_YORK, is_trading_day, next_close, next_trading_day, session_close

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2035, 12, 31)


def every_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def weekday_closures(year: int) -> list[date]:
    return [
        day for day in every_day(date(year, 1, 1), date(year, 12, 31)) if day.weekday() < 5 and not is_trading_day(day)
    ]


def new_york(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


# --- the exchange's published holidays --------------------------------------------------------------


def test_it_closes_on_the_2022_holidays_the_nyse_published() -> None:
    assert weekday_closures(2022) == [
        date(2022, 1, 17),
        date(2022, 2, 21),
        date(2022, 4, 15),
        date(2022, 5, 30),
        date(2022, 6, 20),
        date(2022, 7, 4),
        date(2022, 9, 5),
        date(2022, 11, 24),
        date(2022, 12, 26),
    ]


def test_it_does_not_observe_a_saturday_new_years_day_on_the_friday_before() -> None:
    assert date(2022, 1, 1).weekday() == 5

    assert is_trading_day(date(2021, 12, 31))
    assert is_trading_day(date(2022, 1, 3))


def test_it_closes_on_the_2025_holidays_the_nyse_published() -> None:
    assert weekday_closures(2025) == [
        date(2025, 1, 1),
        date(2025, 1, 9),
        date(2025, 1, 20),
        date(2025, 2, 17),
        date(2025, 4, 18),
        date(2025, 5, 26),
        date(2025, 6, 19),
        date(2025, 7, 4),
        date(2025, 9, 1),
        date(2025, 11, 27),
        date(2025, 12, 25),
    ]


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(1994, 4, 27), "Nixon"),
        (date(2001, 9, 11), "September 11"),
        (date(2001, 9, 14), "September 11"),
        (date(2004, 6, 11), "Reagan"),
        (date(2007, 1, 2), "Ford"),
        (date(2012, 10, 29), "Hurricane Sandy"),
        (date(2012, 10, 30), "Hurricane Sandy"),
        (date(2018, 12, 5), "G. H. W. Bush"),
        (date(2016, 12, 26), "Christmas on a Sunday, observed Monday"),
        (date(2021, 12, 24), "Christmas on a Saturday, observed Friday"),
        (date(2020, 7, 3), "Independence Day on a Saturday, observed Friday"),
        (date(2017, 1, 2), "New Year's Day on a Sunday, observed Monday"),
        (date(2024, 3, 29), "Good Friday"),
    ],
)
def test_it_is_closed_on(day: date, why: str) -> None:
    assert not is_trading_day(day), why


def test_martin_luther_king_day_is_a_holiday_only_from_1998() -> None:
    assert is_trading_day(date(1997, 1, 20))
    assert not is_trading_day(date(1998, 1, 19))


def test_juneteenth_is_a_holiday_only_from_2022() -> None:
    assert is_trading_day(date(2021, 6, 18))
    assert not is_trading_day(date(2022, 6, 20))


def test_it_counts_251_trading_days_in_2022() -> None:
    assert sum(is_trading_day(day) for day in every_day(date(2022, 1, 1), date(2022, 12, 31))) == 251


def test_it_counts_252_trading_days_in_2019() -> None:
    assert sum(is_trading_day(day) for day in every_day(date(2019, 1, 1), date(2019, 12, 31))) == 252


# --- session closes -----------------------------------------------------------------------------------


def test_a_regular_session_closes_at_four_in_new_york() -> None:
    assert session_close(date(2022, 12, 23)) == new_york(2022, 12, 23, 16)
    assert session_close(date(2022, 12, 23)).tzinfo is NEW_YORK


@pytest.mark.parametrize(
    "day",
    [
        date(2022, 11, 25),  # day after Thanksgiving
        date(2024, 12, 24),  # Christmas Eve
        date(2023, 7, 3),  # Monday before a Tuesday Independence Day
        date(2025, 7, 3),  # Thursday before a Friday Independence Day
        date(2019, 7, 3),  # Wednesday before a Thursday Independence Day, since 2013
        date(2002, 7, 5),  # Friday after a Thursday Independence Day, before 2013
    ],
)
def test_an_early_close_day_closes_at_one(day: date) -> None:
    assert session_close(day) == datetime.combine(day, time(13), tzinfo=NEW_YORK)


def test_before_2013_the_wednesday_before_a_thursday_independence_day_was_a_full_session() -> None:
    assert session_close(date(2002, 7, 3)) == new_york(2002, 7, 3, 16)


def test_it_refuses_the_close_of_a_day_without_a_session() -> None:
    with pytest.raises(ValueError, match="not an NYSE trading day"):
        session_close(date(2022, 12, 26))


# --- next trading day and next close ----------------------------------------------------------------


def test_the_next_trading_day_skips_the_weekend_and_an_observed_holiday() -> None:
    assert next_trading_day(date(2022, 12, 23)) == date(2022, 12, 27)


def test_the_next_trading_day_is_strictly_after_a_trading_day() -> None:
    assert next_trading_day(date(2022, 12, 27)) == date(2022, 12, 28)


def test_the_next_close_from_a_friday_evening_is_monday_at_four() -> None:
    assert next_close(new_york(2022, 12, 9, 18, 30)) == new_york(2022, 12, 12, 16)


def test_the_next_close_after_friday_dec_23_2022_skips_the_observed_christmas() -> None:
    assert next_close(new_york(2022, 12, 23, 16)) == new_york(2022, 12, 27, 16)


def test_the_next_close_before_todays_close_is_today() -> None:
    assert next_close(new_york(2022, 12, 22, 9, 15)) == new_york(2022, 12, 22, 16)


def test_the_next_close_on_an_early_close_day_is_one_oclock() -> None:
    assert next_close(new_york(2022, 11, 25, 10)) == new_york(2022, 11, 25, 13)


def test_the_next_close_after_an_early_close_is_the_next_session() -> None:
    assert next_close(new_york(2022, 11, 25, 13)) == new_york(2022, 11, 28, 16)


def test_the_next_close_reads_the_instant_in_new_york_not_in_utc() -> None:
    # 02:00 UTC on Saturday is still Friday evening in New York, after Friday's close.
    assert next_close(datetime(2022, 12, 10, 2, 0, tzinfo=UTC)) == new_york(2022, 12, 12, 16)
    # 20:00 UTC on Thursday is 15:00 in New York, before that day's close.
    assert next_close(datetime(2022, 12, 22, 20, 0, tzinfo=UTC)) == new_york(2022, 12, 22, 16)


def test_the_next_close_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_close(datetime(2022, 12, 22, 12, 0))  # noqa: DTZ001 - the naive value is the point


def test_it_refuses_a_day_outside_1990_to_2035() -> None:
    with pytest.raises(ValueError, match="1990-2035"):
        is_trading_day(date(2036, 1, 2))


# --- invariants over 1990-2035 ------------------------------------------------------------------------


def test_no_weekend_day_is_a_trading_day() -> None:
    assert not [day for day in every_day(FIRST_DAY, LAST_DAY) if day.weekday() >= 5 and is_trading_day(day)]


@pytest.mark.parametrize(
    ("year", "sessions"),
    [(2001, 248), (2008, 253), (2012, 250), (2020, 253), (2023, 250), (2024, 252)],
)
def test_it_counts_the_sessions_the_exchange_held(year: int, sessions: int) -> None:
    assert sum(is_trading_day(day) for day in every_day(date(year, 1, 1), date(year, 12, 31))) == sessions


def naive_next_close(at: datetime) -> datetime:
    """Walk the days from ``at``'s New York date and take the first close after ``at``: the slow reference."""
    day = at.astimezone(NEW_YORK).date()
    while True:
        if is_trading_day(day) and session_close(day) > at:
            return session_close(day)
        day += timedelta(days=1)


def test_next_close_is_always_a_session_close_on_a_trading_day_and_the_first_after_the_instant() -> None:
    times_of_day = [time(0), time(9, 30), time(12, 59), time(13), time(15, 59), time(16), time(23, 59)]
    # The last session of the range, Monday 2035-12-31, has no close after it inside the range.
    for day in every_day(FIRST_DAY, date(2035, 12, 30)):
        for time_of_day in times_of_day:
            at = datetime.combine(day, time_of_day, tzinfo=NEW_YORK)
            close = next_close(at)

            assert is_trading_day(close.date()), at
            assert close == session_close(close.date()), at
            assert close > at, at
            assert close == naive_next_close(at), at


def test_next_trading_day_never_lands_on_a_closed_day_nor_skips_a_session() -> None:
    for day in every_day(FIRST_DAY, date(2035, 12, 30)):
        following = next_trading_day(day)

        assert is_trading_day(following)
        assert not any(is_trading_day(between) for between in every_day(day + timedelta(days=1), following)[:-1])


def test_the_calendar_never_imports_django() -> None:
    script = (
        "import sys, brokers.exchange_calendar; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
