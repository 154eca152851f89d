"""Benchmark the portal's pages under load: dashboard, household and opportunities, served by gunicorn.

Why: the issue asks that the dashboard, household and opportunities pages answer within 150 ms at the
95th percentile with the demo data under 20 concurrent requests on loopback. The other benchmarks
time the engine and the scan in-process; this one measures what an advisor waits for in the browser:
a real WSGI server (gunicorn, ``DEBUG=0``) answering signed-in requests, with the session, the
middleware, the queries and the templates, loaded by Debian's ``wrk``.

How it measures:

- A fresh database: by default a new SQLite file under ``/tmp`` (removed at the end); with
  ``--database-url postgres://user@host:port/name`` a PostgreSQL database, created with
  ``createdb`` when it does not exist and then dropped at the end (``fresh_database`` of
  ``bench_scan_demo``; an existing database is used only with ``--reuse-database``, never dropped).
- The environment is set before ``django.setup()`` (``setup_django`` of ``bench_scan_demo``:
  ``DATABASE_URL``, ``DEBUG=1``, ``Q_SYNC=1``, ``LOG_LEVEL=WARNING``, no ``REDIS_URL``), plus a
  random ``SECRET_KEY`` that the server shares: sessions are signed with it, and a signed-in
  session's password hash is too, so the cookie made here is valid only for a server with that key.
- Untimed set-up (seconds printed): ``migrate``, ``load_prices``, ``seed_demo``, then a firm-wide
  ``scan_start(firm=<the demo firm>)`` run inline (``Q_SYNC=1``) so that opportunities exist. The
  household page is that of the demo advisor maya.chen@harborview.example's household with the most
  open lots. Maya is signed in with the demo password through Django's test ``Client.login`` on the
  same database; its ``sessionid`` cookie is what every request sends.
- The server: ``gunicorn taxharvest.wsgi`` on ``127.0.0.1:<a free port>`` with ``DEBUG=0``,
  ``ALLOWED_HOSTS=127.0.0.1``, the shared ``SECRET_KEY``, ``--workers`` (default: the CPU count) and
  ``--threads`` (default 1: gunicorn's sync worker; more makes it the gthread worker). It runs in its
  own session, so Ctrl-C reaches only this script, which stops it with SIGTERM on exit, on errors,
  on Ctrl-C and on SIGTERM.
- Checks before loading (a wrong cookie fails loudly): one plain HTTP request per page (urllib,
  redirects not followed) must answer 200 with the page's heading; a redirect to the sign-in or
  two-factor page means the session is not accepted.
- Warm-up (untimed): ``--warmup`` seconds of the same load per page, so that every worker process
  has imported its views, filled its caches (the dashboard caches its value series per process) and
  opened its database connections.
- Timed: ``wrk -t2 -c<--connections, default 20> -d<--seconds, default 15>s --latency`` per page,
  with a Lua script (written to a temporary file at run time) that sends the cookie, counts the
  responses that are not 2xx (wrk counts only >= 400 as errors; a 302 to the sign-in page is not
  one) and, in ``done()``, prints the 50th/90th/95th/99th percentiles, the request count and the
  socket errors, which this script parses into the table. A response slower than ``--timeout``
  is a wrk timeout (an error, and absent from the percentiles), so the default is generous (10 s).
- The host's load average and ``_harness.reference_seconds()`` (the shared reference loop) are
  printed before and after the timed load: the host is shared, and they show how much it drifted.
  The gunicorn workers' user+system CPU during each page's load (from ``/proc``) is printed per
  request and as CPUs used: a request's CPU is what the product costs, while its latency also
  counts the time its worker waited for a CPU that wrk or another process had. With the
  connections always busy, the mean latency is connections / requests per second (Little's law);
  the table's last note turns the target into the CPU per request it allows on this host.
- After the load, with the server stopped, each page is requested in this process through the test
  client (``DEBUG`` off for it), one request at a time: the service time of one request and its SQL
  statements (and the seconds spent in the database driver). With 20 requests in flight on W
  workers, a request waits for about 20 / W others, so the mean latency is roughly ``20 / W``
  times the service time (if the workers have a CPU each). With ``--profile missed`` (the default)
  every page that missed the target is also run under cProfile (``--profile-requests`` requests):
  the time in the view, in template rendering and in the database driver, the functions by own and
  cumulative time, and the most repeated SQL statements; ``--profile all`` profiles every page,
  ``--profile none`` none.

Usage::

    .venv/bin/python bench/bench_portal.py                      # SQLite in /tmp
    .venv/bin/python bench/bench_portal.py --database-url postgres://postgres@127.0.0.1:5432/taxharvest_bench_portal
    .venv/bin/python bench/bench_portal.py --workers 4 --threads 2 --seconds 30
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import dataclasses
import html
import io
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _harness
from bench.bench_scan_demo import QueryCounter, fresh_database, profile_table, setup_django

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 150.0
MAYA = "maya.chen@harborview.example"

# wrk runs this in each of its threads (each has its own Lua state); ``done`` runs once, at the end, and
# reads the other threads' counters through the thread objects that ``setup`` kept.
LUA = r"""
-- written by bench/bench_portal.py for one run; removed at its end
wrk.headers["Cookie"] = os.getenv("BENCH_PORTAL_COOKIE")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  redirects = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if status >= 300 and status < 400 then
      redirects = redirects + 1
    end
  end
end

function done(summary, latency, requests)
  local non, moved = 0, 0
  for _, thread in ipairs(threads) do
    non = non + thread:get("non2xx")
    moved = moved + thread:get("redirects")
  end
  local e = summary.errors
  io.write(string.format("BENCH requests %d\n", summary.requests))
  io.write(string.format("BENCH duration_us %d\n", summary.duration))
  io.write(string.format("BENCH bytes %d\n", summary.bytes))
  for _, p in ipairs({50, 90, 95, 99}) do
    io.write(string.format("BENCH p%d_us %.0f\n", p, latency:percentile(p)))
  end
  io.write(string.format("BENCH mean_us %.0f\n", latency.mean))
  io.write(string.format("BENCH max_us %.0f\n", latency.max))
  io.write(string.format("BENCH connect %d\n", e.connect))
  io.write(string.format("BENCH read %d\n", e.read))
  io.write(string.format("BENCH write %d\n", e.write))
  io.write(string.format("BENCH timeout %d\n", e.timeout))
  io.write(string.format("BENCH status %d\n", e.status))
  io.write(string.format("BENCH non2xx %d\n", non))
  io.write(string.format("BENCH redirects %d\n", moved))
end
"""


@dataclass(frozen=True, slots=True)
class Page:
    label: str
    path: str
    heading: str  # the page's <h1>, HTML-escaped as the template writes it


@dataclass(frozen=True, slots=True)
class Load:
    """What wrk's ``done()`` printed for one page (latencies in milliseconds)."""

    requests: int
    seconds: float
    bytes: int
    p50: float
    p90: float
    p95: float
    p99: float
    mean: float
    max: float
    socket_errors: int  # connect, read, write
    timeouts: int
    non2xx: int
    redirects: int
    cpu_seconds: float = 0.0  # the gunicorn workers' CPU during the load

    @property
    def cpu_ms(self) -> float:
        """The workers' CPU milliseconds per request."""
        return 1000 * self.cpu_seconds / self.requests if self.requests else 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.socket_errors + self.timeouts

    def verdict(self) -> str:
        if self.errors or self.non2xx:
            return "MISSED (errors)"
        return "MET" if self.p95 <= TARGET_MS else "MISSED"


@dataclass(slots=True)
class SqlLog:
    """A ``connection.execute_wrapper`` that keeps every statement's text, to find the repeated ones."""

    statements: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.statements[sql] += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


# --- the server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_environment(url: str, secret_key: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(
        {
            "DATABASE_URL": url,
            "DEBUG": "0",
            "SECRET_KEY": secret_key,
            "ALLOWED_HOSTS": "127.0.0.1",
            "Q_SYNC": "1",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "taxharvest.settings",
        }
    )
    return env


@dataclass(frozen=True, slots=True)
class Server:
    base: str  # http://127.0.0.1:<port>
    pid: int  # gunicorn's master; its children are the workers


def workers_cpu_seconds(master: int) -> float:
    """The user and system CPU seconds of the master's children (the gunicorn workers), from /proc.

    Why: the host is shared; the workers' CPU per request is what the product costs, whereas the
    latency also counts the time the workers waited for a CPU that another process had.
    """
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()  # from the state on: the name may hold spaces
        if int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def gunicorn(url: str, secret_key: str, workers: int, threads: int) -> Iterator[Server]:
    """Run gunicorn in its own session; yield it once it answers; SIGTERM it at the end."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "taxharvest.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--no-control-socket",
        "--log-level",
        "warning",
        "--graceful-timeout",
        "10",
    ]
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=server_environment(url, secret_key),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches this script only; it stops the server itself
        )

        def server_log() -> str:
            log.seek(0)
            return log.read().strip() or "(nothing)"

        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"gunicorn exited with {process.returncode} before answering:\n{server_log()}")
                try:
                    with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not answer within 60 s; its log:\n{server_log()}")
                time.sleep(0.2)
            print(f"server:                   gunicorn pid {process.pid} at {base}: {' '.join(command[3:])}")
            yield Server(base, process.pid)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if any("Traceback" in line or "ERROR" in line for line in server_log().splitlines()):
                print(f"the server logged errors:\n{server_log()}", file=sys.stderr)


@contextlib.contextmanager
def lua_script() -> Iterator[Path]:
    """The Lua script for wrk, in a temporary file removed at the end."""
    with tempfile.NamedTemporaryFile("w", prefix="bench-portal-", suffix=".lua", delete=False) as file:
        file.write(LUA)
    path = Path(file.name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks: the server stops, the database goes


# --- requests -------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer to report, not to follow


def check_page(base: str, page: Page, cookie: str) -> tuple[int, float]:
    """One plain request: 200 with the page's heading, or exit naming what came back.

    Returns the body's bytes and the milliseconds it took (the first request of a worker: cold).
    """
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(base + page.path, headers={"Cookie": cookie})
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=60) as response:
            status, body, location = response.status, response.read().decode(), ""
    except urllib.error.HTTPError as exc:
        status, body, location = exc.code, exc.read().decode(errors="replace"), exc.headers.get("Location", "")
    if status != 200:
        hint = " (the session cookie is not accepted)" if "/accounts/" in location else ""
        raise SystemExit(f"{page.label} {page.path} answered {status} {location}{hint}")
    if f"<h1>{page.heading}</h1>" not in body:
        raise SystemExit(f"{page.label} {page.path} answered 200 without <h1>{page.heading}</h1>")
    return len(body.encode()), 1000 * (time.perf_counter() - started)


def wrk(base: str, page: Page, cookie: str, script: Path, connections: int, seconds: float, timeout: float) -> Load:
    command = [
        shutil.which("wrk") or "/usr/bin/wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds:g}s",
        f"--timeout={timeout:g}s",
        "--latency",
        "-s",
        str(script),
        base + page.path,
    ]
    env = dict(os.environ, BENCH_PORTAL_COOKIE=cookie)
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    figures = {}
    for line in result.stdout.splitlines():
        if line.startswith("BENCH "):
            _, key, value = line.split()
            figures[key] = float(value)
    if result.returncode != 0 or "requests" not in figures:
        raise SystemExit(f"wrk failed ({result.returncode}): {' '.join(command)}\n{result.stdout}\n{result.stderr}")

    def ms(key: str) -> float:
        return figures[key] / 1000

    return Load(
        requests=int(figures["requests"]),
        seconds=figures["duration_us"] / 1e6,
        bytes=int(figures["bytes"]),
        p50=ms("p50_us"),
        p90=ms("p90_us"),
        p95=ms("p95_us"),
        p99=ms("p99_us"),
        mean=ms("mean_us"),
        max=ms("max_us"),
        socket_errors=int(figures["connect"] + figures["read"] + figures["write"]),
        timeouts=int(figures["timeout"]),
        non2xx=int(figures["non2xx"]),
        redirects=int(figures["redirects"]),
    )


def host_line(when: str) -> str:
    load = os.getloadavg()
    return (
        f"host {when}:{' ' * (19 - len(when))}load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        f" ({os.cpu_count()} CPUs); reference loop {_harness.reference_seconds():.3f} s"
    )


# --- in-process: service time, statements, profile ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Serial:
    milliseconds: list[float]
    cpu_milliseconds: list[float]
    statements: int
    database_ms: float


def serial_requests(client: Any, page: Page, count: int) -> Serial:
    """``count`` requests one after the other through the test client; the statements of the last one."""
    from django.db import connection

    times, cpu = [], []
    counter = QueryCounter()
    for i in range(count):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(page.path)
            times.append(1000 * (time.perf_counter() - started))
            cpu.append(1000 * (time.process_time() - cpu_started))
        if response.status_code != 200 or (i == 0 and f"<h1>{page.heading}</h1>" not in response.content.decode()):
            raise SystemExit(f"in-process {page.path} answered {response.status_code} without its heading")
    return Serial(times, cpu, counter.statements, 1000 * counter.seconds)


def profile_page(client: Any, page: Page, requests: int, top: int) -> None:
    """Run ``requests`` requests of the page under cProfile: the time by phase and function, the SQL."""
    from django.db import connection
    from django.urls import resolve

    profiler = cProfile.Profile()
    log = SqlLog()
    with connection.execute_wrapper(log):
        started = time.perf_counter()
        profiler.enable()
        for _ in range(requests):
            client.get(page.path)
        profiler.disable()
        seconds = time.perf_counter() - started
    print()
    print(
        f"--- {page.label} ({page.path}) under cProfile: {requests} requests in {seconds:.3f} s,"
        f" {1000 * seconds / requests:.0f} ms each (the profiler's overhead inflates it)"
    )
    view = resolve(page.path).func
    while hasattr(view, "__wrapped__"):  # login_required and the like
        view = view.__wrapped__
    cumulative = {"view": 0.0, "render": 0.0}
    for entry in profiler.getstats():
        code = entry.code
        if code is getattr(view, "__code__", None):
            cumulative["view"] = entry.totaltime
        elif (
            not isinstance(code, str)
            and code.co_qualname == "Template.render"
            and code.co_filename.endswith(os.path.join("django", "template", "base.py"))
        ):
            cumulative["render"] = entry.totaltime

    def share(value: float) -> str:
        return f"{1000 * value / requests:.1f} ms ({100 * value / seconds:.0f}%)"

    print(
        f"where a request's time goes (cumulative, under the profiler): the view {share(cumulative['view'])},"
        f" of which template rendering {share(cumulative['render'])} and the database driver"
        f" {share(log.seconds)}; outside the view (the middleware: session, user, two-factor; the test client)"
        f" {share(max(0.0, seconds - cumulative['view']))}"
    )
    print(profile_table(profiler, top))
    total = sum(log.statements.values())
    print()
    print(f"SQL statements: {total / requests:.0f} per request, {len(log.statements)} distinct; most repeated:")
    for sql, count in log.statements.most_common(5):
        shown = " ".join(sql.split())
        print(f"  {count / requests:6.1f} per request  {shown[:150]}{'...' if len(shown) > 150 else ''}")


# --- main -----------------------------------------------------------------------------------------


def describe_database(url: str) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"postgresql {cursor.fetchone()[0]} at {url.split('@')[-1]}"
    if connection.vendor == "sqlite":
        return f"sqlite {connection.Database.sqlite_version} at {url}"
    return f"{connection.vendor} at {url.split('@')[-1]}"


def run(args: argparse.Namespace, url: str) -> int:
    secret_key = secrets.token_urlsafe(50)
    os.environ["SECRET_KEY"] = secret_key  # before django.setup(): the server signs with the same key
    setup_django(url)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from harvesting.models import Opportunity, OpportunityStatus, RunStatus
    from harvesting.scanning import scan_start
    from portfolios.demo import DEMO_FIRM_SLUG, DEMO_PASSWORD
    from portfolios.models import Firm, TaxLot, User
    from portfolios.selectors import households_for_user

    print(f"database:                 {describe_database(url)}")
    setup: list[tuple[str, float]] = []
    for command in ("migrate", "load_prices", "seed_demo"):
        started = time.perf_counter()
        call_command(command, verbosity=0, stdout=io.StringIO(), stderr=io.StringIO())
        setup.append((command, time.perf_counter() - started))
    firm = Firm.objects.get(slug=DEMO_FIRM_SLUG)
    started = time.perf_counter()
    harvest_run = scan_start(firm=firm)
    setup.append(("scan", time.perf_counter() - started))
    harvest_run.refresh_from_db()
    if harvest_run.status != RunStatus.DONE:
        raise SystemExit(f"the firm-wide scan did not finish: {harvest_run.status}, error {harvest_run.error!r}")
    print("set-up (untimed):         " + ", ".join(f"{command} {seconds:.1f} s" for command, seconds in setup))

    maya = User.objects.get(email=MAYA)
    households = households_for_user(maya).annotate(lots=Count("accounts__lots")).order_by("-lots", "name")
    household = households.first()
    if household is None:
        raise SystemExit(f"{MAYA} serves no household")
    mine = households_for_user(maya)
    lots = TaxLot.objects.filter(account__household__in=mine).count()
    opportunities = Opportunity.objects.filter(household__in=mine, status=OpportunityStatus.OPEN).count()
    print(
        f"demo book:                {firm.name}: {firm.households.count()} households,"
        f" {harvest_run.opportunities_found} opportunities found by the scan"
    )
    print(
        f"signed in:                {MAYA}: {mine.count()} households, {lots} open lots, {opportunities} open"
        f" opportunities; household page: {household.name} ({household.lots} lots)"
    )
    pages = [
        Page("dashboard", reverse("reporting:dashboard"), "Your book"),
        Page("household", reverse("portfolios:household_detail", args=[household.pk]), html.escape(household.name)),
        Page("opportunities", reverse("harvesting:opportunities"), "Opportunities"),
    ]

    client = Client(HTTP_HOST="127.0.0.1")
    if not client.login(email=MAYA, password=DEMO_PASSWORD):
        raise SystemExit(f"{MAYA} could not sign in with the demo password")
    # A browser holds the CSRF cookie its first page set, besides the session: send both, as it does (the
    # pages' cached fragments are keyed by that cookie, since their forms carry tokens of it).
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.utils.crypto import get_random_string

    csrf_secret = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
    client.cookies[settings.CSRF_COOKIE_NAME] = csrf_secret
    cookie = (
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
        f"{settings.CSRF_COOKIE_NAME}={csrf_secret}"
    )
    connections.close_all()  # the server's workers are the database's only users while it is loaded

    loads: dict[str, Load] = {}
    with lua_script() as script, gunicorn(url, secret_key, args.workers, args.threads) as server:
        base = server.base
        checked = {page.label: check_page(base, page, cookie) for page in pages}
        print(
            "checked (200, heading):   "
            + ", ".join(
                f"{page.label} {page.path} {size / 1024:.0f} KiB in {ms:.0f} ms"
                for page, (size, ms) in zip(pages, checked.values(), strict=True)
            )
            + " (one cold request each)"
        )
        started = time.perf_counter()
        warm = {
            page.label: wrk(base, page, cookie, script, args.connections, args.warmup, args.timeout) for page in pages
        }
        print(
            f"warm-up (untimed):        {args.warmup:g} s of the same load per page ("
            + ", ".join(f"{label} {w.requests} requests" for label, w in warm.items())
            + f"); {time.perf_counter() - started:.1f} s"
        )
        print(
            f"timed:                    wrk -t2 -c{args.connections} -d{args.seconds:g}s --timeout={args.timeout:g}s"
            " --latency, one page after the other"
        )
        print(host_line("before the load"))
        for page in pages:
            cpu = workers_cpu_seconds(server.pid)
            load = wrk(base, page, cookie, script, args.connections, args.seconds, args.timeout)
            loads[page.label] = dataclasses.replace(load, cpu_seconds=workers_cpu_seconds(server.pid) - cpu)
        print(host_line("after the load"))

    print()
    print(
        f"{'page':<14} {'req/s':>7} {'p50 ms':>8} {'p90 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        f" {'errors':>6} {'non-2xx':>7} {'CPU ms/req':>10} {'CPUs used':>9}  p95 <= {TARGET_MS:.0f} ms"
    )
    for page in pages:
        load = loads[page.label]
        print(
            f"{page.label:<14} {load.rate:7.1f} {load.p50:8.1f} {load.p90:8.1f} {load.p95:8.1f} {load.p99:8.1f}"
            f" {load.max:8.1f} {load.errors:6d} {load.non2xx:7d} {load.cpu_ms:10.1f}"
            f" {load.cpu_seconds / load.seconds:9.2f}  {load.verdict()}"
        )
    print(
        f"(CPU: the {args.workers} gunicorn workers' user+system CPU during the load, per request and per second"
        f" of load, of the host's {os.cpu_count()} CPUs; wrk and the host's other processes had the rest)"
    )
    for page in pages:
        load = loads[page.label]
        if load.errors or load.non2xx:
            print(
                f"  {page.label}: {load.socket_errors} socket errors, {load.timeouts} timeouts (> {args.timeout:g} s),"
                f" {load.non2xx} non-2xx responses of which {load.redirects} redirects",
                file=sys.stderr,
            )
    rate = args.connections / (TARGET_MS / 1000)
    print(
        f"(budget: with {args.connections} requests always in flight, the mean latency is {args.connections} / the"
        f" requests per second (Little's law), so p95 <= {TARGET_MS:.0f} ms needs more than {rate:.0f} requests/s:"
        f" at most {1000 * (os.cpu_count() or 1) / rate:.1f} ms of CPU per request for the workers and wrk together,"
        f" on the host's {os.cpu_count()} CPUs with nothing else running)"
    )
    met = all(load.verdict() == "MET" for load in loads.values())
    print(f"ALL PAGES p95 <= {TARGET_MS:.0f} ms: {'MET' if met else 'MISSED'}")

    # In-process, one request at a time: what a request costs when it does not wait for others.
    print()
    print(
        f"in-process, one request at a time (test client, DEBUG off, server stopped; {args.serial} requests"
        " per page after one untimed):"
    )
    with override_settings(DEBUG=False):
        for page in pages:
            client.get(page.path)  # this process's caches, as the warm-up filled the workers'
            serial = serial_requests(client, page, args.serial)
            ms = serial.milliseconds
            queued = statistics.median(ms) * args.connections / args.workers
            print(
                f"  {page.label:<14} {statistics.median(ms):6.1f} ms median (best {min(ms):.1f}, worst {max(ms):.1f}),"
                f" {statistics.median(serial.cpu_milliseconds):.1f} ms CPU; {serial.statements} SQL statements,"
                f" {serial.database_ms:.1f} ms in the database driver;"
                f" x {args.connections} in flight / {args.workers} workers = {queued:.0f} ms"
            )
        chosen = [
            page
            for page in pages
            if args.profile == "all" or (args.profile == "missed" and loads[page.label].verdict() != "MET")
        ]
        for page in chosen:
            profile_page(client, page, args.profile_requests, args.top)
    connections.close_all()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=None,
        help="e.g. postgres://postgres@127.0.0.1:5432/taxharvest_bench_portal (created and dropped);"
        " default a new SQLite file",
    )
    parser.add_argument("--reuse-database", action="store_true", help="run on an existing PostgreSQL database")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="gunicorn workers (default: CPUs)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (default 1)")
    parser.add_argument("--connections", type=int, default=20, help="concurrent requests (wrk -c)")
    parser.add_argument("--seconds", type=float, default=15, help="timed load per page (wrk -d)")
    parser.add_argument("--warmup", type=float, default=3, help="untimed load per page before the timed load")
    parser.add_argument("--timeout", type=float, default=10, help="wrk's timeout per request, in seconds")
    parser.add_argument("--serial", type=int, default=10, help="in-process requests per page, one at a time")
    parser.add_argument("--profile", choices=("missed", "all", "none"), default="missed", help="pages to profile")
    parser.add_argument("--profile-requests", type=int, default=5, help="requests per page under cProfile")
    parser.add_argument("--top", type=int, default=25, help="functions to list in a profile")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None and not Path("/usr/bin/wrk").exists():
        raise SystemExit("wrk is not installed: apt-get install wrk")
    signal.signal(signal.SIGTERM, _terminated)
    os.chdir(ROOT)
    try:
        with fresh_database(args.database_url, args.reuse_database) as url:
            return run(args, url)
    except KeyboardInterrupt:
        print("interrupted: the server was stopped, and a database this run created was removed", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
