"""POST /api/tax_profiles and GET /api/tax_profiles/{client_id}: the brief's record, or the whole profile."""

from __future__ import annotations

from decimal import Decimal

import pytest

from harvesting.models import HarvestRun, Trigger
from taxprofiles.models import TaxProfile
from tests.api_clients import bearer
from tests.factories import ClientFactory

BRIEF = {
    "client_id": "SMITH-1",
    "tax_year": 2025,
    "tax_bracket": "0.32",
    "income": "250000",
    "capital_gains": "20000",
    "capital_losses": "5000",
}


@pytest.fixture
def both_spouses(jane, john):
    return jane, john


def test_the_briefs_record_creates_a_profile_valued_from_the_whole_return(
    alice, both_spouses, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = bearer(alice).post("/api/tax_profiles", BRIEF, format="json")
    assert response.status_code == 201, response.json()
    profile = TaxProfile.objects.get()
    # Two clients: married filing jointly; income is wages; the net of gains and losses is long-term.
    assert (profile.filing_status, profile.wages, profile.lt_gains_realized, profile.st_gains_realized) == (
        "married_joint", Decimal("250000.00"), Decimal("15000.00"), Decimal("0.00"),
    )  # fmt: skip
    assert (profile.stated_bracket, profile.source) == (Decimal("0.3200"), "brief")
    body = response.json()
    assert (body["client_id"], body["tax_year"], body["tax_bracket"], body["income"]) == (
        "SMITH-1", 2025, "0.3200", "250000.00",
    )  # fmt: skip
    assert (body["capital_gains"], body["capital_losses"]) == ("15000.00", "0.00")
    # 2025, joint: taxable 250,000 + 15,000 - 31,500 = 233,500, the ordinary part in the 24% bracket, the gain at
    # 15%, and AGI 265,000 is 15,000 over the NIIT threshold. A $10,000 loss of either term offsets the long-term
    # gain: 1,500 of tax at 15%, and 380 of NIIT (3.8% on 10,000 less of the 15,000 excess): 1,880.00.
    assert body["rates"] == {
        "marginal_ordinary_rate": "0.2400", "long_term_rate": "0.1500", "state_rate": "0.0000", "niit_applies": True,
    }  # fmt: skip
    assert body["value_of_a_10000_loss"] == {"short_term": "1880.00", "long_term": "1880.00"}
    # Saving rescans the household, as the portal's editor does.
    run = HarvestRun.objects.get()
    assert (run.household, run.trigger, run.requested_by) == (jane_household(both_spouses), Trigger.API, alice)


def jane_household(spouses):
    return spouses[0].household


def test_the_richer_fields_update_a_profile_and_keep_what_they_do_not_name(alice, both_spouses):
    api = bearer(alice)
    api.post("/api/tax_profiles", BRIEF, format="json")
    response = api.post(
        "/api/tax_profiles",
        {
            "client_id": "smith-2",
            "tax_year": 2025,
            "state": "CA",
            "st_carryforward": "4000.50",
            "itemized_deductions": None,
        },
        format="json",
    )
    assert response.status_code == 200
    profile = TaxProfile.objects.get()
    assert (profile.state, profile.st_carryforward, profile.wages, profile.source) == (
        "CA", Decimal("4000.50"), Decimal("250000.00"), "advisor",
    )  # fmt: skip
    assert response.json()["rates"]["state_rate"] == "0.0930"  # 250,000 of wages: the 9.3% bracket
    assert api.get("/api/tax_profiles/SMITH-1").json() == {**response.json(), "client_id": "SMITH-1"}


def test_a_single_client_is_single_and_the_year_defaults_to_the_markets(alice, jane):
    response = bearer(alice).post("/api/tax_profiles", {"client_id": "SMITH-1", "income": "90000"}, format="json")
    assert response.status_code == 201
    assert (response.json()["filing_status"], response.json()["tax_year"]) == ("single", 2026)


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"tax_bracket": "1.5"}, {"tax_bracket": ["Ensure this value is less than or equal to 1."]}),
        ({"income": "-1"}, {"income": ["Ensure this value is greater than or equal to 0."]}),
        ({"tax_year": 1999}, {"tax_year": ['"1999" is not a valid choice.']}),
        ({"state": "ZZ"}, {"state": ['"ZZ" is not a valid choice.']}),
        ({"filing_status": "married"}, {"filing_status": ['"married" is not a valid choice.']}),
        (
            {"wages": "100"},
            {"income": ["Give income or wages and other_ordinary_income, not both: they are the same figure."]},
        ),
        ({"income": "1e30"}, {"income": ["Ensure that there are no more than 15 digits in total."]}),
        ({"client_id": ""}, {"client_id": ["This field may not be blank."]}),
    ],
)
def test_invalid_records_are_400s_with_the_fields_messages(alice, jane, change, errors):
    response = bearer(alice).post("/api/tax_profiles", {**BRIEF, **change}, format="json")
    assert (response.status_code, response.json()) == (400, errors)
    assert TaxProfile.objects.count() == 0


def test_an_unknown_client_is_a_404_and_saves_nothing(alice, jane):
    response = bearer(alice).post("/api/tax_profiles", {**BRIEF, "client_id": "NOBODY"}, format="json")
    assert (response.status_code, response.json()) == (404, {"detail": "No such client."})
    assert TaxProfile.objects.count() == 0


def test_reading_a_profile_by_year_and_its_errors(alice, jane):
    api = bearer(alice)
    assert api.get("/api/tax_profiles/SMITH-1").status_code == 404  # none yet
    api.post("/api/tax_profiles", BRIEF, format="json")
    assert api.get("/api/tax_profiles/SMITH-1").json()["tax_year"] == 2025  # the nearest year to the market's
    assert api.get("/api/tax_profiles/SMITH-1?tax_year=2025").status_code == 200
    missing = api.get("/api/tax_profiles/SMITH-1?tax_year=2026")
    assert (missing.status_code, missing.json()) == (
        404, {"detail": "This client's household has no tax profile for that year."},
    )  # fmt: skip
    assert api.get("/api/tax_profiles/SMITH-1?tax_year=twenty").json() == {
        "tax_year": ["Choose one of 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026."]
    }
    assert api.get("/api/tax_profiles/NOBODY").status_code == 404
    assert api.get("/api/tax_profiles/" + "X" * 100).status_code == 404


def test_another_firms_or_households_client_is_not_found(alice, bob, carol, mallory, jane, acme):
    bearer(alice).post("/api/tax_profiles", BRIEF, format="json")
    assert bearer(bob).get("/api/tax_profiles/SMITH-1").status_code == 200
    for outsider in (carol, mallory):
        assert bearer(outsider).get("/api/tax_profiles/SMITH-1").status_code == 404
        response = bearer(outsider).post("/api/tax_profiles", {**BRIEF, "income": "1"}, format="json")
        assert (response.status_code, response.json()) == (404, {"detail": "No such client."})
    assert TaxProfile.objects.get().wages == Decimal("250000.00")


def test_a_client_id_in_two_of_ones_households_is_refused_rather_than_guessed(bob, jane, acme):
    ClientFactory(household__firm=acme, external_id="smith-1")
    response = bearer(bob).get("/api/tax_profiles/SMITH-1")
    assert response.status_code == 400
    assert "belongs to more than one of your households" in response.json()["detail"]
