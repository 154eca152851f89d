"""Stored tax profiles: the brief's simple record, the valuer they build, and who may see them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from portfolios.importers import ledger_import
from taxharvest.errors import ApplicationError
from taxprofiles.models import ProfileSource, TaxProfile
from taxprofiles.selectors import profile_for_year, profiles_for_year
from taxprofiles.services import platform_realized_gains, tax_profile_from_brief, valuer_for_profile
from tests.factories import HouseholdFactory


def test_the_brief_record_becomes_a_joint_profile_for_a_couple(smiths, jane, john):
    profile = tax_profile_from_brief(
        household=smiths,
        tax_year=2025,
        tax_bracket=Decimal("0.32"),
        income=Decimal("300000"),
        capital_gains=Decimal("50000"),
        capital_losses=Decimal("12000"),
    )
    assert (profile.filing_status, profile.state, profile.source) == ("married_joint", "", ProfileSource.BRIEF)
    assert (profile.wages, profile.lt_gains_realized, profile.st_gains_realized) == (
        Decimal("300000"),
        Decimal("38000"),
        Decimal("0"),
    )
    assert profile.stated_bracket == Decimal("0.32")
    assert profile.itemized_deductions is None


def test_the_brief_record_replaces_the_years_profile_and_a_single_client_files_single(smiths, jane):
    for income in ("100000", "120000"):
        tax_profile_from_brief(
            household=smiths,
            tax_year=2026,
            tax_bracket=None,
            income=Decimal(income),
            capital_gains=Decimal(0),
            capital_losses=Decimal(0),
        )
    profile = TaxProfile.objects.get()
    assert (profile.filing_status, profile.wages) == ("single", Decimal("120000"))


@pytest.mark.parametrize(
    ("year", "bracket", "income", "message"),
    [
        (2017, None, "1", "Tax year 2017 is not supported"),
        (2025, "1.5", "1", "tax_bracket is a rate between 0 and 1"),
        (2025, None, "-1", "must not be negative"),
    ],
)
def test_a_bad_brief_record_is_refused(smiths, year, bracket, income, message):
    with pytest.raises(ApplicationError, match=message):
        tax_profile_from_brief(
            household=smiths,
            tax_year=year,
            tax_bracket=None if bracket is None else Decimal(bracket),
            income=Decimal(income),
            capital_gains=Decimal(0),
            capital_losses=Decimal(0),
        )


def test_the_valuer_counts_gains_realized_on_the_platform_in_that_year(smiths, smith_taxable, securities):
    ledger_import(
        household=smiths,
        filename="l.csv",
        content=b"account,account_type,date,action,symbol,quantity,price,lot\n"
        b"SM-T,taxable,2024-01-02,buy,AAPL,100,100,\n"
        b"SM-T,taxable,2025-03-03,sell,AAPL,50,140,\n"  # long-term gain 2,000
        b"SM-T,taxable,2025-01-06,buy,MSFT,10,400,\n"
        b"SM-T,taxable,2025-06-02,sell,MSFT,10,450,\n",  # short-term gain 500
        today=date(2026, 1, 1),
    )
    assert platform_realized_gains(smiths, 2025) == (Decimal("500.00"), Decimal("2000.00"))
    assert platform_realized_gains(smiths, 2024) == (Decimal("0"), Decimal("0"))
    profile = TaxProfile.objects.create(
        household=smiths,
        tax_year=2025,
        filing_status="single",
        wages=Decimal("250000"),
        st_gains_realized=Decimal("39500"),
    )
    valuer = valuer_for_profile(profile)
    assert valuer.income.st_gains == Decimal("40000.00")
    assert valuer.income.lt_gains == Decimal("2000.00")
    assert valuer.value(st_loss=Decimal("10000")).federal_savings == Decimal("3880.00")


def test_firm_admins_see_only_their_firms_profiles_in_the_admin(bob, smiths, other_firm):
    TaxProfile.objects.create(household=smiths, tax_year=2025, filing_status="single")
    outsiders = HouseholdFactory(firm=other_firm, name="Outsider Family")
    TaxProfile.objects.create(household=outsiders, tax_year=2025, filing_status="single")
    client = HttpClient()
    client.force_login(bob)
    page = client.get(reverse("admin:taxprofiles_taxprofile_changelist")).text
    assert "Smith Family" in page
    assert "Outsider Family" not in page


def test_the_household_page_shows_what_a_loss_is_worth_to_this_client(alice, smiths):
    TaxProfile.objects.create(
        household=smiths,
        tax_year=2025,
        filing_status="single",
        state="CA",
        wages=Decimal("250000"),
        st_gains_realized=Decimal("40000"),
        lt_gains_realized=Decimal("60000"),
    )
    client = HttpClient()
    client.force_login(alice)
    page = client.get(reverse("portfolios:household_detail", args=[smiths.pk])).text
    assert "Tax year 2025" in page
    assert "Single" in page
    assert "Ordinary rate 35% · long-term rate 15% · NIIT 3.8% · California 9.3% at the margin" in page
    # Short-term: 3,880 federal + 930 state (California's 9.3% bracket); long-term: 1,880 + 930.
    assert '<td class="num"><strong>$4,810.00</strong></td>' in page
    assert '<td class="num"><strong>$2,810.00</strong></td>' in page
    assert "State saving" in page
    # What the state figure leaves out is named under it.
    assert "California tax by its own brackets, deductions and capital-gain rules. Simplified: " in page
    assert "California AGI is taken to be the federal AGI (no California additions or subtractions)" in page


@pytest.mark.parametrize(
    ("year", "chosen"), [(2022, 2021), (2020, 2021), (2023, 2023), (2025, 2023), (2026, 2026), (2030, 2026)]
)
def test_a_years_harvests_are_valued_with_that_years_profile_else_the_nearest_earlier_else_the_earliest_later(
    smiths, year, chosen
):
    for tax_year in (2026, 2021, 2023):
        TaxProfile.objects.create(household=smiths, tax_year=tax_year, filing_status="single")
    others = HouseholdFactory(firm=smiths.firm, name="No Profile Family")
    assert profile_for_year(smiths, year).tax_year == chosen
    assert {pk: p and p.tax_year for pk, p in profiles_for_year([smiths.pk, others.pk], year).items()} == {
        smiths.pk: chosen,
        others.pk: None,
    }
