"""Harvests executed by real django-q2 clusters (subprocesses), including clusters killed with SIGKILL.

The rest of the suite runs tasks inline; these tests start ``manage.py qcluster`` on the test database
(``tests/workers.py``), so what they check is what production gets: concurrent workers, a queue that can
lose a task, a process that dies between any two statements. PostgreSQL only (skipped on SQLite).
"""

from __future__ import annotations

import json
import random
import subprocess
import time
from collections import Counter
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from brokers.market_clock import pinned
from brokers.models import PaperOrder
from harvesting.execution import opportunity_approve
from harvesting.models import (
    Automation,
    HarvestPolicy,
    HarvestRun,
    Opportunity,
    OpportunityStatus,
    Order,
    ReplacementPair,
    RunStatus,
)
from harvesting.scanning import scan_start
from portfolios.importers import ledger_import
from portfolios.ledger import household_lot_differences, replay_household
from portfolios.models import Household, RealizedSale, TaxLot
from tests import workers
from tests.workers import CLOSE, start_cluster, wait_until

SEED = 20221228
SETTLE_SECONDS = 90

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def real_workers(transactional_db, request):
    """PostgreSQL, an empty Redis database, the market clock at the close; every cluster killed afterwards.

    The clusters' output is printed at teardown: pytest shows it when the test failed.
    """
    workers.skip_unless_postgresql()
    redis_up = workers.redis_available()
    if redis_up:
        workers.redis_flush()
    with pinned(CLOSE):
        yield redis_up
    stopped = workers.stop_all()
    if stopped:
        print(workers.logs_of(stopped))
    for cluster in stopped:
        cluster.log_path.unlink(missing_ok=True)
    if redis_up:
        workers.redis_flush()
    workers.close_other_sessions()


def need_broker(broker: str, redis_up: bool) -> None:
    if broker == "redis" and not redis_up:
        pytest.skip(f"Redis is not reachable at {workers.REDIS_URL}")


def recommended(household: Household) -> list[Opportunity]:
    return list(
        Opportunity.objects.filter(
            household=household, status=OpportunityStatus.OPEN, rank__isnull=False, explanation__action="harvest"
        ).order_by("rank")
    )


def bulk_approve(user, opportunities: list[Opportunity]) -> None:
    client = HttpClient()
    client.force_login(user)
    response = client.post(
        reverse("harvesting:opportunity_bulk_approve"), {"opportunity": [o.pk for o in opportunities]}, follow=True
    )
    assert response.status_code == 200
    approved = Opportunity.objects.filter(pk__in=[o.pk for o in opportunities], status=OpportunityStatus.APPROVED)
    assert approved.count() == len(opportunities), [str(m) for m in response.context["messages"]]


def settle(households: list[Household], timeout: float = SETTLE_SECONDS) -> workers.Settlement:
    """Wait until every approved harvest of ``households`` is executed and no order is working."""

    def done() -> workers.Settlement | None:
        state = workers.settlement(households, lots=False)
        return state if state.settled else None

    wait_until(
        done,
        timeout,
        interval=0.5,
        describe=lambda: workers.settlement(households, lots=False).summary(),
        message="every approved harvest to be executed",
    )
    return workers.settlement(households)


def assert_one_sell_and_one_buy_per_harvest(households: list[Household]) -> None:
    """The broker holds ``th-<id>-sell`` and ``th-<id>-buy`` once for each approved harvest, and nothing else."""
    harvests = Opportunity.objects.filter(household__in=households, orders__side="sell").distinct()
    expected = {f"th-{pk}-{side}" for pk in harvests.values_list("pk", flat=True) for side in ("sell", "buy")}
    at_broker = Counter(PaperOrder.objects.values_list("client_order_id", flat=True))
    assert set(at_broker) == expected
    assert set(at_broker.values()) == {1}


# --- concurrent rebuilds --------------------------------------------------------------------------

REBUILDS = """
import json, sys, threading, time
import django
django.setup()
from django.db import connection
from portfolios.models import Household
from portfolios.services import household_rebuild_lots

household_id, threads, start_at = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
errors = []

def rebuild():
    try:
        household = Household.objects.get(pk=household_id)
        time.sleep(max(0.0, start_at - time.time()))
        household_rebuild_lots(household=household)
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()

running = [threading.Thread(target=rebuild) for _ in range(threads)]
for thread in running:
    thread.start()
for thread in running:
    thread.join()
print(json.dumps({"errors": errors}))
"""


def test_twenty_concurrent_rebuilds_from_two_processes_leave_exactly_the_replays_lots(
    real_workers, smiths_at_a_loss, smith_taxable
):
    # A wash sale splits the June purchase into a washed part and a clean one: lots with two parts.
    ledger_import(
        household=smiths_at_a_loss,
        filename="more.csv",
        content=b"account,account_type,date,action,symbol,quantity,price,lot\n"
        b"SM-T,taxable,2022-06-01,buy,AAPL,150,150,A2\n"
        b"SM-T,taxable,2022-06-15,sell,AAPL,100,140,A1\n",
        today=CLOSE.date(),
    )
    env = workers.cluster_environment("orm")
    start_at = time.time() + 4  # both processes set up Django first, then all 20 threads go at once
    processes = [
        subprocess.Popen(
            [str(workers.PYTHON), "-c", REBUILDS, str(smiths_at_a_loss.pk), "10", str(start_at)],
            cwd=workers.ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err[-4000:]
        assert json.loads(out.splitlines()[-1]) == {"errors": []}, err[-4000:]
    assert household_lot_differences(smiths_at_a_loss) == []
    expected = replay_household(smiths_at_a_loss).lot_rows()
    assert TaxLot.objects.filter(account__household=smiths_at_a_loss).count() == len(expected)
    assert any(lot.part > 0 for lot in expected)


# --- a household's plan, executed by a cluster ----------------------------------------------------


@pytest.fixture
def five_losses(real_workers, acme, alice) -> Household:
    """Five losing lots in five securities, each with the firm's replacement: a 5-harvest plan."""
    pairs = workers.losing_symbols(5)
    workers.seed_market(acme, pairs)
    household = workers.seed_losing_household(acme, "Five Losses", [s for s, _ in pairs], advisor=alice)
    workers.scan_inline(household)
    plan = recommended(household)
    assert {(o.security.symbol, o.replacement.symbol) for o in plan} == set(pairs)
    return household


@pytest.mark.parametrize(("approval", "broker"), [("one by one", "orm"), ("in bulk", "redis")])
def test_a_five_harvest_plan_is_executed_by_a_real_two_worker_cluster(
    five_losses, alice, real_workers, approval, broker
):
    need_broker(broker, real_workers)
    plan = recommended(five_losses)
    start_cluster(broker, workers=2)
    with workers.tasks_queued_to(broker):
        if approval == "in bulk":
            bulk_approve(alice, plan)
        else:
            for opportunity in plan:
                opportunity_approve(opportunity=opportunity, user=alice)
    state = settle([five_losses])
    assert state.correct, state.summary()
    assert set(Opportunity.objects.filter(pk__in=[o.pk for o in plan]).values_list("status", flat=True)) == {
        OpportunityStatus.EXECUTED
    }
    assert_one_sell_and_one_buy_per_harvest([five_losses])
    assert Order.objects.filter(opportunity__in=plan).count() == 10
    assert household_lot_differences(five_losses) == []
    held = set(TaxLot.objects.filter(account__household=five_losses).values_list("security__symbol", flat=True))
    assert held == {replacement for _, replacement in workers.losing_symbols(5)}


# --- clusters killed with SIGKILL -----------------------------------------------------------------


def kill_plan(broker: str) -> list[tuple[str, float]]:
    """Three seeded kill points: one by the clock (0.3-2.5 s after the start: the cluster still starting, or its
    pusher holding tasks it took off the queue), then two by progress: once the broker holds 1-6 more orders
    than at the restart, so the cluster dies with executions half done."""
    rng = random.Random(f"{SEED}-{broker}")
    return [("seconds", round(rng.uniform(0.3, 2.5), 2)), ("orders", rng.randint(1, 6)), ("orders", rng.randint(1, 6))]


def run_and_kill(broker: str, how: str, amount: float, households: list[Household]) -> str:
    """Start a cluster, kill it with SIGKILL at the point; say where it was."""
    before = PaperOrder.objects.count()
    cluster = start_cluster(broker, workers=2)
    if how == "seconds":
        time.sleep(amount)
    else:
        wait_until(
            lambda: PaperOrder.objects.count() >= before + amount or workers.settlement(households, lots=False).settled,
            SETTLE_SECONDS,
            interval=0.01,
            message=f"{amount:g} more orders at the broker",
        )
    cluster.kill9()
    return f"{amount:g} {how}: {before} -> {PaperOrder.objects.count()} orders"


@pytest.mark.parametrize("broker", ["redis", "orm"])
def test_harvests_survive_clusters_killed_at_seeded_instants(real_workers, acme, alice, broker):
    need_broker(broker, real_workers)
    pairs = workers.losing_symbols(5)
    workers.seed_market(acme, pairs)
    households = [
        workers.seed_losing_household(acme, f"Household {n}", [s for s, _ in pairs], advisor=alice) for n in range(4)
    ]
    for household in households:
        workers.scan_inline(household)
    plan = [o for household in households for o in recommended(household)]
    assert len(plan) == 20
    with workers.tasks_queued_to(broker):
        bulk_approve(alice, plan)
    progress = [run_and_kill(broker, how, amount, households) for how, amount in kill_plan(broker)]
    print(f"{broker}: killed at {progress}")
    start_cluster(broker, workers=2)
    state = settle(households)
    assert state.correct, f"{state.summary()}; killed at {progress}"
    assert state.executed == 20
    assert_one_sell_and_one_buy_per_harvest(households)
    assert PaperOrder.objects.count() == 40
    assert Order.objects.filter(opportunity__in=plan, transaction__isnull=True).count() == 0


def test_two_clusters_share_the_harvests_and_one_killed_mid_harvest_loses_and_doubles_nothing(
    real_workers, acme, alice
):
    """Two clusters on one Redis queue (as on two machines) take the same bulk approval; one is killed with
    SIGKILL while executions are in flight, the other carries on; after its restart everything settles."""
    need_broker("redis", real_workers)
    pairs = workers.losing_symbols(5)
    workers.seed_market(acme, pairs)
    households = [
        workers.seed_losing_household(acme, f"Two Clusters {n}", [s for s, _ in pairs], advisor=alice) for n in range(4)
    ]
    for household in households:
        workers.scan_inline(household)
    plan = [o for household in households for o in recommended(household)]
    assert len(plan) == 20
    with workers.tasks_queued_to("redis"):
        bulk_approve(alice, plan)
    first, _second = start_cluster("redis", workers=1), start_cluster("redis", workers=1)
    wait_until(
        lambda: PaperOrder.objects.count() >= 4 or workers.settlement(households, lots=False).settled,
        SETTLE_SECONDS,
        interval=0.01,
        message="the first orders at the broker",
    )
    first.kill9()
    start_cluster("redis", workers=1)
    state = settle(households)
    assert state.correct, state.summary()
    assert state.executed == 20
    assert_one_sell_and_one_buy_per_harvest(households)
    assert PaperOrder.objects.count() == 40
    assert Order.objects.filter(opportunity__in=plan, transaction__isnull=True).count() == 0


# --- two securities that replace each other -------------------------------------------------------


def test_a_cross_swap_household_harvested_automatically_washes_no_loss(real_workers, acme, alice):
    """JPM and BAC at a loss, each the firm's replacement for the other: harvesting both at once would
    buy each one inside the other's 30-day window."""
    workers.seed_market(acme, [("JPM", "BAC")])
    workers.seed_market(acme, [("BAC", "JPM")])  # BAC's closes rewritten as a stock to harvest (near 120)
    assert set(ReplacementPair.objects.values_list("security__symbol", "replacement__symbol")) == {
        ("JPM", "BAC"),
        ("BAC", "JPM"),
    }
    household = workers.seed_losing_household(acme, "Cross Swap", ["JPM", "BAC"], advisor=alice)
    HarvestPolicy.objects.create(household=household, automation=Automation.AUTOMATIC)
    start_cluster("orm", workers=2)
    with workers.tasks_queued_to("orm"):
        run = scan_start(firm=acme, household=household)
    wait_until(
        lambda: HarvestRun.objects.filter(pk=run.pk, status__in=[RunStatus.DONE, RunStatus.FAILED]).exists(),
        SETTLE_SECONDS,
        describe=lambda: str(HarvestRun.objects.values("status", "error").get(pk=run.pk)),
        message="the cluster to scan the household",
    )
    assert HarvestRun.objects.get(pk=run.pk).status == RunStatus.DONE
    state = settle([household])
    assert state.correct, state.summary()
    for plan_run in HarvestRun.objects.filter(opportunities__household=household).distinct():
        harvests = Opportunity.objects.filter(run=plan_run, rank__isnull=False, explanation__action="harvest")
        sold = {o.security_id for o in harvests}
        bought = {o.replacement_id for o in harvests}
        assert not sold & bought, f"run {plan_run.pk} sells and buys {sold & bought}"
    assert state.executed >= 1
    sales = RealizedSale.objects.filter(account__household=household)
    assert sales.exists()
    assert [s.wash_sale_adjustment for s in sales if s.wash_sale_adjustment != Decimal(0)] == []
