"""The market clock: the one place the product asks what time it is in the market.

Market time is not the wall clock. The demo lives in December 2022 (the stored history ends there), a replay
can run a past year at any speed, and tests pin whatever instant they need. So every question of "today"
that depends on the market (a scan's as-of date, holding periods on a page, the trade date of a fill, the
latest price) reads ``market_now()``; only audit stamps (when a row was written) use the wall clock.

Where the time comes from, first match wins:
1. a pin (``pinned()`` in tests, or the ``MARKET_TIME`` setting, an ISO timestamp);
2. ``MARKET_CLOCK=wall``: the wall clock (production with a live provider);
3. the feed: a live feed means the wall clock; a replay means the market time it has reached;
4. no feed yet: the newest stored price (after ``load_prices``, the last close of the history);
5. no prices at all: the wall clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

NEW_YORK = ZoneInfo("America/New_York")
FEED_STATE_ID = 1

_pinned: list[datetime] = []
# Within one web request the market clock is read once (a page asks it several times; it cannot move
# meaningfully while one page renders). ``MarketClockMiddleware`` opens and closes the memo.
_request_memo: ContextVar[list[datetime] | None] = ContextVar("market_clock_memo", default=None)


def market_now() -> datetime:
    """The current market time, timezone-aware."""
    if _pinned:
        return _pinned[-1]
    configured = _configured_time()
    if configured is not None:
        return configured
    if getattr(settings, "MARKET_CLOCK", "feed") == "wall":
        return timezone.now()
    memo = _request_memo.get()
    if memo:
        return memo[0]
    now = _feed_time()
    if memo is not None:
        memo.append(now)
    return now


def _feed_time() -> datetime:
    from brokers.models import FeedState
    from portfolios.models import LatestPrice, Price

    feed = FeedState.objects.filter(pk=FEED_STATE_ID).values_list("live", "market_time").first()
    if feed is not None:
        live, market_time = feed
        if live:
            return timezone.now()
        if market_time is not None:
            return market_time
    newest = LatestPrice.objects.aggregate(newest=Max("timestamp"))["newest"]
    if newest is None:  # prices written without the cache (never by the product itself): the newest close
        newest = Price.objects.filter(intraday=False).aggregate(newest=Max("timestamp"))["newest"]
    return newest or timezone.now()


class MarketClockMiddleware:
    """Memoize the market clock for the duration of one request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_memo.set([])
        try:
            return self.get_response(request)
        finally:
            _request_memo.reset(token)


def market_today() -> date:
    """The market's trading date (New York) at ``market_now()``."""
    return timezone.localtime(market_now(), NEW_YORK).date()


def market_date(at: datetime) -> date:
    return timezone.localtime(at, NEW_YORK).date()


@contextmanager
def pinned(at: datetime) -> Iterator[datetime]:
    """Freeze the market clock at ``at`` inside the block (tests, backfills, what-if scans)."""
    if timezone.is_naive(at):
        raise ValueError("pin the market clock with a timezone-aware datetime")
    _pinned.append(at)
    try:
        yield at
    finally:
        _pinned.pop()


def _configured_time() -> datetime | None:
    raw = getattr(settings, "MARKET_TIME", "")
    if not raw:
        return None
    parsed = parse_datetime(raw)
    if parsed is None:
        raise ValueError(f"MARKET_TIME must be an ISO timestamp, got {raw!r}")
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=NEW_YORK)
