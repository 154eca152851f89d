"""Two-factor sign-in: anyone may use an authenticator app, firm admins must, and the admin cannot go around it.

The firm admin here is erin, made without an authenticator app, and codes come from allauth's own TOTP functions
applied to the secret the activation page shows.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse

from portfolios.models import Firm, Role, User
from taxharvest import settings as production_settings
from taxharvest.mfa import FirmAdminTwoFactorMiddleware
from tests.factories import UserFactory

ACTIVATE_URL = reverse("mfa_activate_totp")


@pytest.fixture
def erin(acme: Firm) -> User:
    """A firm admin of Acme who has not set up an authenticator app."""
    return UserFactory(firm=acme, email="erin@acme.example", role=Role.FIRM_ADMIN, is_staff=True)


@pytest.fixture
def root(db: None) -> User:
    return UserFactory(firm=None, email="root@platform.example", is_staff=True, is_superuser=True)


def signed_in(user: User) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


def totp_code(secret: str) -> str:
    """Return the code an authenticator app shows for ``secret`` now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def wrong_totp_code(secret: str) -> str:
    """Return a well-formed code that is not valid for ``secret`` in any window allauth accepts."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    valid = {format_hotp_value(hotp_value(secret, counter + step)) for step in range(-2, 3)}
    return next(code for code in ("123456", "654321", "000000") if code not in valid)


def with_authenticator_app(user: User) -> str:
    """Set up an authenticator app for ``user`` and return its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def sign_in_with_password(client: HttpClient, user: User) -> HttpResponse:
    return client.post(reverse("account_login"), {"login": user.email, "password": "pw"})


def test_an_advisor_signs_in_without_two_factor_and_is_not_asked_to_set_it_up(alice, smiths):
    client = HttpClient()
    response = sign_in_with_password(client, alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolios:household_list")
    page = client.get(reverse("portfolios:household_list"))
    assert page.status_code == 200
    assert "Smith Family" in page.text


@pytest.mark.parametrize("persona", ["erin", "root"])
@pytest.mark.parametrize(
    "url_name", ["portfolios:household_list", "admin:index", "admin:portfolios_household_changelist"]
)
def test_a_firm_admin_without_an_authenticator_app_is_sent_to_set_one_up(persona, url_name, request):
    client = signed_in(request.getfixturevalue(persona))
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"] == ACTIVATE_URL


def test_an_htmx_request_of_a_firm_admin_without_an_authenticator_app_redirects_the_whole_page(erin, smiths):
    response = signed_in(erin).get(reverse("portfolios:household_list"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == ACTIVATE_URL
    assert "Smith Family" not in response.text


def test_a_firm_admin_without_an_authenticator_app_can_still_use_the_account_pages_and_sign_out(erin):
    client = signed_in(erin)
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("account_change_password")).status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    client = signed_in(erin)
    assert client.post(reverse("admin:logout")).status_code == 200
    assert "_auth_user_id" not in client.session


def test_static_files_are_never_held_back(erin):
    request = RequestFactory().get("/static/css/app.css")
    request.user = erin
    middleware = FirmAdminTwoFactorMiddleware(lambda request: HttpResponse("css"))
    assert middleware.process_view(request, lambda request: HttpResponse("css"), (), {}) is None


def test_a_firm_admin_sets_up_the_app_with_a_real_code_and_then_reaches_the_admin(erin, smiths):
    # Nobody's email is ever verified here (no sign-up); allauth must not refuse two-factor for it.
    EmailAddress.objects.create(user=erin, email=erin.email, verified=False, primary=True)
    client = HttpClient()
    response = client.post(reverse("account_login"), {"login": erin.email, "password": "pw"}, follow=True)
    # Straight from the password to the app's setup, by way of allauth's password check before adding a factor.
    urls = [urlsplit(url) for url, _ in response.redirect_chain]
    assert [url.path for url in urls] == [
        reverse("portfolios:household_list"),
        ACTIVATE_URL,
        reverse("account_reauthenticate"),
    ]
    assert parse_qs(urls[-1].query) == {"next": [ACTIVATE_URL]}
    assert "Enter your password" in response.text
    response = client.post(response.redirect_chain[-1][0], {"password": "pw"})
    assert response["Location"] == ACTIVATE_URL

    page = client.get(ACTIVATE_URL)
    assert page.status_code == 200
    assert "Firm admins must sign in with a code from an authenticator app" in page.text
    assert 'src="data:image/svg+xml;base64,' in page.text
    secret = re.search(r'id="authenticator_secret" type="text" value="([A-Z2-7]+)"', page.text).group(1)
    assert secret == client.session["mfa.totp.secret"]

    refused = client.post(ACTIVATE_URL, {"code": wrong_totp_code(secret)})
    assert refused.status_code == 200
    assert "Incorrect code." in refused.text
    assert not Authenticator.objects.filter(user=erin).exists()

    response = client.post(ACTIVATE_URL, {"code": totp_code(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    response = client.get(response["Location"])
    assert len(re.findall(r"<li><code>\d{8}</code></li>", response.text)) == mfa_settings.RECOVERY_CODE_COUNT
    assert set(Authenticator.objects.filter(user=erin).values_list("type", flat=True)) == {
        Authenticator.Type.TOTP,
        Authenticator.Type.RECOVERY_CODES,
    }
    assert client.get(reverse("admin:portfolios_household_changelist")).status_code == 200
    assert "Smith Family" in client.get(reverse("portfolios:household_list")).text


@pytest.mark.parametrize(("persona", "then"), [("alice", "portfolios:household_list"), ("erin", "admin:index")])
def test_signing_in_with_an_authenticator_app_takes_a_valid_code(persona, then, request, smiths):
    user = request.getfixturevalue(persona)
    secret = with_authenticator_app(user)
    client = HttpClient()
    response = sign_in_with_password(client, user)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse(then)).status_code == 302

    refused = client.post(reverse("mfa_authenticate"), {"code": wrong_totp_code(secret)})
    assert refused.status_code == 200
    assert "Incorrect code." in refused.text
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse(then)).status_code == 200


def test_the_admin_login_page_sends_you_to_sign_in_with_next_kept(db):
    client = HttpClient()
    response = client.get(reverse("admin:login"), {"next": "/admin/portfolios/household/"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("account_login")
    assert parse_qs(location.query) == {"next": ["/admin/portfolios/household/"]}

    chain = client.get(reverse("admin:index"), follow=True).redirect_chain
    assert urlsplit(chain[-1][0]).path == reverse("account_login")
    assert parse_qs(urlsplit(chain[-1][0]).query) == {"next": [reverse("admin:index")]}


def test_the_admin_login_form_does_not_accept_a_password(erin):
    client = HttpClient()
    response = client.post(reverse("admin:login"), {"username": erin.email, "password": "pw"})
    assert urlsplit(response["Location"]).path == reverse("account_login")
    assert "_auth_user_id" not in client.session


def test_the_admin_login_page_lets_signed_in_staff_through_and_refuses_advisors(erin, alice):
    with_authenticator_app(erin)
    response = signed_in(erin).get(reverse("admin:login"), {"next": "/admin/portfolios/household/"})
    assert response["Location"] == "/admin/portfolios/household/"
    assert signed_in(erin).get(reverse("admin:login"), {"next": "https://evil.example/"})["Location"] == reverse(
        "admin:index"
    )
    # Sending a signed-in advisor to sign in would bounce them straight back here.
    assert signed_in(alice).get(reverse("admin:login")).status_code == 403


@pytest.fixture
def login_throttle(settings):
    """Turn the production throttle back on (the test settings turn it off) with a clean count."""
    settings.ACCOUNT_RATE_LIMITS = production_settings.ACCOUNT_RATE_LIMITS
    assert settings.ACCOUNT_RATE_LIMITS == {"login_failed": "10/m/ip,5/5m/key"}
    cache.clear()
    yield
    cache.clear()


@pytest.mark.usefixtures("login_throttle")
def test_after_five_failed_sign_ins_even_the_right_password_is_refused(alice, carol):
    client = HttpClient()
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": alice.email, "password": "guess"})
        assert "The email address and/or password you specified are not correct." in response.text

    response = client.post(reverse("account_login"), {"login": alice.email, "password": "pw"})
    assert response.status_code == 200
    assert "Too many failed login attempts. Try again later." in response.text
    assert "_auth_user_id" not in client.session
    # The limit is per account: someone else at the same address still signs in.
    assert sign_in_with_password(client, carol)["Location"] == reverse("portfolios:household_list")


def test_the_middleware_costs_an_advisor_no_query(alice, django_assert_num_queries):
    request = RequestFactory().get(reverse("portfolios:household_list"))
    request.user = alice
    middleware = FirmAdminTwoFactorMiddleware(lambda request: HttpResponse())
    with django_assert_num_queries(0):
        assert middleware.process_view(request, lambda request: HttpResponse(), (), {}) is None
