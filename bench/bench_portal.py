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
import functools
import html
import io
import os
import secrets
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Protocol, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _harness
from bench.bench_scan_demo import QueryCounter, fresh_database, profile_table, setup_django

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 150.0
MAYA = "maya.chen@harborview.example"

# wrk runs this in each of its threads (each has its own Lua state); ``done`` runs once, at the end, and
# reads the other threads' counters through the thread objects that ``setup`` kept. The $-names are where a
# benchmark adds its own lines (``lua``); the script both share counts the answers that are not 2xx.
LUA_TEMPLATE = string.Template(
    r"""
-- written by bench/$script for one run; removed at its end
${headers}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  redirects = 0
${init}end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if status >= 300 and status < 400 then
      redirects = redirects + 1
    end
${response}  end
end

function done(summary, latency, requests)
  local non, moved${locals} = 0, 0${values}
  for _, thread in ipairs(threads) do
    non = non + thread:get("non2xx")
    moved = moved + thread:get("redirects")
${gather}  end
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
${done}end
"""
)


def lua(script: str, headers: str, **added: str) -> str:
    """The wrk script: ``headers`` and the lines ``added`` (init, response, gather, done; each ends with a
    newline) in it; ``locals`` and ``values`` extend the ``local`` statement of ``done``."""
    places = dict.fromkeys(("init", "response", "locals", "values", "gather", "done"), "")
    places.update(added)
    return LUA_TEMPLATE.substitute(places, script=script, headers=headers)


LUA = lua("bench_portal.py", 'wrk.headers["Cookie"] = os.getenv("BENCH_PORTAL_COOKIE")\n')


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

    def verdict(self, target_ms: float = TARGET_MS) -> str:
        if self.errors or self.non2xx:
            return "MISSED (errors)"
        return "MET" if self.p95 <= target_ms else "MISSED"


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
    # With DEBUG off the pages name hashed static files from collectstatic's manifest (WhiteNoise serves them):
    # gather them first, as a deployment does (incremental: unchanged files are skipped on later runs).
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=server_environment(url, secret_key),
        check=True,
    )
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
def lua_script(text: str = LUA, prefix: str = "bench-portal-") -> Iterator[Path]:
    """The Lua script for wrk, in a temporary file removed at the end."""
    with tempfile.NamedTemporaryFile("w", prefix=prefix, suffix=".lua", delete=False) as file:
        file.write(text)
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


def fetch(url: str, headers: dict[str, str], timeout: float) -> tuple[int, Any, bytes, float]:
    """One plain request (redirects not followed): the status, the headers, the body and the milliseconds."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers=headers)
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=timeout) as response:
            status, answer, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, answer, body = error.code, error.headers, error.read()
    return status, answer, body, 1000 * (time.perf_counter() - started)


def check_page(base: str, page: Page, cookie: str) -> tuple[int, float]:
    """One plain request: 200 with the page's heading, or exit naming what came back.

    Returns the body's bytes and the milliseconds it took (the first request of a worker: cold).
    """
    status, headers, raw, ms = fetch(base + page.path, {"Cookie": cookie}, 60)
    body = raw.decode(errors="replace")
    location = "" if status == 200 else headers.get("Location", "")
    if status != 200:
        hint = " (the session cookie is not accepted)" if "/accounts/" in location else ""
        raise SystemExit(f"{page.label} {page.path} answered {status} {location}{hint}")
    if f"<h1>{page.heading}</h1>" not in body:
        raise SystemExit(f"{page.label} {page.path} answered 200 without <h1>{page.heading}</h1>")
    return len(raw), ms


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


class Target(Protocol):
    """A page or an endpoint: what the steps both benchmarks share read of it."""

    @property
    def label(self) -> str: ...

    @property
    def path(self) -> str: ...


T = TypeVar("T", bound=Target)
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Serial:
    milliseconds: list[float]
    cpu_milliseconds: list[float]
    statements: int
    database_ms: float


def serial_requests(client: Any, path: str, count: int, check: Callable[[int, Any], None]) -> Serial:
    """``count`` requests one after the other through the test client; the statements of the last one.

    ``check(i, response)`` exits when the ``i``-th answer is not what it should be.
    """
    from django.db import connection

    times, cpu = [], []
    counter = QueryCounter()
    for i in range(count):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(path)
            times.append(1000 * (time.perf_counter() - started))
            cpu.append(1000 * (time.process_time() - cpu_started))
        check(i, response)
    return Serial(times, cpu, counter.statements, 1000 * counter.seconds)


def check_served(page: Page, i: int, response: Any) -> None:
    """A page's in-process answer: 200, with its heading the first time."""
    if response.status_code != 200 or (i == 0 and f"<h1>{page.heading}</h1>" not in response.content.decode()):
        raise SystemExit(f"in-process {page.path} answered {response.status_code} without its heading")


def in_process(
    client: Any,
    targets: Sequence[T],
    args: argparse.Namespace,
    noun: str,
    width: int,
    check: Callable[[T, int, Any], None],
    missed: Callable[[T], bool],
    profile: Callable[[Any, T, int, int], None],
) -> None:
    """One request at a time through the test client (``DEBUG`` off, the server stopped), then the profiles.

    What a request costs when it does not wait for others: ``--serial`` requests per target after one
    untimed; then ``profile`` runs for the targets that ``--profile`` asks for (``missed``: the target).
    """
    from django.test.utils import override_settings

    print()
    print(
        f"in-process, one request at a time (test client, DEBUG off, server stopped; {args.serial} requests"
        f" per {noun} after one untimed):"
    )
    with override_settings(DEBUG=False):
        for target in targets:
            client.get(target.path)  # this process's caches, as the warm-up filled the workers'
            serial = serial_requests(client, target.path, args.serial, functools.partial(check, target))
            ms = serial.milliseconds
            queued = statistics.median(ms) * args.connections / args.workers
            print(
                f"  {target.label:<{width}} {statistics.median(ms):6.1f} ms median (best {min(ms):.1f},"
                f" worst {max(ms):.1f}), {statistics.median(serial.cpu_milliseconds):.1f} ms CPU;"
                f" {serial.statements} SQL statements, {serial.database_ms:.1f} ms in the database driver;"
                f" x {args.connections} in flight / {args.workers} workers = {queued:.0f} ms"
            )
        chosen = [
            target for target in targets if args.profile == "all" or (args.profile == "missed" and missed(target))
        ]
        for target in chosen:
            profile(client, target, args.profile_requests, args.top)


def profiled_requests(
    client: Any, target: Target, requests: int, decimals: int
) -> tuple[cProfile.Profile, SqlLog, float]:
    """``requests`` requests of the target under cProfile, with every SQL statement logged; the seconds they took."""
    from django.db import connection

    profiler = cProfile.Profile()
    log = SqlLog()
    with connection.execute_wrapper(log):
        started = time.perf_counter()
        profiler.enable()
        for _ in range(requests):
            client.get(target.path)
        profiler.disable()
        seconds = time.perf_counter() - started
    print()
    print(
        f"--- {target.label} ({target.path}) under cProfile: {requests} requests in {seconds:.3f} s,"
        f" {1000 * seconds / requests:.{decimals}f} ms each (the profiler's overhead inflates it)"
    )
    return profiler, log, seconds


def print_statements(log: SqlLog, requests: int, most: int) -> None:
    """The SQL statements per request and the ``most`` most repeated ones."""
    total = sum(log.statements.values())
    print()
    print(f"SQL statements: {total / requests:.0f} per request, {len(log.statements)} distinct; most repeated:")
    for sql, count in log.statements.most_common(most):
        shown = " ".join(sql.split())
        print(f"  {count / requests:6.1f} per request  {shown[:150]}{'...' if len(shown) > 150 else ''}")


def profile_page(client: Any, page: Page, requests: int, top: int) -> None:
    """Run ``requests`` requests of the page under cProfile: the time by phase and function, the SQL."""
    from django.urls import resolve

    profiler, log, seconds = profiled_requests(client, page, requests, 0)
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
    print_statements(log, requests, 5)


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


def start(url: str, environment: dict[str, str] | None = None) -> str:
    """A random ``SECRET_KEY`` and ``environment`` set, then ``django.setup()``; the database printed.

    Set before ``django.setup()``; the server inherits them (``server_environment`` copies ``os.environ``)
    and signs with the same key. Returns the key.
    """
    secret_key = secrets.token_urlsafe(50)
    os.environ["SECRET_KEY"] = secret_key  # before django.setup(): the server signs with the same key
    os.environ.update(environment or {})
    setup_django(url)
    print(f"database:                 {describe_database(url)}")
    return secret_key


def demo_book() -> tuple[Any, Any]:
    """Untimed: ``migrate``, ``load_prices``, ``seed_demo``, a firm-wide scan inline; the demo firm and the run."""
    from django.core.management import call_command

    from harvesting.models import RunStatus
    from harvesting.scanning import scan_start
    from portfolios.demo import DEMO_FIRM_SLUG
    from portfolios.models import Firm

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
    return firm, harvest_run


def warm_and_time(
    targets: Sequence[T],
    noun: str,
    args: argparse.Namespace,
    warm: Callable[[T], int],
    timed: Callable[[T], R],
) -> dict[str, R]:
    """The untimed warm-up (``warm`` returns its requests), then the timed load of each target, one after the other.

    The host's load average and the reference loop are printed before and after the timed load.
    """
    started = time.perf_counter()
    warmed = {target.label: warm(target) for target in targets}
    print(
        f"warm-up (untimed):        {args.warmup:g} s of the same load per {noun} ("
        + ", ".join(f"{label} {requests} requests" for label, requests in warmed.items())
        + f"); {time.perf_counter() - started:.1f} s"
    )
    print(
        f"timed:                    wrk -t2 -c{args.connections} -d{args.seconds:g}s --timeout={args.timeout:g}s"
        f" --latency, one {noun} after the other"
    )
    print(host_line("before the load"))
    results = {target.label: timed(target) for target in targets}
    print(host_line("after the load"))
    return results


def table_header(noun: str, width: int) -> str:
    """The columns the two benchmarks' tables share (each adds its own after them)."""
    return (
        f"{noun:<{width}} {'req/s':>7} {'p50 ms':>8} {'p90 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        f" {'errors':>6} {'non-2xx':>7} {'CPU ms/req':>10} {'CPUs used':>9}"
    )


def table_row(label: str, width: int, load: Load) -> str:
    return (
        f"{label:<{width}} {load.rate:7.1f} {load.p50:8.1f} {load.p90:8.1f} {load.p95:8.1f} {load.p99:8.1f}"
        f" {load.max:8.1f} {load.errors:6d} {load.non2xx:7d} {load.cpu_ms:10.1f}"
        f" {load.cpu_seconds / load.seconds:9.2f}"
    )


def print_cpu_note(workers: int, rest: str) -> None:
    """The note under the table on its CPU columns: the workers' CPU, then ``rest`` on the benchmark's own."""
    print(
        f"(CPU: the {workers} gunicorn workers' user+system CPU during the load, per request and per second"
        f" of load, of the host's {os.cpu_count()} CPUs; {rest}"
    )


def print_errors(label: str, load: Load, timeout: float, detail: str) -> None:
    """On stderr: a target's socket errors, timeouts and answers that are not 2xx, then ``detail`` on the latter."""
    print(
        f"  {label}: {load.socket_errors} socket errors, {load.timeouts} timeouts (> {timeout:g} s),"
        f" {load.non2xx} non-2xx responses{detail}",
        file=sys.stderr,
    )


def print_budget(connections: int, target_ms: float) -> None:
    """What the target allows: the requests per second it needs, and so the CPU per request on this host."""
    rate = connections / (target_ms / 1000)
    print(
        f"(budget: with {connections} requests always in flight, the mean latency is {connections} / the"
        f" requests per second (Little's law), so p95 <= {target_ms:.0f} ms needs more than {rate:.0f} requests/s:"
        f" at most {1000 * (os.cpu_count() or 1) / rate:.1f} ms of CPU per request for the workers and wrk together,"
        f" on the host's {os.cpu_count()} CPUs with nothing else running)"
    )


def run(args: argparse.Namespace, url: str) -> int:
    secret_key = start(url)
    from django.conf import settings
    from django.db import connections
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from harvesting.models import Opportunity, OpportunityStatus
    from portfolios.demo import DEMO_PASSWORD
    from portfolios.models import TaxLot, User
    from portfolios.selectors import households_for_user

    firm, harvest_run = demo_book()

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

        def timed(page: Page) -> Load:
            cpu = workers_cpu_seconds(server.pid)
            load = wrk(base, page, cookie, script, args.connections, args.seconds, args.timeout)
            return dataclasses.replace(load, cpu_seconds=workers_cpu_seconds(server.pid) - cpu)

        loads = warm_and_time(
            pages,
            "page",
            args,
            lambda page: wrk(base, page, cookie, script, args.connections, args.warmup, args.timeout).requests,
            timed,
        )

    print()
    print(table_header("page", 14) + f"  p95 <= {TARGET_MS:.0f} ms")
    for page in pages:
        load = loads[page.label]
        print(table_row(page.label, 14, load) + f"  {load.verdict()}")
    print_cpu_note(args.workers, "wrk and the host's other processes had the rest)")
    for page in pages:
        load = loads[page.label]
        if load.errors or load.non2xx:
            print_errors(page.label, load, args.timeout, f" of which {load.redirects} redirects")
    print_budget(args.connections, TARGET_MS)
    met = all(load.verdict() == "MET" for load in loads.values())
    print(f"ALL PAGES p95 <= {TARGET_MS:.0f} ms: {'MET' if met else 'MISSED'}")

    in_process(
        client, pages, args, "page", 14, check_served, lambda page: loads[page.label].verdict() != "MET", profile_page
    )
    connections.close_all()
    return 0


def bench_main(
    argv: list[str] | None,
    doc: str,
    run: Callable[[argparse.Namespace, str], int],
    *,
    noun: str,
    database: str,
    serial: int,
    profile_requests: int,
) -> int:
    """The command line both benchmarks share (with their own nouns and defaults), then ``run`` on a fresh database.

    Checks that wrk is installed, turns SIGTERM into an exit that stops the server and removes the database.
    """
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=None,
        help=f"e.g. postgres://postgres@127.0.0.1:5432/{database} (created and dropped); default a new SQLite file",
    )
    parser.add_argument("--reuse-database", action="store_true", help="run on an existing PostgreSQL database")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="gunicorn workers (default: CPUs)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (default 1)")
    parser.add_argument("--connections", type=int, default=20, help="concurrent requests (wrk -c)")
    parser.add_argument("--seconds", type=float, default=15, help=f"timed load per {noun} (wrk -d)")
    parser.add_argument("--warmup", type=float, default=3, help=f"untimed load per {noun} before the timed load")
    parser.add_argument("--timeout", type=float, default=10, help="wrk's timeout per request, in seconds")
    parser.add_argument("--serial", type=int, default=serial, help=f"in-process requests per {noun}, one at a time")
    parser.add_argument("--profile", choices=("missed", "all", "none"), default="missed", help=f"{noun}s to profile")
    parser.add_argument(
        "--profile-requests", type=int, default=profile_requests, help=f"requests per {noun} under cProfile"
    )
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


def main(argv: list[str] | None = None) -> int:
    return bench_main(
        argv, __doc__, run, noun="page", database="taxharvest_bench_portal", serial=10, profile_requests=5
    )


if __name__ == "__main__":
    sys.exit(main())
