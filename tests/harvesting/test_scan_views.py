"""Scans through the database and the portal: real django-q2 tasks (sync in tests), scoped to the user."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from harvesting import forecasting
from harvesting.models import HarvestRun, Opportunity, PlannedKind, PlannedPurchase, RunStatus
from portfolios.importers import ledger_import
from portfolios.market_history import price_history_load
from taxprofiles.models import TaxProfile


def signed_in(user) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


def test_an_advisor_scans_a_household_and_reads_the_ranked_opportunities(
    alice, smiths_at_a_loss, django_capture_on_commit_callbacks
):
    client = signed_in(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("harvesting:household_scan", args=[smiths_at_a_loss.pk]))
    run = HarvestRun.objects.get()
    assert response["Location"] == reverse("harvesting:run_detail", args=[run.pk])
    assert (run.status, run.households_done, run.households_total, run.lots_scanned) == (RunStatus.DONE, 1, 1, 3)
    found = {o.security.symbol: o for o in Opportunity.objects.filter(run=run)}
    assert set(found) == {"AAPL", "MSFT"}  # the IRA's AAPL loss is never an opportunity
    aapl, msft = found["AAPL"], found["MSFT"]
    # One plan: MSFT (50 at 330, 241 now: a 4,450 loss, the larger) is sold into AAPL, so the plan buys AAPL
    # and the AAPL loss (100 at 180, 140 + 3 - 2 = 141 now: 3,900) would wash: no cross-swap.
    assert (msft.loss, msft.status, msft.rank, msft.replacement.symbol) == (Decimal("4450.00"), "open", 1, "AAPL")
    assert (aapl.loss, aapl.term, aapl.status, aapl.rank) == (Decimal("3900.00"), "short", "blocked", None)
    assert aapl.blocked_by == "the plan buys AAPL to replace MSFT"
    page = client.get(response["Location"]).text
    assert "<strong>Done</strong> · 1 of 1 household · 100%" in page
    assert '<td class="num loss">$3,900.00</td>' in page


def test_a_planned_dividend_reinvestment_blocks_the_lot(
    alice, smiths_at_a_loss, smith_ira, securities, django_capture_on_commit_callbacks
):
    PlannedPurchase.objects.create(
        account=smith_ira, security=securities["AAPL"], planned_on=date(2023, 1, 10), quantity=Decimal("0.5"),
        kind=PlannedKind.DIVIDEND_REINVESTMENT,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(alice).post(reverse("harvesting:household_scan", args=[smiths_at_a_loss.pk]))
    aapl = Opportunity.objects.get(security__symbol="AAPL")
    assert (aapl.status, aapl.rank, aapl.blocked_until) == ("blocked", None, date(2023, 2, 10))
    assert aapl.blocked_by == "dividend reinvestment of 0.5 AAPL planned on 2023-01-10 in SM-IRA"


def test_the_run_page_polls_while_running_and_returns_only_the_partial_to_htmx(alice, smiths_at_a_loss):
    run = HarvestRun.objects.create(firm=smiths_at_a_loss.firm, household=smiths_at_a_loss, households_total=1)
    response = signed_in(alice).get(reverse("harvesting:run_detail", args=[run.pk]), headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<div id="run" class="card" hx-get=')
    assert 'hx-trigger="every 1s"' in response.text
    assert "<html" not in response.text


@pytest.mark.parametrize("persona", ["carol", "mallory"])
def test_outsiders_can_neither_scan_nor_see_a_households_run(persona, request, smiths_at_a_loss):
    client = signed_in(request.getfixturevalue(persona))
    assert client.post(reverse("harvesting:household_scan", args=[smiths_at_a_loss.pk])).status_code == 404
    run = HarvestRun.objects.create(firm=smiths_at_a_loss.firm, household=smiths_at_a_loss, households_total=1)
    assert client.get(reverse("harvesting:run_detail", args=[run.pk])).status_code == 404


def test_a_firm_admin_sees_the_firms_runs(bob, smiths_at_a_loss):
    run = HarvestRun.objects.create(firm=smiths_at_a_loss.firm, households_total=3)
    assert signed_in(bob).get(reverse("harvesting:run_detail", args=[run.pk])).status_code == 200


def test_scanning_requires_post(alice, smiths):
    assert signed_in(alice).get(reverse("harvesting:household_scan", args=[smiths.pk])).status_code == 405


def test_the_admin_lists_only_the_firms_runs_and_opportunities(bob, smiths_at_a_loss, other_firm):
    HarvestRun.objects.create(firm=smiths_at_a_loss.firm, households_total=1)
    HarvestRun.objects.create(firm=other_firm, households_total=7)
    page = signed_in(bob).get(reverse("admin:harvesting_harvestrun_changelist")).text
    assert "1 harvest run" in page
    assert signed_in(bob).get(reverse("admin:harvesting_opportunity_changelist")).status_code == 200


def test_the_scan_records_which_model_version_scored_each_opportunity(
    alice, smiths, smith_taxable, recent_market_data, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MARKET_DATA_DIR = recent_market_data
    settings.MODEL_DIR = tmp_path / "models"
    price_history_load(data_dir=recent_market_data)
    version = forecasting.model_train()
    ledger_import(
        household=smiths,
        filename="l.csv",
        content=b"account,account_type,date,action,symbol,quantity,price,lot\nSM-T,taxable,2022-01-03,buy,AAPL,100,180,\n",
        today=date(2026, 1, 1),
    )
    TaxProfile.objects.create(household=smiths, tax_year=2025, filing_status="single", wages=Decimal("300000"))
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(alice).post(reverse("harvesting:household_scan", args=[smiths.pk]))
    opportunity = Opportunity.objects.get()
    assert opportunity.model_version == version
    assert 0.0 < opportunity.model_score < 1.0
