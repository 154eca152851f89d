"""Sign-in security: one failed-login limit for the portal and /api/token, counted per account and per real client
address, and API tokens that stop working once what they were issued for has changed.

The suite runs with allauth's limits off (settings_test.py); the tests of the limits turn the portal's own on.
alice is an advisor, carol another; bob is the firm admin, with his authenticator app (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.test import Client as HttpClient
from django.test import RequestFactory, override_settings
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from portfolios.models import Household, Role, User
from taxharvest import settings as production_settings
from taxharvest.api_auth import LOCKED_OUT
from taxharvest.api_permissions import TOKEN_REVOKED
from taxharvest.client_ip import client_ip
from taxharvest.mfa import TWO_FACTOR_FIRST
from tests.taxharvest.test_mfa import totp_code, with_authenticator_app

PASSWORD = "correct horse battery staple"
PORTAL_LIMITS = override_settings(ACCOUNT_RATE_LIMITS=production_settings.ACCOUNT_RATE_LIMITS)
PROXIES = ["10.0.0.0/8", "192.0.2.1"]


@pytest.fixture(autouse=True)
def _fresh_counts() -> Iterator[None]:
    """Start every test with no failed sign-ins and no throttle counts (both live in the cache)."""
    cache.clear()
    yield
    cache.clear()


def token(email: str, password: str = PASSWORD, *, code: str | None = None, **request: str):
    """POST /api/token; ``request`` sets the request's META (``REMOTE_ADDR``, ``HTTP_X_FORWARDED_FOR``)."""
    body = {"email": email, "password": password, **({"code": code} if code is not None else {})}
    return APIClient().post("/api/token", body, format="json", **request)


def portal_sign_in(email: str, password: str = PASSWORD, **request: str) -> HttpClient:
    client = HttpClient()
    client.post(reverse("account_login"), {"login": email, "password": password}, **request)
    return client


def signed_in(client: HttpClient) -> bool:
    return "_auth_user_id" in client.session


def with_password(*users: User) -> None:
    for user in users:
        user.set_password(PASSWORD)
        user.save()


def bearer_get(access: str, path: str):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return api.get(path)


def refresh(refresh_token: str):
    return APIClient().post("/api/token/refresh", {"refresh": refresh_token}, format="json")


# The real client address


@pytest.mark.parametrize(
    ("remote_addr", "forwarded_for", "client"),
    [
        ("203.0.113.9", "", "203.0.113.9"),
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # not a proxy of ours: its header counts for nothing
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the left one is the client's own say
        ("10.0.0.2", "6.6.6.6, 198.51.100.1, 192.0.2.1, 10.1.2.3", "198.51.100.1"),  # through three proxies
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", "not-an-address", "10.0.0.2"),
        ("10.0.0.2", "10.0.0.7, 10.0.0.8", "10.0.0.7"),  # only proxies: the farthest is as close as we get
        ("::ffff:10.0.0.2", "198.51.100.1", "198.51.100.1"),  # an IPv4 peer on a dual-stack socket
    ],
)
@override_settings(TRUSTED_PROXIES=PROXIES)
def test_the_client_is_the_right_most_address_that_is_not_a_trusted_proxy(remote_addr, forwarded_for, client):
    request = RequestFactory().get("/", REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip(request) == client


def test_without_trusted_proxies_x_forwarded_for_is_ignored():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_ip(request) == "10.0.0.2"


def test_rotating_x_forwarded_for_from_an_untrusted_client_still_gets_429(alice):
    statuses = [
        token("alice@acme.example", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(40)
    ]
    assert statuses == [401] * 10 + [429] * 30


@PORTAL_LIMITS
def test_rotating_x_forwarded_for_and_emails_still_hit_the_portals_limit_per_address(db):
    for n in range(10):
        portal_sign_in(f"nobody{n}@acme.example", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = HttpClient().post(
        reverse("account_login"),
        {"login": "nobody10@acme.example", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.10",
    )
    assert "Too many failed login attempts" in response.text


@override_settings(TRUSTED_PROXIES=PROXIES)
def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_on_its_own(alice):
    via_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = [
        token("alice@acme.example", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.1", **via_proxy).status_code
        for _ in range(11)
    ]
    assert first == [401] * 10 + [429]
    other = token("alice@acme.example", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.2", **via_proxy)
    assert other.status_code == 401


# One lockout for the portal and the API


@PORTAL_LIMITS
def test_an_account_locked_out_of_the_portal_gets_no_token(alice, carol):
    with_password(alice, carol)
    for _ in range(5):
        assert not signed_in(portal_sign_in("alice@acme.example", "wrong", REMOTE_ADDR="203.0.113.1"))
    # From another address, with the right password: the account itself is locked.
    refused = token("alice@acme.example", REMOTE_ADDR="203.0.113.2")
    assert (refused.status_code, refused.json()) == (429, {"detail": LOCKED_OUT})
    assert not signed_in(portal_sign_in("alice@acme.example", REMOTE_ADDR="203.0.113.2"))
    # Another account from the same addresses is not locked.
    assert token("carol@acme.example", REMOTE_ADDR="203.0.113.2").status_code == 200
    assert signed_in(portal_sign_in("carol@acme.example", REMOTE_ADDR="203.0.113.1"))


@PORTAL_LIMITS
def test_guessing_through_the_api_locks_the_portal_sign_in_of_that_account_only(alice, carol):
    with_password(alice, carol)
    statuses = [token("Alice@Acme.example", "wrong", REMOTE_ADDR=f"203.0.113.{n}").status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]
    assert not signed_in(portal_sign_in("alice@acme.example", REMOTE_ADDR="203.0.113.50"))
    assert signed_in(portal_sign_in("carol@acme.example", REMOTE_ADDR="203.0.113.50"))


@PORTAL_LIMITS
def test_a_successful_sign_in_does_not_count_against_the_limit(alice):
    with_password(alice)
    for n in range(8):
        assert token("alice@acme.example", REMOTE_ADDR=f"203.0.113.{n}").status_code == 200


@PORTAL_LIMITS
def test_wrong_authenticator_codes_lock_the_account_in_the_api_too(bob):
    with_password(bob)
    statuses = [token("bob@acme.example", code="000000", REMOTE_ADDR=f"203.0.113.{n}").status_code for n in range(6)]
    assert statuses[-1] == 429
    secret = Authenticator.objects.get(user=bob, type=Authenticator.Type.TOTP).data["secret"]
    assert token("bob@acme.example", code=totp_code(secret), REMOTE_ADDR="203.0.113.99").status_code == 429


# Tokens end when what they were issued for changes


@pytest.fixture
def alices_tokens(alice: User, smiths: Household) -> dict[str, str]:
    with_password(alice)
    tokens = token("alice@acme.example").json()
    assert bearer_get(tokens["access"], "/api/tax_profiles/NOBODY").status_code == 404  # the token works
    return tokens


def assert_revoked(tokens: dict[str, str]) -> None:
    response = bearer_get(tokens["access"], "/api/tax_profiles/NOBODY")
    assert (response.status_code, response.json()["detail"]) == (401, TOKEN_REVOKED)
    assert refresh(tokens["refresh"]).status_code == 401


def test_a_token_survives_other_saves_and_a_second_sign_in(alice, alices_tokens):
    alice.first_name = "Alicia"
    alice.save()
    assert token("alice@acme.example").status_code == 200  # records last_login
    assert bearer_get(alices_tokens["access"], "/api/tax_profiles/NOBODY").status_code == 404
    assert refresh(alices_tokens["refresh"]).status_code == 200


def test_a_token_stops_working_after_a_password_change(alice, alices_tokens):
    alice.set_password("a brand new passphrase")
    alice.save()
    assert_revoked(alices_tokens)


def test_a_token_stops_working_after_a_password_change_in_the_portal(alice, alices_tokens):
    client = HttpClient()
    client.force_login(alice)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "a brand new passphrase", "password2": "a brand new passphrase"},
    )
    assert response.status_code == 302
    assert_revoked(alices_tokens)


def test_a_token_issued_before_a_promotion_to_firm_admin_is_refused(alice, alices_tokens):
    alice.role = Role.FIRM_ADMIN
    alice.save()
    assert_revoked(alices_tokens)
    # Nor can she get a new one, or use one however made, until she sets up two-factor sign-in.
    refused = token("alice@acme.example")
    assert (refused.status_code, refused.json()["detail"]) == (403, TWO_FACTOR_FIRST)
    current = RefreshToken.for_user(alice)
    current["token_version"] = User.objects.get(pk=alice.pk).token_version
    response = bearer_get(str(current.access_token), "/api/tax_profiles/NOBODY")
    assert (response.status_code, response.json()["detail"]) == (403, TWO_FACTOR_FIRST)


def test_a_firm_admin_promoted_without_save_still_needs_two_factor(alice, smiths):
    """``QuerySet.update`` bypasses ``User.save``: the request-time two-factor check still holds."""
    with_password(alice)
    tokens = token("alice@acme.example").json()
    User.objects.filter(pk=alice.pk).update(role=Role.FIRM_ADMIN)
    response = bearer_get(tokens["access"], "/api/tax_profiles/NOBODY")
    assert (response.status_code, response.json()["detail"]) == (403, TWO_FACTOR_FIRST)


def test_a_token_stops_working_after_deactivation_and_stays_dead_after_reactivation(alice, alices_tokens):
    alice.is_active = False
    alice.save()
    assert bearer_get(alices_tokens["access"], "/api/tax_profiles/NOBODY").status_code == 401
    alice.is_active = True
    alice.save()
    assert_revoked(alices_tokens)


def test_a_token_stops_working_when_the_authenticator_app_is_removed(alice, smiths):
    with_password(alice)
    secret = with_authenticator_app(alice)
    tokens = token("alice@acme.example", code=totp_code(secret)).json()
    assert bearer_get(tokens["access"], "/api/tax_profiles/NOBODY").status_code == 404
    Authenticator.objects.filter(user=alice, type=Authenticator.Type.TOTP).delete()
    assert_revoked(tokens)


def test_tokens_carry_the_version_and_a_refreshed_access_token_keeps_it(alice, alices_tokens):
    fresh = refresh(alices_tokens["refresh"]).json()["access"]
    assert bearer_get(fresh, "/api/tax_profiles/NOBODY").status_code == 404
    alice.set_password("a brand new passphrase")
    alice.save()
    assert bearer_get(fresh, "/api/tax_profiles/NOBODY").status_code == 401
