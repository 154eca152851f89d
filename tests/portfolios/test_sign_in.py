"""Sign-in is by email and password; nobody can sign themselves up."""

from __future__ import annotations

from django.test import Client as HttpClient
from django.urls import reverse

from portfolios.models import User


def test_an_advisor_signs_in_with_email_and_password_and_sees_their_households(alice, smiths):
    client = HttpClient()
    response = client.post(reverse("account_login"), {"login": "ALICE@acme.example", "password": "pw"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("portfolios:household_list")
    assert "Smith Family" in response.text
    assert "Alice Adams · Acme Wealth" in response.text


def test_a_wrong_password_is_refused(alice):
    response = HttpClient().post(reverse("account_login"), {"login": "alice@acme.example", "password": "nope"})
    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in response.text
    assert "_auth_user_id" not in response.client.session


def test_the_sign_in_page_does_not_offer_sign_up(db):
    page = HttpClient().get(reverse("account_login")).text
    assert "sign up" not in page.lower()
    assert "Accounts are created by your firm admin." in page


def test_sign_up_is_closed(db):
    client = HttpClient()
    assert "Sign Up Closed" in client.get(reverse("account_signup")).text
    client.post(
        reverse("account_signup"),
        {
            "email": "eve@example.com",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert not User.objects.filter(email="eve@example.com").exists()
