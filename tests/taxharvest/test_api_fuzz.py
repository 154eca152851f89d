"""Schemathesis against the API's own OpenAPI schema: no input, generated or extreme, makes the API answer 5xx.

The schema is fetched from /api/schema/ of the Django WSGI app, in-process, when the module is collected; every
operation becomes a test of its own, so pytest-xdist spreads them. Every request is alice's, with her bearer
token, against her Smith household: a portfolio with lots at a loss, prices, a tax profile and a finished scan.
Generated ids and names are swapped for those real ones now and then, and decimal strings for the largest the
schema allows, so the fuzzing reaches past the 400s and 404s into the work. Answers are also checked against
the response schemas. ``test_real_and_extreme_requests`` sends fixed requests: the brief's happy paths, whose
answers must conform in full, and the largest valid figures, which must not fail.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterator
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
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from harvesting.scanning import scan_start

HOST = "localhost"  # the Host schemathesis's WSGI transport sends
MAX_EXAMPLES = 100  # per operation, besides schemathesis's own coverage cases: about 30 s for the whole file


def _app() -> Callable[..., Any]:
    django_app = get_wsgi_application()

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        with override_settings(ALLOWED_HOSTS=[HOST]):
            return django_app(environ, start_response)

    return app


schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", _app())

DECIMAL = re.compile(r"\^(-\?)?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$")


def _decimal_extremes(raw: dict[str, Any]) -> dict[str, list[str]]:
    """The largest figures each request's decimal field allows by its pattern (``^-?\\d{0,16}(?:\\.\\d{0,2})?$``)."""
    extremes: dict[str, list[str]] = {}
    for name, component in raw.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):
            continue
        for field, definition in component.get("properties", {}).items():
            match = DECIMAL.fullmatch(definition.get("pattern", ""))
            if definition.get("format") == "decimal" and match:
                largest = f"{'9' * int(match[2])}.{'9' * int(match[3])}"
                extremes[field] = [largest, f"-{largest}"] if match[1] else [largest]
    return extremes


DECIMAL_EXTREMES = _decimal_extremes(schema.raw_schema)

REAL_IDS = ("portfolio_id", "client_id")
HOLDING = {"security_name": "AAPL", "quantity": "10", "cost_basis": "1800.00", "acquisition_date": "2021-06-01"}
# The real objects of the test in progress, for the hooks (set by the ``seeded`` fixture).
REAL: dict[str, Any] = {}


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: Any) -> st.SearchStrategy[Any]:
    if not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    real = {name: REAL[name] for name in ("portfolio_id", "client_id") if name in path_parameters and name in REAL}
    if not real:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, {**path_parameters, **real}])


DROPPED = object()


def _extreme_figures(values: dict[str, Any], *, keep: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Each field as generated, left out (but those to keep), or for a decimal string the largest it allows."""

    def choices(name: str, value: Any) -> st.SearchStrategy[Any]:
        options = [value]
        if isinstance(value, str) and name in DECIMAL_EXTREMES:
            options += DECIMAL_EXTREMES[name]
        if name not in keep:
            options.append(DROPPED)
        return st.sampled_from(options)

    return st.fixed_dictionaries({name: choices(name, value) for name, value in values.items()}).map(
        lambda drawn: {name: value for name, value in drawn.items() if value is not DROPPED}
    )


@schema.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    """The body as generated, or with real ids and a real security and, at random, the largest figures."""
    if not isinstance(body, dict) or not REAL:
        return st.just(body)
    real = {**body, **{name: REAL[name] for name in REAL_IDS if name in body}}
    holdings = body.get("holdings")
    if isinstance(holdings, list) and all(isinstance(h, dict) for h in holdings):
        rows = [
            _extreme_figures({**h, "client_id": REAL["client_id"], "security_name": "AAPL"}, keep=tuple(HOLDING))
            for h in holdings
        ]
        with_real = st.tuples(_extreme_figures(real, keep=REAL_IDS), st.tuples(*rows)).map(
            lambda parts: {**parts[0], "holdings": list(parts[1])}
        )
    else:
        with_real = _extreme_figures(real, keep=REAL_IDS)
    return st.one_of(st.just(body), with_real)


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
        found.append(traceback.format_exc())

    got_request_exception.connect(record, weak=False)
    yield found
    got_request_exception.disconnect(record)


@pytest.fixture
def no_throttling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fuzzing sends hundreds of requests a minute: throttled answers (429) would hide the endpoints."""
    rates = dict.fromkeys(SimpleRateThrottle.THROTTLE_RATES, "1000000/min")
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


@pytest.fixture
def seeded(
    alice, smiths_at_a_loss, jane, john, smith_taxable, smith_ira, securities, django_capture_on_commit_callbacks
) -> Iterator[dict[str, Any]]:
    """alice's Smith household: lots at a loss, prices, a tax profile and a finished scan."""
    with django_capture_on_commit_callbacks(execute=True):
        run = scan_start(firm=smiths_at_a_loss.firm, household=smiths_at_a_loss, requested_by=alice)
    REAL.update(portfolio_id=smith_taxable.pk, client_id=jane.external_id, run_id=run.pk)
    yield dict(REAL)
    REAL.clear()


@pytest.fixture
def api(
    alice, seeded, wsgi_in_test_transaction, no_throttling, server_errors
) -> Callable[[Any], schemathesis.Response]:
    """Send a case as alice and fail, with the request and Django's traceback, if the API answers 5xx."""
    token = {"Authorization": f"Bearer {RefreshToken.for_user(alice).access_token}"}

    def send(case: Any) -> schemathesis.Response:
        server_errors.clear()
        response = case.call(headers=token)
        if response.status_code >= 500 or server_errors:
            headers = {name: value for name, value in (case.headers or {}).items() if name != "Authorization"}
            body = None if isinstance(case.body, NotSet) else case.body
            pytest.fail(
                f"{case.method} {case.formatted_path} query={case.query!r} headers={headers!r} body={body!r}\n"
                f"answered {response.status_code}\n" + "\n".join(server_errors),
                pytrace=False,
            )
        return response

    return send


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_generated_request_makes_the_api_fail(case, api):
    response = api(case)
    # Answers are checked against their schemas; status_code_conformance is left out: the token endpoints
    # document only their 200, and GET /api/tax_profiles/{client_id} does not document its 400.
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


BIG = "9999999999999999.99"  # the largest figure the money fields' pattern allows
MOST_SHARES = "999999999999.99999999"  # the largest quantity

# (id, method, path, path parameters, query, body): "{portfolio_id}", "{client_id}" and "{run_id}" are the real ones.
HAPPY = [
    ("portfolio", "GET", "/api/portfolios/{portfolio_id}", {"portfolio_id": "{portfolio_id}"}, None, None),
    ("new_portfolio", "POST", "/api/portfolios", None, None, {"client_id": "{client_id}", "holdings": [HOLDING]}),
    ("tax_profile", "GET", "/api/tax_profiles/{client_id}", {"client_id": "{client_id}"}, None, None),
    (
        "brief_tax_profile",
        "POST",
        "/api/tax_profiles",
        None,
        None,
        {"client_id": "{client_id}", "tax_year": 2025, "tax_bracket": "0.32", "income": "250000", "capital_gains": "0"},
    ),
    ("analysis", "POST", "/api/tax_loss_harvesting", None, None, {"portfolio_id": "{portfolio_id}"}),
    (
        "recommendations",
        "GET",
        "/api/tax_loss_harvesting/{portfolio_id}",
        {"portfolio_id": "{portfolio_id}"},
        None,
        None,
    ),
    (
        "scan_results",
        "GET",
        "/api/tax_loss_harvesting/{portfolio_id}",
        {"portfolio_id": "{portfolio_id}"},
        {"run_id": "{run_id}"},
        None,
    ),
]


def _portfolio(*holdings: dict[str, str]) -> dict[str, Any]:
    return {"client_id": "{client_id}", "holdings": [{**HOLDING, **h} for h in holdings]}


def _profile(**fields: str) -> dict[str, Any]:
    return {"client_id": "{client_id}", "tax_year": 2025, **fields}


EXTREME = [
    ("largest_lot_cost", "POST", "/api/portfolios", None, None, _portfolio({"quantity": "1", "cost_basis": BIG})),
    (
        "two_largest_lot_costs",
        "POST",
        "/api/portfolios",
        None,
        None,
        _portfolio(*[{"quantity": "100000", "cost_basis": BIG}] * 2),
    ),
    ("most_shares", "POST", "/api/portfolios", None, None, _portfolio({"quantity": MOST_SHARES, "cost_basis": "1"})),
    ("largest_income", "POST", "/api/tax_profiles", None, None, _profile(income=BIG)),
    (
        "largest_wages_and_other_income",
        "POST",
        "/api/tax_profiles",
        None,
        None,
        _profile(wages=BIG, other_ordinary_income=BIG),
    ),
    ("largest_gains", "POST", "/api/tax_profiles", None, None, _profile(st_gains_realized=BIG, lt_gains_realized=BIG)),
    (
        "largest_losses",
        "POST",
        "/api/tax_profiles",
        None,
        None,
        _profile(st_gains_realized=f"-{BIG}", lt_gains_realized=f"-{BIG}"),
    ),
    ("largest_brief", "POST", "/api/tax_profiles", None, None, _profile(capital_gains=BIG, capital_losses=BIG)),
    (
        "largest_everything",
        "POST",
        "/api/tax_profiles",
        None,
        None,
        _profile(**dict.fromkeys(("wages", "other_ordinary_income", "itemized_deductions", "st_carryforward"), BIG)),
    ),
    ("largest_analysis_id", "POST", "/api/tax_loss_harvesting", None, None, {"portfolio_id": 2**63 - 1}),
    ("huge_portfolio_id", "GET", "/api/portfolios/{portfolio_id}", {"portfolio_id": 2**64}, None, None),
    (
        "huge_run_id",
        "GET",
        "/api/tax_loss_harvesting/{portfolio_id}",
        {"portfolio_id": "{portfolio_id}"},
        {"run_id": 2**63 - 1},
        None,
    ),
]


def _real(value: Any, real: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return real[value[1:-1]]
    if isinstance(value, dict):
        return {name: _real(item, real) for name, item in value.items()}
    if isinstance(value, list):
        return [_real(item, real) for item in value]
    return value


@pytest.mark.parametrize(
    ("method", "path", "path_parameters", "query", "body", "happy"),
    [pytest.param(*rest, True, id=name) for name, *rest in HAPPY]
    + [pytest.param(*rest, False, id=name) for name, *rest in EXTREME],
)
def test_real_and_extreme_requests(api, seeded, method, path, path_parameters, query, body, happy):
    case = schema[path][method].Case(
        path_parameters=_real(path_parameters, seeded),
        query=_real(query, seeded),
        **({"body": _real(body, seeded)} if body is not None else {}),
    )
    response = api(case)
    if happy:
        assert 200 <= response.status_code < 300, response.text
        checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    else:
        checks = [not_a_server_error, response_schema_conformance]
    case.validate_response(response, checks=checks)
