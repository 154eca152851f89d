"""The NYSE trading calendar, 1990-2035: which days trade and when each session closes.

Why it exists: an offer to harvest expires at the next session close, so the product must know, for any
instant, when the exchange next closes, in New York time and whatever the server's zone. It is pure Python
(no Django, no network, no calendar package) so that pure code and tests can ask it too.

Why rules and not a table: the regular holidays are computed from the rules the exchange follows, so the
calendar needs no yearly upkeep; only closures nobody can foresee (a state funeral, a storm) are listed.

The rules, as this module applies them:

- Weekends are closed.
- Holidays: New Year's Day; Martin Luther King Jr. Day (third Monday of January, from 1998);
  Washington's Birthday (third Monday of February); Good Friday (two days before Easter Sunday, by the
  anonymous Gregorian algorithm); Memorial Day (last Monday of May); Juneteenth (June 19, from 2022);
  Independence Day (July 4); Labor Day (first Monday of September); Thanksgiving (fourth Thursday of
  November); Christmas (December 25).
- A holiday on a Saturday is observed the Friday before and one on a Sunday the Monday after, except that
  New Year's Day on a Saturday is not observed at all (the exchange keeps December 31 open, as on
  2021-12-31).
- Unforeseen closures: 1994-04-27 (Nixon), 2001-09-11 to 2001-09-14 (September 11), 2004-06-11
  (Reagan), 2007-01-02 (Ford), 2012-10-29 and 2012-10-30 (Hurricane Sandy), 2018-12-05
  (G. H. W. Bush), 2025-01-09 (Carter).
- Sessions close at 16:00 New York time, or at 13:00 on early-close days: the day after Thanksgiving;
  December 24 when it is a trading day; and, from 1995, around Independence Day as the exchange has
  practised it: July 3 closes early when it falls on a Monday, Tuesday or Thursday (July 4 on a Tuesday,
  Wednesday or Friday). When July 4 is a Thursday, the early close was Friday July 5 before 2013 (1996,
  2002) and has been Wednesday July 3 since (2013, 2019, 2024); this module follows that.

What it assumes or leaves out, knowingly:

- Before 1993 the exchange's holiday early closes differed (Christmas Eve 1990-1992 closed at 14:00; the
  day after Thanksgiving was a full day in 1990 and 1991 and closed at 14:00 in 1992). This module applies
  the 13:00 rule to those years too; the product's history does not reach back that far.
- One-off early closes and late opens (a snowstorm on 1996-01-08, 1997-12-26, 2003-12-26, moments of
  silence) are not modelled: those days count as full sessions closing at 16:00.
- A day outside 1990-2035 is a ``ValueError``: the rules are only checked for those years, and a future
  holiday (as Juneteenth was in 2022) is decided by the exchange, not by arithmetic.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
FIRST_YEAR = 1990
LAST_YEAR = 2035
REGULAR_CLOSE = time(16, 0)
EARLY_CLOSE = time(13, 0)

_MONDAY, _TUESDAY, _WEDNESDAY, _THURSDAY, _FRIDAY, _SATURDAY, _SUNDAY = range(7)

_UNFORESEEN_CLOSURES = frozenset(
    {
        date(1994, 4, 27),  # President Nixon's funeral
        date(2001, 9, 11),  # September 11 attacks
        date(2001, 9, 12),
        date(2001, 9, 13),
        date(2001, 9, 14),
        date(2004, 6, 11),  # President Reagan's funeral
        date(2007, 1, 2),  # President Ford's day of mourning
        date(2012, 10, 29),  # Hurricane Sandy
        date(2012, 10, 30),
        date(2018, 12, 5),  # President George H. W. Bush's day of mourning
        date(2025, 1, 9),  # President Carter's day of mourning
    }
)


def is_trading_day(day: date) -> bool:
    """Return whether the NYSE holds a session on ``day``."""
    return day.weekday() < _SATURDAY and day not in _closed_weekdays(_checked_year(day))


def next_trading_day(day: date) -> date:
    """Return the first trading day strictly after ``day``."""
    candidate = day + timedelta(days=1)
    while not is_trading_day(candidate):
        candidate += timedelta(days=1)
    return candidate


def session_close(day: date) -> datetime:
    """Return the close of the session on ``day``, aware in New York time (16:00, or 13:00 on early closes).

    Raise ``ValueError`` if ``day`` is not a trading day.
    """
    if not is_trading_day(day):
        raise ValueError(f"{day.isoformat()} is not an NYSE trading day")
    closes_at = EARLY_CLOSE if day in _early_closes(day.year) else REGULAR_CLOSE
    return datetime.combine(day, closes_at, tzinfo=NEW_YORK)


def next_close(at: datetime) -> datetime:
    """Return the first session close strictly after the aware instant ``at``, in New York time.

    An instant exactly at a close is past it: the answer is the next session's close.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("next_close needs a timezone-aware datetime")
    day = at.astimezone(NEW_YORK).date()
    if is_trading_day(day):
        close = session_close(day)
        if close > at:
            return close
    return session_close(next_trading_day(day))


def _checked_year(day: date) -> int:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"the NYSE calendar covers {FIRST_YEAR}-{LAST_YEAR}, not {day.isoformat()}")
    return day.year


@cache
def _closed_weekdays(year: int) -> frozenset[date]:
    """Return the weekdays of ``year`` on which the exchange is closed: holidays as observed, and closures."""
    fixed_date_holidays = [date(year, 1, 1), date(year, 7, 4), date(year, 12, 25)]
    if year >= 2022:
        fixed_date_holidays.append(date(year, 6, 19))
    closed = {
        _observed(holiday)
        for holiday in fixed_date_holidays
        # New Year's Day on a Saturday is not observed: the Friday before, December 31, trades.
        if not (holiday.month == 1 and holiday.weekday() == _SATURDAY)
    }
    if year >= 1998:
        closed.add(_nth_weekday(year, 1, _MONDAY, 3))
    closed |= {
        _nth_weekday(year, 2, _MONDAY, 3),
        _easter_sunday(year) - timedelta(days=2),
        _last_weekday(year, 5, _MONDAY),
        _nth_weekday(year, 9, _MONDAY, 1),
        _thanksgiving(year),
    }
    closed |= {closure for closure in _UNFORESEEN_CLOSURES if closure.year == year}
    return frozenset(closed)


@cache
def _early_closes(year: int) -> frozenset[date]:
    """Return the trading days of ``year`` whose session closes at 13:00."""
    candidates = {_thanksgiving(year) + timedelta(days=1), date(year, 12, 24)}
    if year >= 1995:
        july_3 = date(year, 7, 3)
        if july_3.weekday() in (_MONDAY, _TUESDAY, _THURSDAY):
            candidates.add(july_3)
        elif july_3.weekday() == _WEDNESDAY:
            candidates.add(july_3 if year >= 2013 else date(year, 7, 5))
    return frozenset(day for day in candidates if is_trading_day(day))


def _observed(holiday: date) -> date:
    if holiday.weekday() == _SATURDAY:
        return holiday - timedelta(days=1)
    if holiday.weekday() == _SUNDAY:
        return holiday + timedelta(days=1)
    return holiday


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    next_month_first = date(year + month // 12, month % 12 + 1, 1)
    last = next_month_first - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _thanksgiving(year: int) -> date:
    return _nth_weekday(year, 11, _THURSDAY, 4)


def _easter_sunday(year: int) -> date:
    """Return Western Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)
