"""A New York client can add New York City's income tax: the API, the editor and the household page take it,
and a city outside its state is refused with the reason."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client as HttpClient
from django.urls import reverse

from taxprofiles.models import TaxProfile
from taxprofiles.services import valuer_for_profile
from tests.api_clients import bearer

NEW_YORKER = {"client_id": "SMITH-1", "tax_year": 2024, "filing_status": "single", "state": "NY", "wages": "90000"}


def test_the_api_takes_new_york_city_and_values_it(alice, jane):
    response = bearer(alice).post("/api/tax_profiles", {**NEW_YORKER, "city": "nyc"}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["state"], response.json()["city"]) == ("NY", "nyc")
    profile = TaxProfile.objects.get()
    # 2024 single, 90,000: New York State 4,351.75 and New York City 2,810.37 (tests/taxprofiles/rules/test_state.py).
    assert valuer_for_profile(profile, (Decimal(0), Decimal(0))).state_before == Decimal("7162.12")


def test_a_city_outside_its_state_is_refused_and_nothing_is_saved(alice, jane):
    response = bearer(alice).post("/api/tax_profiles", {**NEW_YORKER, "state": "NJ", "city": "nyc"}, format="json")
    assert response.status_code == 400
    assert "New York City's income tax applies only to residents of NY." in str(response.json())
    assert not TaxProfile.objects.exists()


def test_the_household_page_names_the_state_and_the_city(alice, smiths):
    TaxProfile.objects.create(
        household=smiths, tax_year=2025, filing_status="single", state="NY", city="nyc", wages=Decimal("90000")
    )
    client = HttpClient()
    client.force_login(alice)
    page = client.get(reverse("portfolios:household_detail", args=[smiths.pk])).text
    assert "New York and New York City tax by its own brackets, deductions and capital-gain rules." in page
    assert "New York City&#x27;s household credit and its earned-income credit are not modelled" in page


def test_the_editor_offers_the_city(alice, smiths):
    client = HttpClient()
    client.force_login(alice)
    page = client.get(reverse("taxprofiles:edit", args=[smiths.pk])).text
    assert '<option value="nyc">New York City</option>' in page
