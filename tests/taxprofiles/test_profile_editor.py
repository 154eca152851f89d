"""The tax profile editor: prefilled form, validation that saves nothing, a live preview of the marginal rates
that saves nothing, a save that rescans the household (and so revalues and reranks its harvests), isolation.

The Smiths hold 100 AAPL bought at 180; on Dec 28, 2022 AAPL is at 141: a 3,900.00 short-term loss. The
Joneses hold 50 MSFT bought at 330, at 240: 4,500.00. Both file single with 400,000 of wages in 2025, so
each harvest is worth 3,000 x 35% = 1,050.00, and the cheaper MSFT sale ranks first.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from harvesting.models import HarvestRun, Opportunity, OpportunityStatus
from harvesting.scanning import scan_start
from portfolios.importers import ledger_import
from portfolios.models import Household, User
from taxprofiles.models import ProfileSource, TaxProfile
from taxprofiles.rules.federal_tax import Income
from taxprofiles.rules.harvest_value import HarvestValuer
from tests.factories import HouseholdFactory, PriceFactory

CLOSE = datetime(2022, 12, 28, 21, 0, tzinfo=UTC)
HEAD = b"account,account_type,date,action,symbol,quantity,price,lot\n"
SMITH_FIGURES = {
    "tax_year": "2025",
    "filing_status": "single",
    "state": "",
    "wages": "400000.00",
    "other_ordinary_income": "0.00",
    "itemized_deductions": "",
    "st_gains_realized": "0.00",
    "lt_gains_realized": "0.00",
    "expected_st_gains": "0.00",
    "expected_lt_gains": "0.00",
    "st_carryforward": "0.00",
    "lt_carryforward": "0.00",
}


def text_of(page: str, testid: str) -> str:
    """The text of the element marked ``data-testid=testid``: tags dropped, entities decoded, spaces collapsed."""
    match = re.search(rf'<(\w+)[^>]*\bdata-testid="{re.escape(testid)}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"nothing marked {testid!r} on the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(2))).split())


def plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def signed_in(user: User) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


def edit_url(household: Household, year: int | None = None) -> str:
    url = reverse("taxprofiles:edit", args=[household.pk])
    return f"{url}?year={year}" if year else url


def preview_url(household: Household) -> str:
    return reverse("taxprofiles:preview", args=[household.pk])


@pytest.fixture
def closes(securities):
    for day in range(1, 29):
        stamp = CLOSE.replace(day=day)
        PriceFactory(security=securities["AAPL"], timestamp=stamp, price=Decimal(140 + day % 3))
        PriceFactory(security=securities["MSFT"], timestamp=stamp, price=Decimal(240 + day % 4))


def scanned(household: Household, row: bytes, capture) -> TaxProfile:
    ledger_import(household=household, filename="l.csv", content=HEAD + row, today=date(2026, 1, 1))
    profile = TaxProfile.objects.create(
        household=household, tax_year=2025, filing_status="single", wages=Decimal("400000")
    )
    with capture(execute=True):
        scan_start(firm=household.firm, household=household)
    return profile


@pytest.fixture
def smith_profile(smiths, smith_taxable, closes, django_capture_on_commit_callbacks) -> TaxProfile:
    return scanned(smiths, b"SM-T,taxable,2022-01-03,buy,AAPL,100,180,A1\n", django_capture_on_commit_callbacks)


@pytest.fixture
def joneses(acme, alice, closes, django_capture_on_commit_callbacks) -> Household:
    household = HouseholdFactory(firm=acme, name="Jones Family")
    household.advisors.add(alice)
    scanned(household, b"JO-T,taxable,2022-01-03,buy,MSFT,50,330,J1\n", django_capture_on_commit_callbacks)
    return household


def open_harvest(household: Household) -> Opportunity:
    return Opportunity.objects.get(household=household, status=OpportunityStatus.OPEN)


def unchanged(profile: TaxProfile) -> bool:
    saved = TaxProfile.objects.get(pk=profile.pk)
    return (saved.wages, saved.st_gains_realized, saved.filing_status, saved.updated_at) == (
        profile.wages,
        profile.st_gains_realized,
        profile.filing_status,
        profile.updated_at,
    )


def test_the_form_is_prefilled_with_the_profile_and_shows_its_rates(alice, smith_profile):
    page = signed_in(alice).get(edit_url(smith_profile.household)).text
    assert '<option value="2025" selected>2025</option>' in page
    assert '<option value="single" selected>Single</option>' in page
    assert '<option value="" selected>None (federal only)</option>' in page
    assert 'name="wages" value="400000.00"' in page
    assert 'name="st_gains_realized" value="0.00"' in page
    assert re.search(r'<input type="number" name="itemized_deductions"(?![^>]*value=)[^>]*>', page)
    # Taxable income 400,000 - 15,750 = 384,250: the 35% bracket; AGI over 200,000: NIIT.
    assert text_of(page, "marginal-rates") == "Ordinary rate 35% · long-term rate 15% · NIIT 3.8%"
    # The card's rates agree with its 10,000 example: only 3,000 of it is deducted, at 35% = 1,050.00, which is
    # 10.5% of 10,000; 38.8% - 10.5% = 28.3%.
    assert text_of(page, "effective-rate") == (
        "A $10,000.00 short-term loss saves 10.5% federal ($1,050.00), not the 38.8% of 35% ordinary + 3.8% NIIT: "
        "28.3% less, because only part of it offsets short-term gains (the rest offsets long-term gains or up to "
        "the yearly limit of ordinary income, or carries forward) or it crosses a threshold; each harvest's Why "
        "names what it crosses."
    )
    # A 10,000 loss: 3,000 against ordinary income at 35% this year, 7,000 carried forward.
    rows = re.findall(r"<tr><td>(Short-term|Long-term)</td>(.*?)</tr>", page)
    assert [(label, plain(cells)) for label, cells in rows] == [
        ("Short-term", "$1,050.00 — $1,050.00 $7,000.00"),
        ("Long-term", "$1,050.00 — $1,050.00 $7,000.00"),
    ]
    assert f'hx-post="{preview_url(smith_profile.household)}?year=2025"' in page
    assert ">Edit</a>" not in page  # the rates beside the form do not link to the form itself


def test_a_household_without_a_profile_gets_an_empty_form(alice, smiths):
    page = signed_in(alice).get(edit_url(smiths)).text
    assert "The client's marginal rates and what a $10,000 loss saves appear here as you type." in page
    assert '<option value="" selected>---------</option>' in page
    assert 'hx-post="' + preview_url(smiths) + '"' in page


@pytest.mark.parametrize(
    ("change", "field", "error"),
    [
        ({"wages": "-1"}, "wages", "Cannot be negative."),
        ({"st_carryforward": "-500"}, "st_carryforward", "Cannot be negative."),
        (
            {"filing_status": "widowed"},
            "filing_status",
            "Select a valid choice. widowed is not one of the available choices.",
        ),
        ({"wages": "lots"}, "wages", "Enter a number."),
    ],
)
def test_invalid_figures_are_shown_again_with_the_error_and_nothing_is_saved(
    change, field, error, alice, smith_profile, django_capture_on_commit_callbacks
):
    runs = HarvestRun.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(alice).post(edit_url(smith_profile.household), {**SMITH_FIGURES, **change})
    assert response.status_code == 200
    errors = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', response.text, re.S)
    assert errors, f"no error shown for {field}"
    assert plain(errors.group(1)) == error
    assert unchanged(smith_profile)
    assert HarvestRun.objects.count() == runs


def test_the_preview_refuses_a_year_the_product_does_not_know(alice, smith_profile):
    response = signed_in(alice).post(preview_url(smith_profile.household), {**SMITH_FIGURES, "tax_year": "2030"})
    assert plain(response.text) == (
        "Fix the highlighted figures to see the rates: Tax year: Ensure this value is less than or equal to 2026."
    )


def test_an_unknown_tax_year_is_shown_again_with_the_error(alice, smith_profile):
    response = signed_in(alice).post(edit_url(smith_profile.household), {**SMITH_FIGURES, "tax_year": "2030"})
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 2026." in response.text
    assert unchanged(smith_profile)


def test_after_invalid_figures_the_rates_are_the_saved_profiles_or_marked_as_a_preview(alice, smith_profile):
    response = signed_in(alice).post(
        edit_url(smith_profile.household), {**SMITH_FIGURES, "wages": "90000", "st_carryforward": "-5"}
    )
    assert "Cannot be negative." in response.text
    assert unchanged(smith_profile)
    rates = text_of(response.text, "marginal-rates")
    assert "Preview: Tax year" in response.text or rates == "Ordinary rate 35% · long-term rate 15% · NIIT 3.8%"


def test_a_second_profile_for_a_year_the_household_has_is_refused(alice, smith_profile):
    response = signed_in(alice).post(edit_url(smith_profile.household, 2026), {**SMITH_FIGURES, "wages": "90000"})
    assert response.status_code == 200
    assert "Smith Family already has a 2025 profile: edit that one." in response.text
    assert list(TaxProfile.objects.values_list("tax_year", "wages")) == [(2025, Decimal("400000.00"))]


def test_a_profile_for_another_year_is_created_from_its_own_page(
    alice, smith_profile, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(alice).post(
            edit_url(smith_profile.household, 2026), {**SMITH_FIGURES, "tax_year": "2026", "wages": "90000"}
        )
    assert response.status_code == 302
    assert sorted(TaxProfile.objects.values_list("tax_year", "wages")) == [
        (2025, Decimal("400000.00")),
        (2026, Decimal("90000.00")),
    ]


def test_the_preview_shows_the_rates_of_the_posted_figures_without_saving(alice, smith_profile):
    figures = {**SMITH_FIGURES, "filing_status": "married_joint", "state": "CA", "wages": "150000"}
    response = signed_in(alice).post(preview_url(smith_profile.household) + "?year=2025", figures)
    page = response.text
    assert page.lstrip().startswith('<section class="card" id="rates">')
    assert "<html" not in page
    # Married filing jointly: 150,000 - 31,500 = 118,500 of taxable income, in the 22% bracket (to 206,700);
    # long-term gains over 96,700 at 15%; AGI under 250,000: no NIIT; California: 150,000 - 11,412 = 138,588
    # taxable, in its 8% bracket (115,084-145,448).
    assert text_of(page, "marginal-rates") == "Ordinary rate 22% · long-term rate 15% · California 8% at the margin"
    # 3,000 of the 10,000 deducted at 22% = 660.00: 6.6% of it, 15.4% short of the 22% bracket.
    assert text_of(page, "effective-rate").startswith(
        "A $10,000.00 short-term loss saves 6.6% federal ($660.00), not the 22% of 22% ordinary: 15.4% less,"
    )
    assert "Preview: Tax year 2025" in page
    valuer = HarvestValuer(2025, "married_joint", "CA", Income(Decimal("150000")))
    short = valuer.value(st_loss=Decimal(10000))
    assert (short.federal_savings, short.state_savings, short.total_savings) == (
        Decimal("660.00"),  # 3,000 x 22%
        Decimal("240.00"),  # 3,000 x 8%
        Decimal("900.00"),
    )
    rows = re.findall(r"<tr><td>(Short-term|Long-term)</td>(.*?)</tr>", page)
    assert [(label, plain(cells)) for label, cells in rows] == [
        ("Short-term", "$660.00 $240.00 $900.00 $7,000.00"),
        ("Long-term", "$660.00 $240.00 $900.00 $7,000.00"),
    ]
    assert unchanged(smith_profile)
    assert 'href="' not in page  # a preview offers no link to edit what is being edited


def test_the_preview_of_invalid_figures_says_what_to_fix(alice, smith_profile):
    response = signed_in(alice).post(preview_url(smith_profile.household), {**SMITH_FIGURES, "wages": "-5"})
    assert plain(response.text) == "Fix the highlighted figures to see the rates: Wages: Cannot be negative."
    assert unchanged(smith_profile)


def test_the_preview_needs_post(alice, smith_profile):
    assert signed_in(alice).get(preview_url(smith_profile.household)).status_code == 405


def test_saving_rescans_the_household_and_revalues_and_reranks_its_harvest(
    alice, smith_profile, joneses, django_capture_on_commit_callbacks
):
    smiths = smith_profile.household
    before = open_harvest(smiths)
    assert (before.tax_value, before.net_benefit) == (Decimal("1050.00"), Decimal("829.28"))
    assert open_harvest(joneses).net_benefit == Decimal("862.15")  # the Joneses' MSFT first
    client = signed_in(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_url(smiths), {**SMITH_FIGURES, "st_gains_realized": "20000"})
    assert response["Location"] == reverse("portfolios:household_detail", args=[smiths.pk])
    saved = TaxProfile.objects.get(pk=smith_profile.pk)
    assert (saved.st_gains_realized, saved.source) == (Decimal("20000.00"), ProfileSource.ADVISOR)
    run = HarvestRun.objects.filter(household=smiths).latest("pk")
    assert (run.requested_by, run.status, run.opportunities_found) == (alice, "done", 1)
    after = open_harvest(smiths)
    assert after.run == run
    # The loss now offsets 3,900 of short-term gains at 35% and the NIIT on them: 3,900 x 38.8% = 1,513.20, under
    # the law of the market's year (2022; the 2025 profile is the nearest on file).
    assert HarvestValuer(2022, "single", "", Income(Decimal(400000), st_gains=Decimal(20000))).value(
        st_loss=Decimal(3900)
    ).federal_savings == Decimal("1513.20")
    assert (after.tax_value, after.net_benefit) == (Decimal("1513.20"), Decimal("1292.48"))
    # Re-valued in place: the rescan keeps the opportunity's id while its lot is still a candidate.
    assert after.pk == before.pk
    page = client.get(response["Location"]).text
    assert "Saved the 2025 tax profile; rescanning the household&#x27;s harvests." in page
    listing = client.get(reverse("harvesting:opportunities")).text
    assert listing.index(f"opportunity-{after.pk}") < listing.index(f"opportunity-{open_harvest(joneses).pk}")
    why = plain(listing.split(f'data-testid="why-{after.pk}">')[1].split("</td>")[0])
    assert why.startswith(
        "Why $1,513.20: selling realizes a short-term loss of $3,900.00, which offsets $3,900.00 of short-term "
        "gains taxed at 38.8% = $1,513.20 (incl. 3.8% NIIT). On its own it saves $1,513.20 federal in 2022."
    )


@pytest.mark.parametrize("persona", ["carol", "mallory"])
def test_outsiders_can_neither_see_nor_change_nor_preview_the_smith_profile(
    persona, request, smith_profile, django_capture_on_commit_callbacks
):
    client = signed_in(request.getfixturevalue(persona))
    household = smith_profile.household
    runs = HarvestRun.objects.count()
    assert client.get(edit_url(household)).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(edit_url(household), {**SMITH_FIGURES, "wages": "1"}).status_code == 404
    assert client.post(preview_url(household), SMITH_FIGURES).status_code == 404
    assert unchanged(smith_profile)
    assert HarvestRun.objects.count() == runs
