"""The market feed page follows the feed by itself: the feed process writes FeedState and prices, the page's
htmx polling (every 2 s) shows the new market time and prices without a reload."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from playwright.sync_api import expect

from brokers.market_clock import FEED_STATE_ID
from brokers.models import FeedState, FeedStatus
from tests.browser.helpers import mark_document, same_document, screenshot
from tests.factories import PriceFactory

NEW_YORK = ZoneInfo("America/New_York")


def at(hour: int, minute: int, second: int = 0) -> datetime:
    """Dec 20, 2022 in New York (EST, UTC-5)."""
    return datetime(2022, 12, 20, hour, minute, second, tzinfo=NEW_YORK)


def tick(security, stamp: datetime, price: str, simulated: bool = True) -> None:
    PriceFactory(security=security, timestamp=stamp, price=Decimal(price), intraday=simulated, simulated=simulated)


def feed_moves_to(stamp: datetime, *, batches: int, ticks: int, status: str = FeedStatus.RUNNING) -> None:
    """What the feed runner writes after a batch."""
    FeedState.objects.filter(pk=FEED_STATE_ID).update(
        market_time=stamp, last_tick_at=stamp, last_batch_at=timezone.now(), batches=batches, ticks=ticks,
        simulated=stamp.hour < 16, status=status, finished_at=timezone.now() if status != FeedStatus.RUNNING else None,
    )  # fmt: skip


def test_the_feed_page_refreshes_itself_as_the_replay_moves_the_market(signed_in_page, site_url, alice, securities):
    aapl, msft, spx = securities["AAPL"], securities["MSFT"], securities["SPX"]
    close = at(16, 0).replace(day=19)
    for security, price in ((aapl, "132.37"), (msft, "244.62"), (spx, "3817.66")):
        tick(security, close, price, simulated=False)
    tick(aapl, at(11, 7, 30), "131.25")
    tick(msft, at(11, 7, 30), "243.10")
    FeedState.objects.create(
        pk=FEED_STATE_ID, provider="replay", live=False, status=FeedStatus.RUNNING, started_at=timezone.now(),
        lag_seconds=0.12, settings={"start": "2022-12-20", "intraday": 4, "seed": 1},
    )  # fmt: skip
    feed_moves_to(at(11, 7, 30), batches=2, ticks=5)

    page = signed_in_page(alice)
    page.get_by_role("navigation").get_by_role("link", name="Market feed").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Market feed")
    figures = page.locator("#feed dl.figures")
    market_time = page.get_by_test_id("market-time")
    received = figures.locator("div").filter(has_text="Received").locator("dd")
    rows = page.locator("#feed tbody tr")
    expect(figures.locator("dt")).to_have_text(
        ["Provider", "Status", "Market time", "Last tick", "Lag", "Scans queued", "Received"]
    )
    expect(figures.locator("dd").nth(0)).to_have_text("Replay")
    expect(figures.locator("dd").nth(1)).to_have_text("Running")
    expect(market_time).to_have_text("Tue Dec 20, 2022 11:07 AM EST")
    expect(figures.locator("dd").nth(3)).to_have_text("Dec 20, 2022 11:07 AM simulated")
    expect(figures.locator("dd").nth(4)).to_contain_text("0.12 s · last batch")
    expect(page.get_by_test_id("scans-queued")).to_have_text("0 running or queued · 0 waiting (debounced)")
    expect(received).to_have_text("2 batches · 5 prices")
    expect(rows.nth(0).locator("td")).to_have_text(["AAPL", "Apple Inc.", "$131.25 sim", "Dec 20, 2022 11:07 AM"])
    expect(rows.nth(1).locator("td")).to_have_text(["MSFT", "Microsoft Corp.", "$243.10 sim", "Dec 20, 2022 11:07 AM"])
    expect(rows.nth(2).locator("td")).to_have_text(["SPX", "S&P 500 Index", "$3,817.66", "Dec 19, 2022 4:00 PM"])
    expect(page.locator("#feed")).to_contain_text("Feed settings:")
    screenshot(page, "market-feed")
    mark_document(page)

    # The next batch: 12:45, AAPL down to 129.87 (MSFT did not tick).
    tick(aapl, at(12, 45), "129.87")
    feed_moves_to(at(12, 45), batches=3, ticks=6)
    expect(market_time).to_have_text("Tue Dec 20, 2022 12:45 PM EST")
    expect(rows.nth(0).locator("td")).to_have_text(["AAPL", "Apple Inc.", "$129.87 sim", "Dec 20, 2022 12:45 PM"])
    expect(rows.nth(1).locator("td").nth(2)).to_have_text("$243.10 sim")
    expect(received).to_have_text("3 batches · 6 prices")

    # The day's close ends the replay: real prices, no simulated tag anywhere.
    for security, price in ((aapl, "132.30"), (msft, "241.01"), (spx, "3821.62")):
        tick(security, at(16, 0), price, simulated=False)
    feed_moves_to(at(16, 0), batches=4, ticks=9, status=FeedStatus.FINISHED)
    expect(figures.locator("dd").nth(1)).to_have_text("Finished")
    expect(market_time).to_have_text("Tue Dec 20, 2022 4:00 PM EST")
    expect(rows.locator("td:nth-child(3)")).to_have_text(["$132.30", "$241.01", "$3,821.62"])
    expect(page.locator("#feed .tag.sim")).to_have_count(0)
    assert same_document(page), "the feed page reloaded instead of polling"
    assert page.url == site_url("brokers:feed")
