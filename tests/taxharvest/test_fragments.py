"""Cached page fragments: served again until what they show changes, never across browsers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse

from brokers.market_data import Tick
from portfolios.price_store import prices_ingest
from taxharvest.fragments import cached_fragment
from tests.portfolios.test_views import smiths_with_lots  # noqa: F401 (a fixture)


def request_with(cookie: str):  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/dashboard/?household=1")
    request.user = AnonymousUser()
    if cookie:
        request.META["CSRF_COOKIE"] = cookie
    return request


def test_a_fragment_is_rendered_once_per_version_and_browser():
    renders: list[int] = []
    version = [1]

    def render() -> str:
        renders.append(1)
        return f"<p>render {len(renders)}</p>"

    def fragment(cookie: str) -> str:
        return str(cached_fragment(request_with(cookie), "test", lambda: (version[0],), render))

    assert fragment("a" * 32) == "<p>render 1</p>"
    assert fragment("a" * 32) == "<p>render 1</p>"  # from the cache
    version[0] = 2
    assert fragment("a" * 32) == "<p>render 2</p>"  # the data changed
    assert fragment("b" * 32) == "<p>render 3</p>"  # another browser: its forms need its own CSRF tokens
    assert fragment("") == "<p>render 4</p>"  # no cookie yet: never cached
    assert fragment("") == "<p>render 5</p>"


@pytest.mark.django_db
def test_the_household_page_shows_a_new_price_at_once(alice, smiths_with_lots, settings):  # noqa: F811
    settings.MONITOR_ENABLED = False
    client = HttpClient()
    client.force_login(alice)
    client.cookies[settings.CSRF_COOKIE_NAME] = "c" * 32
    url = reverse("portfolios:household_detail", args=[smiths_with_lots.pk])
    assert "$125.67" in client.get(url).text
    assert "$125.67" in client.get(url).text  # served from the cache
    prices_ingest([Tick("AAPL", datetime(2022, 12, 29, 21, 0, tzinfo=UTC), Decimal("131.50"), intraday=False)])
    page = client.get(url).text
    assert "$131.50" in page
    assert "$125.67" not in page
