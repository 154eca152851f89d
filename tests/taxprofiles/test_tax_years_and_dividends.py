"""Every tax year 2018-2026 is offered, a year is valued under its own law, and qualified dividends are their
own figure (taxed at the capital-gain rates) from the editor, the API, a Form 1040 and the command line."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.test import Client as HttpClient
from django.urls import reverse

from taxprofiles.models import TaxProfile
from taxprofiles.rules.federal_tax import Income
from taxprofiles.rules.harvest_value import HarvestValuer
from taxprofiles.services import law_year, valuer_for_profile
from tests.api_clients import bearer
from tests.taxprofiles.form1040 import samples
from tests.taxprofiles.test_tax_documents import signed_in, uploaded


def test_the_api_takes_a_2022_profile_with_qualified_dividends(alice, jane):
    api = bearer(alice)
    body = {"client_id": "SMITH-1", "tax_year": 2022, "filing_status": "married_joint", "wages": "150000",
            "qualified_dividends": "40000"}  # fmt: skip
    response = api.post("/api/tax_profiles", body, format="json")
    assert response.status_code == 201, response.json()
    read = api.get("/api/tax_profiles/SMITH-1?tax_year=2022").json()
    assert (read["tax_year"], read["qualified_dividends"], read["other_ordinary_income"]) == (2022, "40000.00", "0.00")
    # 2022 joint: a $10,000 long-term loss offsets $3,000 of wages at 22% (the dividends stay at 15%): 660.00 now.
    valuer = valuer_for_profile(TaxProfile.objects.get())
    assert valuer.law.year == 2022
    assert valuer.value(lt_loss=Decimal(10000)).federal_savings == Decimal("660.00")


def test_a_year_is_valued_under_its_own_law_with_the_nearest_profile(smiths):
    profile = TaxProfile.objects.create(
        household=smiths, tax_year=2025, filing_status="single", wages=Decimal("400000"), st_gains_realized=10000
    )
    # 2022's standard deduction (12,950) and brackets, not 2025's: 397,050 taxable -> 112,720.50 + 380.00 NIIT.
    assert valuer_for_profile(profile, (Decimal(0), Decimal(0)), year=2022).before.total == Decimal("113100.50")
    assert valuer_for_profile(profile, (Decimal(0), Decimal(0))).law.year == 2025
    assert (law_year(2022), law_year(2017), law_year(2031)) == (2022, 2018, 2026)


def test_the_editor_saves_qualified_dividends_and_leaving_them_out_means_zero(alice, smiths):
    client = HttpClient()
    client.force_login(alice)
    figures = {"tax_year": "2022", "filing_status": "single", "state": "", "wages": "90000",
               "other_ordinary_income": "0", "itemized_deductions": "", "st_gains_realized": "0",
               "lt_gains_realized": "0", "expected_st_gains": "0", "expected_lt_gains": "0",
               "st_carryforward": "0", "lt_carryforward": "0"}  # fmt: skip
    url = reverse("taxprofiles:edit", args=[smiths.pk])
    assert client.post(url, {**figures, "qualified_dividends": "12500.00"}).status_code == 302
    assert TaxProfile.objects.get(tax_year=2022).qualified_dividends == Decimal("12500.00")
    assert client.post(url, {**figures, "tax_year": "2023"}).status_code == 302
    assert TaxProfile.objects.get(tax_year=2023).qualified_dividends == Decimal("0.00")


def test_a_1040s_qualified_dividends_are_their_own_figure(alice, smiths, django_capture_on_commit_callbacks):
    document = uploaded(alice, smiths, samples.married_joint_2025(), django_capture_on_commit_callbacks)
    form = {"tax_year": "2025", "filing_status": "married_joint", "wages": "212000.00", "taxable_interest": "4318.27",
            "ordinary_dividends": "8950.00", "qualified_dividends": "6000.00", "deductions": "31500.00",
            "st_net": "0", "lt_net": "0", "st_carryover": "0", "lt_carryover": "0"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(alice).post(reverse("taxprofiles:document", args=[document.pk]), form)
    profile = TaxProfile.objects.get(household=smiths, tax_year=2025)
    # Line 3b's ordinary dividends include line 3a's qualified ones: 4,318.27 + 8,950.00 - 6,000.00 ordinary.
    assert (profile.other_ordinary_income, profile.qualified_dividends) == (Decimal("7268.27"), Decimal("6000.00"))


def test_tax_impact_takes_qualified_dividends_and_reports_the_amt():
    out = StringIO()
    call_command(
        "tax_impact", "--year", "2022", "--filing-status", "married_joint", "--wages", "150000",
        "--qualified-dividends", "40000", "--lt-loss", "10000", "--json", stdout=out,
    )  # fmt: skip
    figures = json.loads(out.getvalue())
    # Taxable 164,100 of which 40,000 of dividends at 15%: 17,876 + 660 + 6,000 = 24,536.00 before, 660 saved.
    assert (figures["federal_tax_before"], figures["federal_savings"], figures["amt_before"]) == (24536.0, 660.0, 0.0)
    out = StringIO()
    call_command(
        "tax_impact", "--year", "2025", "--filing-status", "married_separate", "--wages", "320000",
        "--lt-gains", "600000", "--st-loss", "50000", "--json", stdout=out,
    )  # fmt: skip
    figures = json.loads(out.getvalue())
    # The example: the AMT applies before and after the harvest (see test_taxcalc_oracle for the figure).
    assert (figures["amt_before"], figures["amt_after"], figures["federal_savings"]) == (12549.75, 9049.75, 15400.0)
    assert (figures["state_tax_before"], figures["state_tax_after"]) == (0.0, 0.0)
    direct = HarvestValuer(2025, "married_separate", "", Income(Decimal(320000), lt_gains=Decimal(600000)))
    assert direct.before.amt == Decimal("12549.75")
