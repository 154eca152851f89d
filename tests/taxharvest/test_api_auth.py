"""Bearer tokens for integrations: who gets one, what it takes, and that it expires; the schema and its docs."""

from __future__ import annotations

from datetime import timedelta

import jwt
from allauth.mfa.models import Authenticator
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from portfolios.models import Role
from tests.api_clients import bearer
from tests.factories import UserFactory
from tests.taxharvest.test_mfa import totp_code, wrong_totp_code

PASSWORD = "correct horse battery staple"


def token(email: str, password: str = PASSWORD, **extra: str):
    return APIClient().post("/api/token", {"email": email, "password": password, **extra}, format="json")


def test_an_advisor_exchanges_email_and_password_for_tokens_that_work(acme, smith_taxable, alice):
    alice.set_password(PASSWORD)
    alice.save()
    response = token("Alice@Acme.example")
    assert response.status_code == 200, response.json()
    access = response.json()["access"]
    claims = jwt.decode(access, settings.SECRET_KEY, algorithms=["HS256"])
    assert (claims["user_id"], claims["token_type"]) == (str(alice.pk), "access")
    # An access token lasts 15 minutes. simplejwt stamps `iat` and `exp` from two clock readings truncated to
    # whole seconds, so a second boundary between them shows as 899 or 901.
    assert abs(claims["exp"] - claims["iat"] - 15 * 60) <= 1
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert api.get(f"/api/portfolios/{smith_taxable.pk}").status_code == 200
    refreshed = APIClient().post("/api/token/refresh", {"refresh": response.json()["refresh"]}, format="json")
    assert refreshed.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    assert api.get(f"/api/portfolios/{smith_taxable.pk}").status_code == 200


def test_a_wrong_password_or_unknown_email_gets_no_token(alice):
    alice.set_password(PASSWORD)
    alice.save()
    for email, password in (("alice@acme.example", "wrong"), ("nobody@acme.example", PASSWORD)):
        response = token(email, password)
        assert (response.status_code, response.json()["detail"]) == (401, "The email or the password is wrong.")
    assert token("alice@acme.example", "").json() == {"password": ["This field may not be blank."]}


def test_an_expired_or_tampered_token_is_refused(alice, smith_taxable):
    expired = AccessToken.for_user(alice)
    expired.set_exp(lifetime=-timedelta(seconds=1))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {expired}")
    response = api.get(f"/api/portfolios/{smith_taxable.pk}")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert "expired" in str(response.json()["messages"][0]["message"])
    forged = jwt.encode(
        {"user_id": str(alice.pk), "token_type": "access", "exp": 9999999999, "jti": "x"}, "a-guessed-key-" * 4
    )
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert api.get(f"/api/portfolios/{smith_taxable.pk}").status_code == 401


def test_a_deactivated_advisors_token_stops_working(alice, smith_taxable):
    access = AccessToken.for_user(alice)
    alice.is_active = False
    alice.save()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert api.get(f"/api/portfolios/{smith_taxable.pk}").status_code == 401


def test_whoever_has_an_authenticator_app_gives_its_code(bob):
    bob.set_password(PASSWORD)
    bob.save()
    secret = Authenticator.objects.get(user=bob, type=Authenticator.Type.TOTP).data["secret"]
    without = token("bob@acme.example")
    assert (without.status_code, without.json()["detail"]) == (
        401, "Give the current code of your authenticator app in 'code'.",
    )  # fmt: skip
    assert token("bob@acme.example", code=wrong_totp_code(secret)).status_code == 401
    assert token("bob@acme.example", code=totp_code(secret)).status_code == 200


def test_a_firm_admin_without_two_factor_and_a_client_login_get_no_token(acme, jane):
    erin = UserFactory(firm=acme, email="erin@acme.example", role=Role.FIRM_ADMIN, is_staff=True)
    client_login = UserFactory(firm=acme, email="jane@smith.example", role=Role.CLIENT, client=jane)
    for user in (erin, client_login):
        user.set_password(PASSWORD)
        user.save()
    refused = token("erin@acme.example")
    assert (refused.status_code, refused.json()["detail"]) == (
        403, "Set up two-factor sign-in in the portal first: firm admins need it to use taxharvest.",
    )  # fmt: skip
    assert token("jane@smith.example").status_code == 403
    # Nor does erin's portal session reach the API before she sets it up: a 403 saying so, not a redirect.
    api = APIClient()
    api.force_login(erin)
    assert api.get("/api/tax_profiles/SMITH-1").json()["detail"].startswith("Set up two-factor sign-in")


def test_token_requests_are_rate_limited(alice):
    statuses = [token("alice@acme.example", "wrong").status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]


def test_the_openapi_schema_and_swagger_ui_are_served_from_our_own_files(client):
    schema = client.get("/api/schema/?format=json").json()
    assert schema["openapi"].startswith("3.")
    assert {path for path in schema["paths"] if not path.startswith("/api/token")} == {
        "/api/portfolios", "/api/portfolios/{portfolio_id}", "/api/tax_profiles", "/api/tax_profiles/{client_id}",
        "/api/tax_loss_harvesting", "/api/tax_loss_harvesting/{portfolio_id}",
    }  # fmt: skip
    assert schema["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
    }  # fmt: skip
    post = schema["paths"]["/api/portfolios"]["post"]
    assert {p["name"] for p in post["parameters"]} == {"Idempotency-Key"}
    assert set(post["responses"]) == {"201", "400", "401", "403", "404", "409", "422", "429"}
    page = client.get("/api/schema/swagger-ui/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


def test_a_path_no_endpoint_matches_is_a_json_404_under_api_only(alice, client):
    response = bearer(alice).get("/api/portfolios/not-a-number")
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    assert client.get("/no-such-page/").headers["Content-Type"].startswith("text/html")
