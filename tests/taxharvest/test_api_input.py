"""Hostile or oversized API input is a JSON 400 with a message, and every error under /api/ is JSON."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from taxharvest.api_parsers import MAX_DEPTH, json_depth
from tests.api_clients import bearer

FIFTY_MB = 50 * 1024 * 1024


def post_json(client: Client, path: str, body: bytes, **headers: str):
    return client.generic("POST", path, body, content_type="application/json", headers=headers)


def assert_json_error(response, status: int, words: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert words in response.json()["detail"]


@pytest.mark.django_db
def test_100000_nested_brackets_are_a_json_400_not_a_recursion_error():
    response = post_json(Client(), "/api/token", b"[" * 100_000)
    assert_json_error(response, 400, f"more than {MAX_DEPTH} levels deep")


def test_an_advisors_deeply_nested_portfolio_is_refused_with_a_message(alice):
    body = json.dumps({"name": "deep", "holdings": nested(MAX_DEPTH)}).encode()
    response = bearer(alice).generic("POST", "/api/portfolios", body, content_type="application/json")
    assert_json_error(response, 400, f"more than {MAX_DEPTH} levels deep")


def test_json_as_deep_as_the_limit_still_parses(alice):
    response = post_json(Client(), "/api/token", json.dumps(nested(MAX_DEPTH)).encode())
    # Parsed, then refused by the serializer as not an object with an email: a field error, not a depth error.
    assert response.status_code == 400
    assert "levels deep" not in response.content.decode()


@pytest.mark.django_db
def test_a_50_mb_body_is_a_json_400_naming_the_limit():
    response = post_json(Client(), "/api/token", b'{"email": "' + b"a" * FIFTY_MB + b'"}')
    assert_json_error(response, 400, f"larger than the limit of {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes")


def test_a_50_mb_body_read_before_the_parser_is_a_json_400_too(alice):
    """The Idempotency-Key fingerprint reads ``request.body``, where Django itself raises RequestDataTooBig."""
    body = b'{"name": "' + b"a" * FIFTY_MB + b'"}'
    response = bearer(alice).generic(
        "POST", "/api/portfolios", body, content_type="application/json", headers={"Idempotency-Key": "k1"}
    )
    assert_json_error(response, 400, "larger than the limit")


@pytest.mark.django_db
def test_a_path_no_endpoint_matches_is_a_json_404():
    assert_json_error(Client().get("/api/no-such-endpoint"), 404, "Not found.")


def test_a_method_an_endpoint_does_not_allow_is_a_json_405(alice):
    assert_json_error(bearer(alice).delete("/api/portfolios"), 405, "not allowed")


@pytest.mark.django_db
def test_a_crash_under_the_api_is_a_json_500(monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("taxharvest.api_auth.EmailTokenObtainView.post", crash)
    response = Client(raise_request_exception=False).post("/api/token", {}, content_type="application/json")
    assert_json_error(response, 500, "Server error")


@pytest.mark.django_db
def test_portal_pages_keep_their_html_error_pages():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_json_depth_counts_lists_and_objects():
    assert [json_depth(value) for value in (1, "s", [], {}, [[]], {"a": [{}]}, [1, [2, [3]]])] == [0, 0, 1, 1, 2, 3, 3]


def nested(depth: int) -> object:
    value: object = []
    for _ in range(depth - 1):
        value = [value]
    return value
