"""run_feed and the feed runner on the stored history: the replay writes its ticks, moves the market clock and
records its state; pacing is checked on a fake clock (nothing sleeps); the portal's feed page shows it all."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as HttpClient
from django.urls import reverse

from brokers.feed import FeedRunner, replay_from_database
from brokers.management.commands import run_feed
from brokers.market_clock import FEED_STATE_ID, market_now
from brokers.market_data import Batch, MarketDataError, Tick
from brokers.models import FeedState, FeedStatus
from harvesting.models import HarvestRun, RunStatus
from portfolios.market_history import close_timestamp, price_history_load
from portfolios.models import LatestPrice, Price, Security
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
# Dec 20 to Dec 28, 2022: six trading days (Dec 26 is the Christmas holiday), the last six of the history.
DAYS = [date(2022, 12, d) for d in (20, 21, 22, 23, 27, 28)]
REPLAY = ("run_feed", "--provider", "replay", "--from", "2022-12-20", "--to", "2022-12-28", "--speed", "0")
INTRADAY = (*REPLAY, "--intraday", "4", "--seed", "1")
SECURITIES = 21  # 20 stocks and the S&P 500 index


@pytest.fixture(autouse=True)
def _quiet(settings) -> Iterator[None]:
    """No monitoring (these tests are about the feed), and the SIGTERM handler run_feed installs is put back."""
    settings.MONITOR_ENABLED = False
    previous = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, previous)


@pytest.fixture
def history(recent_market_data) -> None:
    price_history_load(data_dir=recent_market_data)


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def price_rows() -> list[tuple[int, datetime, Decimal, bool, bool]]:
    return list(
        Price.objects.order_by("security_id", "timestamp").values_list(
            "security_id", "timestamp", "price", "intraday", "simulated"
        )
    )


# --- the replay through the command --------------------------------------------------------------


def test_an_intraday_replay_stores_three_simulated_ticks_a_day_for_every_security(history):
    closes_before = Price.objects.filter(simulated=False).count()
    output = run(*INTRADAY)
    simulated = Price.objects.filter(simulated=True)
    assert simulated.count() == 6 * 3 * SECURITIES == 378
    assert Price.objects.filter(simulated=False).count() == closes_before  # the closes were re-sent, unchanged
    assert not simulated.filter(intraday=False).exists()
    first_day = sorted({stamp.astimezone(NEW_YORK) for stamp in simulated.values_list("timestamp", flat=True)})[:3]
    assert first_day == [
        datetime(2022, 12, 20, 11, 7, 30, tzinfo=NEW_YORK),
        datetime(2022, 12, 20, 12, 45, tzinfo=NEW_YORK),
        datetime(2022, 12, 20, 14, 22, 30, tzinfo=NEW_YORK),
    ]
    assert "Feed finished: 24 batches, 504 prices, 2022-12-20 11:07 to 2022-12-28 16:00." in output


def test_the_feed_state_records_the_finished_replay(history):
    run(*INTRADAY)
    state = FeedState.objects.get(pk=FEED_STATE_ID)
    last_close = close_timestamp(date(2022, 12, 28))
    assert (state.provider, state.live, state.status, state.error) == ("replay", False, FeedStatus.FINISHED, "")
    assert (state.market_time, state.last_tick_at, state.simulated) == (last_close, last_close, False)
    assert (state.batches, state.ticks) == (24, 6 * 4 * SECURITIES)  # 378 simulated ticks + 126 closes
    assert state.settings == {"start": "2022-12-20", "end": "2022-12-28", "speed": 0.0, "intraday": 4, "seed": 1}
    assert state.lag_seconds >= 0.0  # at speed 0 every batch is due at once: the lag is the time taken so far
    assert state.finished_at >= state.started_at
    assert market_now() == last_close


def test_after_the_replay_the_market_clock_is_the_last_batchs_time(history):
    run("run_feed", "--provider", "replay", "--from", "2022-12-20", "--to", "2022-12-22", "--speed", "0",
        "--intraday", "4", "--seed", "1")  # fmt: skip
    assert market_now() == datetime(2022, 12, 22, 21, 0, tzinfo=UTC)
    # The cache still holds the newest prices: the replay ran behind them.
    assert set(LatestPrice.objects.values_list("timestamp", flat=True)) == {close_timestamp(date(2022, 12, 28))}


def test_replaying_twice_changes_no_row(history):
    run(*INTRADAY)
    first = price_rows()
    run(*INTRADAY)
    assert price_rows() == first
    assert len(first) == Price.objects.count()
    assert FeedState.objects.get().batches == 24  # the second run starts its counts afresh


def test_another_seed_overwrites_the_simulated_ticks_and_keeps_the_closes(history):
    def simulated() -> dict[tuple[int, datetime], Decimal]:
        rows = Price.objects.filter(simulated=True).values_list("security_id", "timestamp", "price")
        return {(pk, stamp): price for pk, stamp, price in rows}

    closes = list(Price.objects.filter(simulated=False).order_by("pk").values_list("pk", "price"))
    run(*INTRADAY)
    seed_one = simulated()
    run(*REPLAY, "--intraday", "4", "--seed", "2")
    seed_two = simulated()
    assert seed_two.keys() == seed_one.keys()  # the same 378 instants, overwritten rather than added
    assert len(seed_two) == 378
    assert sum(seed_two[key] != price for key, price in seed_one.items()) > 300
    assert list(Price.objects.filter(simulated=False).order_by("pk").values_list("pk", "price")) == closes


def test_a_replay_on_another_grid_leaves_no_ticks_of_the_earlier_simulation(history):
    one_day = ("run_feed", "--provider", "replay", "--from", "2022-12-28", "--to", "2022-12-28", "--speed", "0")
    run(*one_day, "--intraday", "4", "--seed", "1")
    run(*one_day, "--intraday", "26", "--seed", "1")
    stamps = set(Price.objects.filter(simulated=True).values_list("timestamp", flat=True))
    assert datetime(2022, 12, 28, 11, 7, 30, tzinfo=NEW_YORK) not in stamps  # 4-grid tick, not on the 26 grid
    assert len(stamps) == 25


def test_closes_only_replay_the_closes_and_report_each_day(history):
    before = price_rows()
    output = run(*REPLAY)
    assert price_rows() == before
    assert output.splitlines()[:2] == ["2022-12-20 16:00 EST  21 prices", "2022-12-21 16:00 EST  21 prices"]
    state = FeedState.objects.get()
    assert (state.batches, state.ticks, state.simulated) == (6, 6 * SECURITIES, False)
    assert state.settings == {"start": "2022-12-20", "end": "2022-12-28", "speed": 0.0, "intraday": 0, "seed": 0}


def test_symbols_limit_the_replay(history):
    run(*INTRADAY, "--symbols", "aapl, msft")
    assert set(Price.objects.filter(simulated=True).values_list("security__symbol", flat=True)) == {"AAPL", "MSFT"}
    assert FeedState.objects.get().ticks == 6 * 4 * 2


# --- refusals ------------------------------------------------------------------------------------


def test_there_is_nothing_to_replay_before_the_history_is_loaded(securities):
    with pytest.raises(CommandError) as refused:
        run(*INTRADAY)
    assert str(refused.value) == "No stored prices to replay: run `python manage.py load_prices` first."
    assert not FeedState.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2023-01-03"), "--from 2023-01-03 is after the stored history, which ends on 2022-12-28."),
        (("--from", "2022-12-22", "--to", "2022-12-21"), "--to is before --from"),
        (("--symbols", "AAPL,ZZZ,QQQ"), "Unknown symbols: QQQ, ZZZ"),
        (("--speed", "-1"), "--speed and --intraday cannot be negative"),
        (("--intraday", "-4"), "--speed and --intraday cannot be negative"),
        (("--from", "2022-13-01"), "'2022-13-01' is not a date (YYYY-MM-DD)"),
    ],
    ids=["from-after-history", "to-before-from", "unknown-symbols", "negative-speed", "negative-intraday", "bad-date"],
)
def test_the_command_refuses_with_a_clear_message(history, args, message):
    before = Price.objects.count()
    with pytest.raises(CommandError) as refused:
        run(*INTRADAY, *args)
    assert str(refused.value) == message
    assert Price.objects.count() == before
    assert not FeedState.objects.exists()


# --- the runner: pacing and failures -------------------------------------------------------------


class FakeClock:
    """A monotonic clock that only moves when the runner sleeps (or a batch takes time to store)."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_a_paced_replay_waits_for_each_batchs_due_time(history):
    # 2.5 s a trading day, 2 batches a day: due 1.25, 2.5, 3.75 and 5.0 s after the start.
    provider = replay_from_database(start=date(2022, 12, 27), ticks_per_day=2, seconds_per_day=2.5, seed=1)
    clock = FakeClock(1000.0)
    stored_at: list[tuple[datetime, float]] = []

    def storing_takes_half_a_second(batch: Batch, result: object) -> None:
        stored_at.append((batch.at, clock.now))
        clock.now += 0.5

    runner = FeedRunner(provider, sleep=clock.sleep, monotonic=clock.monotonic, on_batch=storing_takes_half_a_second)
    summary = runner.run()
    assert stored_at == [
        (datetime(2022, 12, 27, 12, 45, tzinfo=NEW_YORK), 1001.25),
        (datetime(2022, 12, 27, 16, 0, tzinfo=NEW_YORK), 1002.5),
        (datetime(2022, 12, 28, 12, 45, tzinfo=NEW_YORK), 1003.75),
        (datetime(2022, 12, 28, 16, 0, tzinfo=NEW_YORK), 1005.0),
    ]
    # Waits of at most a second (monitoring gets a look in between), each shortened by the time storing took.
    assert clock.sleeps == [1.0, 0.25, 0.75, 0.75, 0.75]
    assert (summary.status, summary.batches, summary.ticks) == (FeedStatus.FINISHED, 4, 4 * SECURITIES)


def test_a_batch_stored_late_is_not_waited_for_and_its_lag_is_recorded(history):
    provider = replay_from_database(start=date(2022, 12, 27), seconds_per_day=2.0)  # due 0.0 and 2.0
    clock = FakeClock(0.0)
    lags: list[float | None] = []

    def slow_first_batch(batch: Batch, result: object) -> None:
        lags.append(FeedState.objects.get().lag_seconds)
        clock.now += 2.75

    FeedRunner(provider, sleep=clock.sleep, monotonic=clock.monotonic, on_batch=slow_first_batch).run()
    assert clock.sleeps == []
    assert lags == [0.0, 0.75]


class BrokenProvider:
    """Delivers one batch, then fails the way a provider can."""

    name = "alpaca"
    live = True

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.stopped = False

    def batches(self) -> Iterator[Batch]:
        yield Batch(
            at=datetime(2022, 12, 29, 15, 0, tzinfo=UTC),
            ticks=(Tick("AAPL", datetime(2022, 12, 29, 15, 0, tzinfo=UTC), Decimal("127.10")),),
        )
        raise self.error

    def stop(self) -> None:
        self.stopped = True


def test_a_provider_that_fails_mid_run_leaves_the_feed_failed_with_the_error(securities):
    provider = BrokenProvider(RuntimeError("socket closed"))
    with pytest.raises(RuntimeError, match="socket closed"):
        FeedRunner(provider).run()
    state = FeedState.objects.get()
    assert (state.provider, state.live, state.status, state.error) == (
        "alpaca", True, FeedStatus.FAILED, "RuntimeError: socket closed"
    )  # fmt: skip
    assert (state.batches, state.ticks) == (1, 1)
    assert state.finished_at is not None
    assert provider.stopped
    assert Price.objects.get().price == Decimal("127.10")  # the batch before the failure was kept


def test_a_market_data_error_in_the_command_is_a_command_error_and_a_failed_feed(history, monkeypatch):
    provider = BrokenProvider(MarketDataError("Alpaca answered 401: unauthorized"))
    monkeypatch.setattr(run_feed, "replay_from_database", lambda **options: provider)
    with pytest.raises(CommandError, match=r"^Alpaca answered 401: unauthorized$"):
        run(*REPLAY)
    state = FeedState.objects.get()
    assert (state.status, state.error) == (FeedStatus.FAILED, "MarketDataError: Alpaca answered 401: unauthorized")


def test_an_interrupted_feed_is_stopped(securities):
    provider = BrokenProvider(KeyboardInterrupt())
    summary = FeedRunner(provider).run()
    assert (summary.status, summary.batches) == (FeedStatus.STOPPED, 1)
    assert FeedState.objects.get().status == FeedStatus.STOPPED
    assert provider.stopped


def test_max_batches_stops_the_feed_early(history):
    provider = replay_from_database(start=date(2022, 12, 20), ticks_per_day=4, seconds_per_day=0, seed=1)
    summary = FeedRunner(provider, max_batches=3).run()
    assert (summary.status, summary.batches, summary.last) == (
        FeedStatus.FINISHED, 3, datetime(2022, 12, 20, 14, 22, 30, tzinfo=NEW_YORK)
    )  # fmt: skip
    assert market_now() == datetime(2022, 12, 20, 19, 22, 30, tzinfo=UTC)


# --- the feed page -------------------------------------------------------------------------------


def signed_in(user) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = HttpClient().get(reverse("brokers:feed"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_page_says_when_no_feed_has_run(alice, history):
    page = signed_in(alice).get(reverse("brokers:feed")).text
    assert "<dd>None yet</dd>" in page
    assert "No feed has run: prices are the stored history" in page
    assert '<dd data-testid="market-time">Wed Dec 28, 2022 4:00 PM EST</dd>' in page


@pytest.fixture
def replay_stopped_midday(history) -> None:
    """A seeded replay stopped after Dec 20's third simulated batch (14:22:30 New York)."""
    provider = replay_from_database(start=date(2022, 12, 20), ticks_per_day=4, seconds_per_day=0, seed=1)
    FeedRunner(provider, max_batches=3, settings={"start": "2022-12-20", "intraday": 4, "seed": 1}).run()


def test_the_page_shows_the_replay_its_market_time_and_simulated_prices(alice, replay_stopped_midday):
    page = signed_in(alice).get(reverse("brokers:feed")).text
    assert "<dd>Replay</dd>" in page
    assert "<dd>Finished</dd>" in page
    assert '<dd data-testid="market-time">Tue Dec 20, 2022 2:22 PM EST</dd>' in page
    assert "<dd>Dec 20, 2022 2:22 PM" in page
    assert '<span class="tag sim" title="Simulated between two real closes by the replay feed">simulated</span>' in page
    assert "<dd>3 batches · 63 prices</dd>" in page
    settings_text = page[page.index("Feed settings: ") + len("Feed settings: ") : page.index("</p>\n</div>")]
    # A sorted comparison: PostgreSQL's jsonb stores the keys in its own order.
    assert sorted(settings_text.split(" · ")) == ["intraday 4", "seed 1", "start 2022-12-20"]
    # Every security at its simulated 14:22:30 price, not its Dec 28 close.
    at = datetime(2022, 12, 20, 19, 22, 30, tzinfo=UTC)
    ticks = dict(Price.objects.filter(timestamp=at).values_list("security__symbol", "price"))
    assert len(ticks) == SECURITIES
    aapl = Security.objects.get(symbol="AAPL")
    assert ticks["AAPL"] == Decimal("130.61")  # seed 1's path, between the Dec 19 and Dec 20 closes
    start = page.index("<td><strong>AAPL</strong></td>")
    assert page[start : page.index("</tr>", start)].split("\n") == [
        "<td><strong>AAPL</strong></td>",
        f"        <td>{aapl.name}</td>",
        '        <td class="num">$130.61 <span class="tag sim" '
        'title="Simulated between two real closes by the replay feed">sim</span></td>',
        "        <td>Dec 20, 2022 2:22 PM</td>",
        "      ",
    ]
    assert page.count(">sim</span>") == SECURITIES


def test_the_page_shows_the_close_without_the_simulated_tag(alice, history):
    run(*INTRADAY)
    page = signed_in(alice).get(reverse("brokers:feed")).text
    assert '<dd data-testid="market-time">Wed Dec 28, 2022 4:00 PM EST</dd>' in page
    assert ">simulated</span>" not in page
    assert ">sim</span>" not in page
    assert "$125.67" in page  # AAPL's Dec 28 close, 125.674
    assert "<dd>24 batches · 504 prices</dd>" in page


def test_the_scan_counts_are_only_those_of_the_viewers_households(alice, bob, smiths, acme, other_firm, history):
    jones = HouseholdFactory(firm=acme, name="Jones Family")  # alice does not serve it; bob sees every one
    outsiders = HouseholdFactory(firm=other_firm, name="Outsider Family")
    HarvestRun.objects.create(firm=acme, household=smiths, households_total=1, status=RunStatus.QUEUED)
    HarvestRun.objects.create(firm=acme, household=jones, households_total=1, status=RunStatus.RUNNING)
    HarvestRun.objects.create(firm=acme, household=jones, households_total=1, status=RunStatus.DONE)
    HarvestRun.objects.create(firm=other_firm, household=outsiders, households_total=1, status=RunStatus.QUEUED)
    HarvestRun.objects.create(firm=acme, household=None, households_total=2, status=RunStatus.RUNNING)  # firm-wide
    HarvestRun.objects.create(firm=other_firm, household=None, households_total=1, status=RunStatus.RUNNING)
    counts = '<dd data-testid="scans-queued">{} running or queued · 0 waiting (debounced)</dd>'
    assert counts.format(1) in signed_in(alice).get(reverse("brokers:feed")).text
    assert counts.format(3) in signed_in(bob).get(reverse("brokers:feed")).text  # and the firm's firm-wide scan


def test_htmx_gets_only_the_partial(alice, replay_stopped_midday):
    response = signed_in(alice).get(reverse("brokers:feed"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="feed" hx-get="/market/feed/" hx-trigger="every 2s"')
    assert "<html" not in response.text
    assert '<dd data-testid="market-time">Tue Dec 20, 2022 2:22 PM EST</dd>' in response.text
    full = signed_in(alice).get(reverse("brokers:feed")).text
    assert "<html" in full
    assert "<h1>Market feed</h1>" in full
