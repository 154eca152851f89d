"""Real django-q2 clusters as subprocesses, against the database the test process uses.

Why subprocesses: the test settings run every task inline (``Q_CLUSTER["sync"]``), which can neither
lose a task nor die half-way through one. These helpers start ``manage.py qcluster`` as its own process
group, so a test can kill it with SIGKILL at any instant (as the OOM killer or a lost host would) and
start another on the same database and broker, then check what the product made of it.

The cluster sees the committed rows of the test database only, so tests that use it are
``@pytest.mark.django_db(transaction=True)``, and PostgreSQL only: SQLite's single writer would turn
every test of concurrency into a test of "database is locked".
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
# The close the seeded households are valued at; the test process and the clusters pin the market clock to it.
CLOSE = datetime(2022, 12, 28, 21, 0, tzinfo=UTC)
# Variables that configure the product: a cluster gets only the values these helpers choose, never the shell's.
PRODUCT_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "MARKET_TIME",
    "MARKET_CLOCK",
    "MONITOR_ENABLED",
    "BROKER",
    "LOG_LEVEL",
)


# --- the database and the broker ------------------------------------------------------------------


def database_url() -> str:
    """The URL of the database this process's default connection uses (the test database under pytest)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise RuntimeError(f"real workers need PostgreSQL; this database is {connection.vendor}")
    config = connection.settings_dict
    user, password = quote(config["USER"] or "", safe=""), quote(str(config["PASSWORD"] or ""), safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    port = f":{config['PORT']}" if config["PORT"] else ""
    return f"postgres://{credentials}{config['HOST'] or 'localhost'}{port}/{quote(config['NAME'], safe='')}"


def skip_unless_postgresql() -> None:
    """Skip the calling test on SQLite (the local default); CI runs these on PostgreSQL."""
    import pytest
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("real django-q2 workers need PostgreSQL (set DATABASE_URL); SQLite has one writer")


def redis_flush() -> None:
    """Empty the tests' Redis database: the queue, the cluster's stats and its cache."""
    import redis

    redis.from_url(REDIS_URL).flushdb()


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@contextlib.contextmanager
def tasks_queued_to(broker: str) -> Iterator[None]:
    """Within the block, ``async_task`` in this process queues to ``broker`` instead of running inline.

    django-q2 reads its settings once, into ``django_q.conf.Conf``; the test settings say ``sync``. A task
    queued here is the same signed package a web process would queue: the cluster's key is the test key.
    """
    from django_q.conf import Conf

    saved = {name: getattr(Conf, name) for name in ("SYNC", "ORM", "REDIS")}
    Conf.SYNC = False
    Conf.ORM = "default" if broker == "orm" else None
    Conf.REDIS = REDIS_URL if broker == "redis" else {}
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(Conf, name, value)


# --- clusters -------------------------------------------------------------------------------------


@dataclass
class Cluster:
    """One ``manage.py qcluster`` process group and the file its output goes to."""

    process: subprocess.Popen[bytes]
    broker: str
    log_path: Path
    started: float = field(default_factory=time.monotonic)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill9(self) -> None:
        """SIGKILL every process of the cluster at once (sentinel, pusher, monitor, workers)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        _reap_group(self.process.pid)

    def stop(self, timeout: float = 20) -> None:
        """Stop the cluster as a deployment would (SIGTERM: finish the tasks in hand), else kill it."""
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout)
        self.kill9()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _reap_group(pgid: int, timeout: float = 5) -> None:
    """Wait until no process of the group is left: a worker's database session must end before the next test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        time.sleep(0.05)


def cluster_environment(
    broker: str,
    *,
    workers: int = 2,
    db_url: str | None = None,
    secret_key: str | None = None,
    market_time: datetime | None = CLOSE,
    timeout: int = 20,
    retry: int = 30,
) -> dict[str, str]:
    """The environment of a cluster process: this one's, with the product's settings chosen here."""
    from django.conf import settings

    if broker not in ("orm", "redis"):
        raise ValueError(f"broker must be 'orm' or 'redis', not {broker!r}")
    env = {name: value for name, value in os.environ.items() if name not in PRODUCT_VARIABLES}
    env = {name: value for name, value in env.items() if not name.startswith(("Q_", "PYTEST", "COV_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "taxharvest.settings",
        "SECRET_KEY": secret_key or settings.SECRET_KEY,
        "DATABASE_URL": db_url or database_url(),
        "Q_WORKERS": str(workers),
        # Short enough that a task lost with a killed cluster comes back within a test's patience;
        # retry above timeout, as django-q2 requires.
        "Q_TIMEOUT": str(timeout),
        "Q_RETRY": str(retry),
        "MONITOR_ENABLED": "0",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    if broker == "redis":
        env["REDIS_URL"] = REDIS_URL
    if market_time is not None:
        env["MARKET_TIME"] = market_time.isoformat()
    return env


_running: list[Cluster] = []


def start_cluster(broker: str = "orm", workers: int = 2, *, log_dir: Path | None = None, **options: Any) -> Cluster:
    """Start ``manage.py qcluster`` in its own session (and process group) on ``broker``: "orm" or "redis".

    ``options`` go to ``cluster_environment`` (``market_time``, ``timeout``, ``retry``, ``db_url``).
    Its stdout and stderr go to a temporary file (``Cluster.log()``).
    """
    env = cluster_environment(broker, workers=workers, **options)
    handle, name = tempfile.mkstemp(prefix=f"qcluster-{broker}-", suffix=".log", dir=log_dir)
    with os.fdopen(handle, "wb") as log:
        process = subprocess.Popen(
            [str(PYTHON), "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    cluster = Cluster(process, broker, Path(name))
    _running.append(cluster)
    return cluster


def stop_all() -> list[Cluster]:
    """Kill every cluster these helpers started and have not yet forgotten; return them (for their logs)."""
    stopped = list(_running)
    for cluster in stopped:
        cluster.kill9()
    _running.clear()
    return stopped


def logs_of(clusters: list[Cluster], tail: int = 12_000) -> str:
    """Each cluster's output, the end of it, for a failure message."""
    parts = []
    for number, cluster in enumerate(clusters, 1):
        text = cluster.log()
        shown = text if len(text) <= tail else "...\n" + text[-tail:]
        parts.append(f"--- cluster {number} ({cluster.broker}, exit {cluster.process.returncode}) ---\n{shown}")
    return "\n".join(parts)


def close_other_sessions(timeout: float = 10) -> None:
    """End every other session on the test database: a killed worker's backend can outlive its process for a
    moment, and the database cannot be flushed or dropped while one is open."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if not cursor.fetchall() or time.monotonic() > deadline:
                return
            time.sleep(0.2)


def wait_until(
    predicate: Callable[[], object],
    timeout: float,
    interval: float = 0.25,
    *,
    describe: Callable[[], str] | None = None,
    message: str = "condition",
) -> object:
    """Return the predicate's first truthy value; after ``timeout`` seconds raise, saying what was waited for.

    ``describe`` says what the state was when the time ran out (counts, statuses): the part of the message
    that tells a reader where it got stuck.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            state = describe() if describe is not None else repr(value)
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {message}; state: {state}")
        time.sleep(interval)


# --- households at a loss -------------------------------------------------------------------------


def losing_symbols(count: int) -> list[tuple[str, str]]:
    """``count`` (security, replacement) symbol pairs: ``L00``/``R00``, ``L01``/``R01``..."""
    return [(f"L{i:02d}", f"R{i:02d}") for i in range(count)]


def seed_market(firm: Any, pairs: list[tuple[str, str]]) -> None:
    """The securities of ``pairs``, December 2022 closes for each, and the firm's replacement pairs.

    Each security to harvest trades near 120 (bought at 200 by ``seed_losing_household``), each replacement
    near 50; the firm names the replacement of each, so the plan does not depend on correlations.
    """
    from django.db import transaction

    from harvesting.models import ReplacementPair
    from portfolios.models import Security
    from portfolios.price_store import latest_advance, prices_write

    with transaction.atomic():
        rows = []
        for symbol, replacement in pairs:
            held, _ = Security.objects.get_or_create(symbol=symbol, defaults={"name": f"{symbol} Corp."})
            other, _ = Security.objects.get_or_create(symbol=replacement, defaults={"name": f"{replacement} Corp."})
            ReplacementPair.objects.get_or_create(firm=firm, security=held, defaults={"replacement": other})
            for day in range(1, 29):
                stamp = CLOSE.replace(day=day)
                rows.append((held.pk, stamp, Decimal(120 + day % 3), None, False, False))
                rows.append((other.pk, stamp, Decimal(50 + day % 4), None, False, False))
        prices_write(rows)
        latest_advance([row for row in rows if row[1] == CLOSE])


def seed_losing_household(firm: Any, name: str, symbols: list[str], *, advisor: Any = None) -> Any:
    """A household with one taxable account holding 100 shares of each of ``symbols``, bought at 200 on
    2022-01-03, and a 2025 tax profile with ample short-term gains, so every loss is worth harvesting."""
    from portfolios.importers import ledger_import
    from portfolios.models import Household
    from taxprofiles.models import TaxProfile

    household = Household.objects.create(firm=firm, name=name)
    if advisor is not None:
        household.advisors.add(advisor)
    lines = [b"account,account_type,date,action,symbol,quantity,price,lot"]
    number = f"T-{household.pk}"
    lines += [f"{number},taxable,2022-01-03,buy,{symbol},100,200,{symbol}-1".encode() for symbol in symbols]
    ledger_import(household=household, filename="l.csv", content=b"\n".join(lines) + b"\n", today=date(2026, 1, 1))
    TaxProfile.objects.create(
        household=household,
        tax_year=2025,
        filing_status="single",
        wages=Decimal("400000"),
        st_gains_realized=Decimal("1000000"),
    )
    return household


def scan_inline(household: Any) -> Any:
    """Scan ``household`` in this process (not through a queue) and return the run."""
    from harvesting.models import HarvestRun
    from harvesting.scanning import household_scan

    run = HarvestRun.objects.create(firm=household.firm, household=household, households_total=1)
    household_scan(run=run, household=household)
    return run


# --- what a settled book looks like ---------------------------------------------------------------


@dataclass(frozen=True)
class Settlement:
    """How far the approved harvests are from done, and every way the book could be wrong."""

    approved: int  # harvests approved (each has its sell order)
    executed: int
    unfinished_orders: int
    duplicate_orders: list[str]  # client order ids the broker holds more than once
    missing_orders: list[str]  # a sell or a buy the broker does not hold for an executed harvest
    sales_without_buy: list[str]  # sales filled at the broker whose replacement the broker never got
    fills_without_transaction: list[str]
    lot_differences: list[str]

    @property
    def settled(self) -> bool:
        return self.executed == self.approved and self.unfinished_orders == 0

    @property
    def correct(self) -> bool:
        return not (
            self.duplicate_orders
            or self.missing_orders
            or self.sales_without_buy
            or self.fills_without_transaction
            or self.lot_differences
        )

    def summary(self) -> str:
        return (
            f"{self.executed}/{self.approved} executed, {self.unfinished_orders} orders unfinished, "
            f"duplicates {self.duplicate_orders}, missing {self.missing_orders}, "
            f"sales without buy {self.sales_without_buy}, fills without transaction "
            f"{self.fills_without_transaction}, lot differences {self.lot_differences[:5]}"
        )


def settlement(households: list[Any], *, lots: bool = True) -> Settlement:
    """Read the state of every harvest approved in ``households``: orders here, orders at the broker, lots."""
    from django.db.models import Count

    from brokers.models import PaperOrder
    from harvesting.execution import FINAL
    from harvesting.models import Opportunity, OpportunityStatus, Order
    from portfolios.ledger import household_lot_differences

    ids = [h.pk for h in households]
    harvests = list(
        Opportunity.objects.filter(household_id__in=ids, orders__side="sell").distinct().values_list("pk", "status")
    )
    executed = [pk for pk, status in harvests if status == OpportunityStatus.EXECUTED]
    expected = {f"th-{pk}-{side}" for pk in executed for side in ("sell", "buy")}
    ours = {f"th-{pk}-{side}" for pk, _ in harvests for side in ("sell", "buy")}
    at_broker = dict(
        PaperOrder.objects.filter(client_order_id__in=ours)
        .values("client_order_id")
        .annotate(n=Count("id"))
        .values_list("client_order_id", "n")
    )
    sold = PaperOrder.objects.filter(client_order_id__in=ours, side="sell", filled_quantity__gt=0)
    orders = list(Order.objects.filter(opportunity__household_id__in=ids))
    return Settlement(
        approved=len(harvests),
        executed=len(executed),
        unfinished_orders=sum(o.status not in FINAL for o in orders),
        duplicate_orders=sorted(cid for cid, n in at_broker.items() if n > 1),
        missing_orders=sorted(expected - at_broker.keys()),
        sales_without_buy=sorted(
            cid
            for cid in sold.values_list("client_order_id", flat=True)
            if cid.removesuffix("sell") + "buy" not in at_broker
        ),
        fills_without_transaction=sorted(
            o.client_order_id for o in orders if o.filled_quantity > 0 and o.transaction_id is None
        ),
        lot_differences=[line for h in households for line in household_lot_differences(h)] if lots else [],
    )
