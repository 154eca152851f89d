"""What a market-data provider delivers, independent of where the prices come from.

A provider yields ``Batch``es: the ticks that arrived together, and the market time they bring the feed to.
The feed runner (``brokers.feed``) writes each batch in bulk, moves the market clock and lets monitoring
rescan the households whose securities moved. Providers are plain Python: the replay is pure computation
over stored closes, and the Alpaca provider talks to Alpaca through ``alpaca-py``; neither touches the
database, which keeps them testable without one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Tick:
    """One price observation. ``intraday`` is False for a session's close (a daily bar); ``simulated`` marks a
    price the replay invented between two real closes, so nobody mistakes it for a traded price."""

    symbol: str
    at: datetime  # timezone-aware
    price: Decimal
    volume: int | None = None
    intraday: bool = True
    simulated: bool = False


@dataclass(frozen=True, slots=True)
class Batch:
    """Ticks delivered together. ``due`` is when, in seconds after the feed started, a paced replay should
    deliver it (None: deliver now, as a live feed does). ``redraws`` is a period whose simulated ticks the
    batch replaces: a replay drawing a day anew clears any earlier drawing of it first."""

    at: datetime
    ticks: tuple[Tick, ...]
    due: float | None = None
    redraws: tuple[datetime, datetime] | None = None


class MarketDataProvider(Protocol):
    """A source of price batches. ``batches`` blocks until the next batch exists (live) or yields the
    whole planned sequence with ``due`` offsets (replay); the runner does the waiting."""

    name: str
    live: bool

    def batches(self) -> Iterator[Batch]: ...


class MarketDataError(Exception):
    """The provider could not deliver prices (bad credentials, unreachable, malformed answer)."""
