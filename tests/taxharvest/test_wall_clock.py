"""No part of the product reads the wall clock for market time: every such call is one of these, and each
is about the system's own time (audit stamps, debounce, worker timeouts, scheduling), never the market's."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portfolios", "harvesting", "brokers", "taxprofiles", "reporting", "taxharvest")
WALL_CLOCK = {("timezone", "now"), ("timezone", "localdate"), ("date", "today"), ("datetime", "now"), ("time", "time")}

# file -> functions allowed to read the wall clock, and why.
ALLOWED = {
    "brokers/market_clock.py": {"market_now", "_feed_time"},  # the clock itself: wall time when configured or live
    "brokers/feed.py": {"_feed_begin", "_feed_end", "_store"},  # when the feed process ran and stored (lag)
    "brokers/views.py": {"feed_status"},  # seconds since the feed's last batch arrived
    "brokers/admin.py": {"check_connections"},  # when a broker connection was last checked
    "taxprofiles/documents.py": {"document_apply"},  # when an advisor applied a return's figures
    # when a run started and finished; how long a run has waited for a worker (a lost task)
    "harvesting/scanning.py": {"scan_start", "scan_task", "scan_runs_lost"},
    "harvesting/monitoring.py": {"households_rescan", "monitor_due", "monitor_scan_task", "scan_claim", "scan_wait"},
    "harvesting/execution.py": {"_record", "_poll_later"},
    "taxharvest/backups.py": {"backup_create"},  # when a backup was made (its manifest's stamp)
    "taxharvest/idempotency.py": {
        "_stored"
    },  # when an API request's idempotency key expires  # when an order was submitted; when to poll again
    # when a report was generated; when a share link was made, expires, was revoked, is opened
    # and how long a report has waited for a worker (a lost task is queued again)
    "reporting/services.py": {
        "report_generate_task",
        "report_link_create",
        "report_link_revoke",
        "report_link_open",
        "reports_requeue_stuck",
    },
}


def wall_clock_calls() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text())
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(function):
                    if (
                        isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Attribute)
                        and isinstance(node.func.value, ast.Name)
                        and (node.func.value.id, node.func.attr) in WALL_CLOCK
                    ):
                        found.setdefault(str(path.relative_to(ROOT)), set()).add(function.name)
    return found


def test_only_system_time_reads_the_wall_clock() -> None:
    calls = wall_clock_calls()
    unexpected = {file: names - ALLOWED.get(file, set()) for file, names in calls.items()}
    assert {file: names for file, names in unexpected.items() if names} == {}


def test_the_allowlist_names_real_calls() -> None:
    """A stale entry would let a future market-time call slip in under its name."""
    calls = wall_clock_calls()
    assert {
        file: names - calls.get(file, set()) for file, names in ALLOWED.items() if names - calls.get(file, set())
    } == {}
