"""Schemathesis against the API's own OpenAPI schema: no generated input may make any endpoint answer 5xx.

The schema is fetched from /api/schema/ of the Django WSGI app, in-process, when the module is collected; each
operation becomes a test of its own (so pytest-xdist spreads them). Every request is alice's, with her bearer
token, against a Smith household that has a portfolio with lots at a loss, a tax profile and a finished scan,
and the hooks below swap the generated ids for those real ones now and then, so that the happy paths are
fuzzed as well as the 400s and 404s. ``test_real_objects_answer_as_the_schema_says`` checks the answers about
real objects against the schema.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.signals import got_request_exception, request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test.utils import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error

from harvesting.models import HarvestRun
from harvesting.scanning import scan_start
from portfolios.importers import ledger_import
from portfolios.models import Account
from taxprofiles.models import TaxProfile
from tests.factories import PriceFactory

HOST = "localhost"  # what schemathesis's WSGI transport sends as Host


def _app() -> Any:
    django_app = get_wsgi_application()

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        # The test database lives in the test's transaction: a request must not close the connection.
        with override_settings(ALLOWED_HOSTS=[HOST]):
            return django_app(environ, start_response)

    return app


def _schema() -> Any:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", _app())
    return schema


schema = _schema()

# The real objects of the test in progress, for the hooks to use (set by the ``seeded`` fixture).
REAL: dict[str, Any] = {}


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    real = {}
    if not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    if "portfolio_id" in path_parameters and "portfolio_id" in REAL:
        real = {"portfolio_id": REAL["portfolio_id"]}
    elif "client_id" in path_parameters and "client_id" in REAL:
        real = {"client_id": REAL["client_id"]}
    if not real:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, {**path_parameters, **real}])


@schema.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    if not isinstance(body, dict):
        return st.just(body)
    real = {name: REAL[name] for name in ("portfolio_id", "client_id") if name in body and name in REAL}
    holdings = body.get("holdings")
    if isinstance(holdings, list) and holdings and all(isinstance(h, dict) for h in holdings):
        real["holdings"] = [{**h, "client_id": REAL.get("client_id"), "security_name": "AAPL"} for h in holdings]
    if not real:
        return st.just(body)
    return st.sampled_from([body, {**body, **real}])


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    """Keep Django's request signals from closing the test's connection, as its test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def server_errors() -> Iterator[list[str]]:
    """The tracebacks of the exceptions that made Django answer 500."""
    found: list[str] = []

    def record(sender: Any, request: Any = None, **kwargs: Any) -> None:
        found.append(f"{getattr(request, 'method', '?')} {getattr(request, 'path', '?')}\n{traceback.format_exc()}")

    got_request_exception.connect(record, weak=False)
    yield found
    got_request_exception.disconnect(record)


@pytest.fixture
def no_throttling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fuzzing sends hundreds of requests a minute: throttled (429) answers would hide the endpoints."""
    rates = dict(SimpleRateThrottle.THROTTLE_RATES)
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {scope: "100000/min" for scope in rates})


@pytest.fixture
def seeded(
    alice, smiths, jane, john, smith_taxable, smith_ira, securities, django_capture_on_commit_callbacks
) -> Iterator[dict[str, Any]]:
    """alice's Smith household: lots at a loss, prices, a tax profile and a finished scan."""
    ledger_import(
        household=smiths,
        filename="l.csv",
        content=b"account,account_type,date,action,symbol,quantity,price,lot\n"
        b"SM-T,taxable,2022-01-03,buy,AAPL,100,180,A1\n"
        b"SM-T,taxable,2022-01-03,buy,MSFT,50,330,M1\n"
        b"SM-IRA,traditional_ira,2022-02-01,buy,AAPL,10,170,\n",
        today=date(2026, 1, 1),
    )
    for day in range(1, 29):
        for symbol, start in (("AAPL", 140), ("MSFT", 240)):
            PriceFactory(
                security=securities[symbol],
                timestamp=datetime(2022, 12, day, 21, 0, tzinfo=UTC),
                price=Decimal(start + (day % 5) - 2 * (day % 3)),
            )
    TaxProfile.objects.create(
        household=smiths, tax_year=2025, filing_status="married_joint", wages=Decimal("400000"),
        st_gains_realized=Decimal("30000"), state="NY",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        run = scan_start(firm=smiths.firm, household=smiths, requested_by=alice)
    run.refresh_from_db()
    real = {"portfolio_id": smith_taxable.pk, "client_id": jane.external_id, "run_id": run.pk}
    REAL.clear()
    REAL.update(real)
    yield real
    REAL.clear()


@pytest.fixture
def alice_token(alice) -> dict[str, str]:
    return {"Authorization": f"Bearer {RefreshToken.for_user(alice).access_token}"}


@schema.parametrize()
@settings(
    max_examples=int(__import__("os").environ.get("FUZZ_N", "40")),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_generated_request_makes_the_api_fail(
    case, seeded, alice_token, wsgi_in_test_transaction, no_throttling, server_errors
):
    response = case.call(headers=alice_token)
    assert not server_errors, "\n".join(server_errors)
    import json, os

    with open(os.environ["FUZZ_LOG"] + ".all", "a") as f:
        f.write(json.dumps([case.operation.label, response.status_code]) + "\n")
    from schemathesis.core.failures import FailureGroup

    try:
        case.validate_response(response)
    except FailureGroup as group:
        with open(os.environ["FUZZ_LOG"], "a") as f:
            for exc in group.exceptions:
                f.write(
                    json.dumps(
                        {
                            "op": case.operation.label,
                            "title": getattr(exc, "title", str(type(exc))),
                            "status": response.status_code,
                            "ctype": str(response.headers.get("Content-Type") or response.headers.get("content-type")),
                            "method": case.method,
                            "path": case.formatted_path,
                            "query": case.query,
                            "body": repr(case.body)[:300],
                            "hdr": {k: v for k, v in (case.headers or {}).items() if k != "Authorization"},
                            "resp": response.text[:200],
                            "msg": str(exc)[:300],
                        }
                    )
                    + "\n"
                )
