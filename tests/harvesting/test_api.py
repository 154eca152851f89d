"""POST /api/tax_loss_harvesting starts a scan; GET /api/tax_loss_harvesting/{portfolio_id} reads what it found."""

from __future__ import annotations

from decimal import Decimal

from harvesting.models import HarvestRun, RunStatus, Trigger
from tests.api_clients import bearer
from tests.factories import AccountFactory


def test_an_analysis_runs_and_its_poll_url_gives_the_portfolios_recommendations(
    alice, smiths_at_a_loss, smith_taxable, django_capture_on_commit_callbacks
):
    api = bearer(alice)
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/api/tax_loss_harvesting", {"portfolio_id": smith_taxable.pk}, format="json")
    assert started.status_code == 202, started.json()
    run = HarvestRun.objects.get()
    poll_url = f"/api/tax_loss_harvesting/{smith_taxable.pk}?run_id={run.pk}"
    assert started.json() == {
        "run_id": run.pk,
        "status": "queued",
        "portfolio_id": smith_taxable.pk,
        "household_id": smiths_at_a_loss.pk,
        "poll_url": poll_url,
    }
    assert started["Location"] == poll_url
    assert (run.trigger, run.requested_by, run.household) == (Trigger.API, alice, smiths_at_a_loss)

    body = api.get(poll_url).json()
    assert (body["run"]["id"], body["run"]["status"], body["run"]["progress"], body["complete"]) == (
        run.pk, "done", 100, True,
    )  # fmt: skip
    assert (body["account_number"], body["household"]["name"]) == ("SM-T", "Smith Family")
    found = {r["security"]: r for r in body["recommendations"]}
    assert set(found) == {"AAPL", "MSFT"}  # the IRA's AAPL lot is another portfolio's, and never a harvest
    aapl, msft = found["AAPL"], found["MSFT"]
    # One plan for the household: MSFT (the larger short-term loss, 16,500 - 50 x 241 = 4,450) is sold into
    # AAPL, so the plan buys AAPL and the AAPL loss (100 bought at 180, 141 now: 3,900.00) would wash.
    assert (msft["loss"], msft["status"], msft["action"], msft["replacement"]) == ("4450.00", "open", "harvest", "AAPL")
    assert (aapl["loss"], aapl["term"], aapl["status"], aapl["lot"], aapl["quantity"]) == (
        "3900.00", "short", "blocked", "A1", "100.00000000",
    )  # fmt: skip
    assert (aapl["replacement"], aapl["price"], aapl["action"], aapl["tax_value"]) == (
        None,
        "141.000000",
        "blocked",
        "0.00",
    )
    assert Decimal(msft["tax_value"]) > 0
    to_harvest = [r for r in body["recommendations"] if (r["status"], r["action"]) == ("open", "harvest")]
    assert to_harvest
    assert body["total_tax_value"] == str(sum((Decimal(r["tax_value"]) for r in to_harvest), Decimal("0.00")))
    # Without a run: what awaits a decision now, the same harvests.
    latest = api.get(f"/api/tax_loss_harvesting/{smith_taxable.pk}").json()
    assert latest["run"]["id"] == run.pk
    assert {r["id"] for r in latest["recommendations"]} == {r["id"] for r in body["recommendations"]}


def test_the_poll_says_to_come_back_while_the_scan_is_queued(alice, smiths_at_a_loss, smith_taxable):
    api = bearer(alice)
    started = api.post("/api/tax_loss_harvesting", {"portfolio_id": smith_taxable.pk}, format="json")
    body = api.get(started.json()["poll_url"]).json()
    assert (body["run"]["status"], body["complete"], body["recommendations"]) == ("queued", False, [])
    assert HarvestRun.objects.get().status == RunStatus.QUEUED


def test_another_portfolio_of_the_household_has_its_own_recommendations(
    alice, smiths_at_a_loss, smith_ira, smith_taxable, django_capture_on_commit_callbacks
):
    api = bearer(alice)
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/api/tax_loss_harvesting", {"portfolio_id": smith_ira.pk}, format="json")
    run_id = started.json()["run_id"]
    body = api.get(f"/api/tax_loss_harvesting/{smith_ira.pk}?run_id={run_id}").json()
    assert (body["complete"], body["recommendations"], body["total_tax_value"]) == (True, [], "0.00")
    # The scan was of the whole household: the taxable account's harvests are there for its own portfolio.
    taxable = api.get(f"/api/tax_loss_harvesting/{smith_taxable.pk}?run_id={run_id}").json()
    assert {r["security"] for r in taxable["recommendations"]} == {"AAPL", "MSFT"}


def test_starting_an_analysis_checks_its_input_and_the_callers_reach(alice, carol, mallory, smith_taxable):
    api = bearer(alice)
    missing = api.post("/api/tax_loss_harvesting", {}, format="json")
    assert (missing.status_code, missing.json()) == (400, {"portfolio_id": ["This field is required."]})
    wrong = api.post("/api/tax_loss_harvesting", {"portfolio_id": "SM-T"}, format="json")
    assert wrong.json() == {"portfolio_id": ["A valid integer is required."]}
    for outsider in (carol, mallory):
        response = bearer(outsider).post("/api/tax_loss_harvesting", {"portfolio_id": smith_taxable.pk}, format="json")
        assert (response.status_code, response.json()) == (404, {"detail": "No such portfolio."})
        assert bearer(outsider).get(f"/api/tax_loss_harvesting/{smith_taxable.pk}").status_code == 404
    assert HarvestRun.objects.count() == 0


def test_a_run_of_another_household_is_not_this_portfolios(alice, acme, smiths, smith_taxable):
    other = AccountFactory(household__firm=acme, number="O-1")
    other.household.advisors.add(alice)
    api = bearer(alice)
    run_id = api.post("/api/tax_loss_harvesting", {"portfolio_id": other.pk}, format="json").json()["run_id"]
    assert api.get(f"/api/tax_loss_harvesting/{smith_taxable.pk}?run_id={run_id}").status_code == 404
    assert api.get(f"/api/tax_loss_harvesting/{smith_taxable.pk}?run_id=abc").json() == {
        "run_id": ["A whole number is required."]
    }
    assert api.get(f"/api/tax_loss_harvesting/{smith_taxable.pk}?run_id={2**64}").status_code == 400


def test_analyses_are_rate_limited_per_user(alice, smith_taxable):
    api = bearer(alice)
    statuses = [
        api.post("/api/tax_loss_harvesting", {"portfolio_id": smith_taxable.pk}, format="json").status_code
        for _ in range(31)
    ]
    assert statuses == [202] * 30 + [429]
    refused = api.post("/api/tax_loss_harvesting", {"portfolio_id": smith_taxable.pk}, format="json")
    assert refused.json()["detail"].startswith("Request was throttled.")
    assert 0 < int(refused["Retry-After"]) <= 60
    assert HarvestRun.objects.count() == 30
