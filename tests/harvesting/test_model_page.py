"""The Model page (every forecast model version's out-of-sample record), the one-line record of the version in each
explanation, the API's model fields and the read-only admin of versions.

Versions are trained on the bundled prices from 2018-12 on (``recent_market_data``): a second each. The Smith lot
is tests/harvesting/test_scan_views.py's: 100 AAPL bought at 180 on 2022-01-03, scanned on the data's last day.
"""

from __future__ import annotations

import gzip
import html
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from pytest_django.fixtures import Settings

from harvesting import forecasting
from harvesting.model_record import calibration_chart
from harvesting.models import ModelVersion, Opportunity
from portfolios.importers import ledger_import
from portfolios.market_history import price_history_load
from portfolios.models import Household, Role, User
from portfolios.templatetags.money import usd
from taxprofiles.models import TaxProfile
from tests.api_clients import bearer
from tests.factories import UserFactory

MODEL = reverse("harvesting:model")
OPPORTUNITIES = reverse("harvesting:opportunities")


def signed_in(user: User) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


def text_of(page: str, testid: str) -> str:
    """The text of the element marked ``data-testid=testid`` as a reader sees it: inline tags (links, emphasis)
    dropped, other tags a space, entities decoded, spaces collapsed."""
    match = re.search(rf'<(\w+)[^>]*\bdata-testid="{re.escape(testid)}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"nothing marked {testid!r} on the page"
    inline = re.sub(r"</?(?:a|strong|span|em)\b[^>]*>", "", match.group(2))
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def card_of(page: str, version: str) -> str:
    """The HTML of one version's card on the Model page."""
    start = page.index(f'data-testid="version-{version}"')
    end = page.find('data-testid="version-', start + 1)
    return page[start : end if end != -1 else len(page)]


@pytest.fixture
def model_env(settings: Settings, tmp_path: Path, recent_market_data: Path) -> Path:
    settings.MARKET_DATA_DIR = recent_market_data
    settings.MODEL_DIR = tmp_path / "models"
    forecasting._cache.clear()
    return tmp_path / "models"


@pytest.fixture
def versions(db: None, model_env: Path) -> tuple[ModelVersion, ModelVersion]:
    """An older version (data to mid-2022) and the current one (data to the end of 2022)."""
    older = forecasting.model_train(as_of=date(2022, 6, 30))
    current = forecasting.model_train()
    older.refresh_from_db()
    return older, current


# --- the Model page ------------------------------------------------------------------------------------


def test_the_model_page_lists_every_version_newest_first_with_the_current_one_marked(alice, versions):
    older, current = versions
    page = signed_in(alice).get(MODEL).text
    assert page.index(f'id="{current.version}"') < page.index(f'id="{older.version}"')
    assert 'data-testid="current"' in card_of(page, current.version)
    assert 'data-testid="current"' not in card_of(page, older.version)
    assert "<h1>Model</h1>" in page
    assert "AI model accuracy in predicting tax-loss harvesting opportunities" in page
    about = text_of(page, "model-about")
    assert (
        "the chance its price falls 5% or more below that day's close within 21 trading days (about the 30 days "
        "of the wash-sale window), and the volatility of those 21 days" in about
    )


def test_each_version_states_its_out_of_sample_record_in_figures_and_words(alice, versions):
    _, current = versions
    m = current.metrics
    card = card_of(signed_in(alice).get(MODEL).text, current.version)
    assert text_of(card, "auc") == f"{m['auc']:.3f}"
    assert text_of(card, "brier") == f"{m['brier']:.3f} base rate {m['brier_baseline']:.3f}"
    assert (
        text_of(card, "volatility-r2") == f"{m['volatility_r2']:.2f} trailing 63-day {m['volatility_r2_trailing']:.2f}"
    )
    assert text_of(card, "trained") == f"{current.trained_from:%Y-%m-%d} to {current.trained_to:%Y-%m-%d}"
    assert text_of(card, "tested") == f"{current.tested_from:%Y-%m-%d} to {current.tested_to:%Y-%m-%d}"
    assert text_of(card, "auc-words").startswith(f"AUC {m['auc']:.2f}: take a stock-day whose price went on to fall 5%")
    gap = abs(1 - m["brier"] / m["brier_baseline"])
    verdict = (
        f"the model is better ({gap:.1%} lower)"
        if m["brier"] < m["brier_baseline"]
        else f"the base rate is better (the model's score is {gap:.1%} higher)"
    )
    assert text_of(card, "brier-words") == (
        f"Brier score {m['brier']:.3f} against {m['brier_baseline']:.3f} for always forecasting the training base "
        f"rate of {m['train_base_rate']:.1%}. Lower is better, so {verdict}."
    )
    vol_better = (
        "the forecast is better"
        if m["volatility_r2"] > m["volatility_r2_trailing"]
        else "the trailing figure is better"
    )
    assert text_of(card, "volatility-words") == (
        f"Volatility of the next 21 days: R² {m['volatility_r2']:.2f} for the forecast (of the log of the volatility) "
        f"against {m['volatility_r2_trailing']:.2f} for the trailing 63-day figure, so {vol_better}."
    )
    assert text_of(card, "windows") == (
        f"Trained on {current.trained_from:%Y-%m-%d} to {current.trained_to:%Y-%m-%d} "
        f"({m['train_rows']:,} stock-days); tested on {current.tested_from:%Y-%m-%d} to {current.tested_to:%Y-%m-%d} "
        f"({m['test_rows']:,} stock-days), which its training never saw. In the test period {m['base_rate']:.1%} "
        f"of them fell 5% further; the model predicted {m['mean_predicted']:.1%} on average."
    )
    facts = m["facts"]
    assert text_of(card, "facts") == (
        f"What waiting looked like in its training days: a price that fell 5% or more within 21 trading days ended "
        f"them {facts['deepening']:.1%} below the day's close on average; one that did not returned "
        f"{facts['recovery']:+.1%} over them on average; and the ordinary (median) volatility of 21 days was "
        f"{facts['reference_volatility']:.1%}. The value of waiting weighs these figures, scaled by a stock's "
        "forecast volatility over the ordinary level, with the forecast chance; a lot's harvest threshold scales "
        "the same way."
    )
    assert text_of(card, "check") == (
        f"Recomputed from its {m['test_rows']:,} stored predictions when this page was drawn: every figure matches."
    )


def test_the_calibration_chart_draws_one_point_per_non_empty_bin_beside_the_table(alice, versions):
    _, current = versions
    card = card_of(signed_in(alice).get(MODEL).text, current.version)
    filled = [b for b in current.metrics["calibration"] if b["count"]]
    assert 0 < len(filled) < 10  # the bundled data leaves some bins empty: they are not drawn
    assert card.count('data-testid="calibration-point"') == len(filled)
    assert '<svg class="chart calibration"' in card
    assert '<line class="diagonal"' in card
    assert "Predicted chance of falling 5% further</text>" in card
    assert "Share that did</text>" in card
    for b in filled:
        assert (
            f"{b['count']:,} stock-days, predicted {b['mean_predicted']:.1%} on average, and {b['observed']:.1%}"
            in card
        )
    table = text_of(card, "calibration-table")
    assert table.startswith("Forecast Stock-days Predicted Observed 0% to 10%")
    assert table.count(" to ") == 10


def test_the_chart_puts_predicted_across_and_observed_up_on_one_scale():
    calibration = [
        {"bin_lower": 0.0, "bin_upper": 0.1, "count": 0, "mean_predicted": None, "observed": None},
        {"bin_lower": 0.1, "bin_upper": 0.2, "count": 10, "mean_predicted": 0.15, "observed": 0.2},
        {"bin_lower": 0.3, "bin_upper": 0.4, "count": 40, "mean_predicted": 0.35, "observed": 0.3},
    ]
    chart = calibration_chart(calibration)
    assert chart is not None
    # Both axes run to 0.4 (0.35 rounded up to a tenth) over a 320-unit plot from (56, 336) up to (376, 16).
    assert (chart.top, chart.left, chart.right, chart.top_edge, chart.bottom) == (0.4, 56, 376, 16, 336)
    assert [(p.x, p.y, p.radius, p.count) for p in chart.points] == [
        (56 + 320 * 0.15 / 0.4, 336 - 320 * 0.2 / 0.4, 3 + 6 * 0.5, 10),
        (56 + 320 * 0.35 / 0.4, 336 - 320 * 0.3 / 0.4, 9.0, 40),
    ]
    assert [(p.label_x, p.label_y) for p in chart.points] == [(176.0, 176 - 6 - 4), (336.0, 96 + 9 + 11)]
    assert chart.line == "M176.0,176.0 L336.0,96.0"
    assert [label for _, _, label in chart.ticks] == ["0%", "10%", "20%", "30%", "40%"]
    assert chart.ticks[-1][:2] == (376.0, 16.0)
    assert calibration_chart(calibration[:1]) is None


def test_above_a_half_the_axes_tick_every_fifth_and_end_on_a_tick():
    chart = calibration_chart(
        [{"bin_lower": 0.8, "bin_upper": 0.9, "count": 17, "mean_predicted": 0.843, "observed": 0.235}]
    )
    assert chart is not None
    assert chart.top == 1.0
    assert [label for _, _, label in chart.ticks] == ["0%", "20%", "40%", "60%", "80%", "100%"]


def test_a_version_whose_predictions_were_altered_says_it_cannot_be_recomputed(alice, versions, model_env):
    older, current = versions
    path = model_env / current.predictions_path
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()).replace(b",0.", b",0.9", 1)))
    ModelVersion.objects.filter(pk=older.pk).update(metrics={**older.metrics, "auc": 0.99})
    page = signed_in(alice).get(MODEL).text
    assert text_of(card_of(page, current.version), "check") == (
        f"Not recomputed: {current.version}: the predictions file does not match its recorded SHA-256."
    )
    assert text_of(card_of(page, older.version), "check") == (
        "Recomputed from its stored predictions when this page was drawn, these figures differ: auc."
    )


def test_without_a_trained_version_the_page_says_how_to_train_one(alice, model_env):
    page = signed_in(alice).get(MODEL).text
    assert "No model has been trained yet" in page
    assert "calibration" not in page


def test_a_version_of_the_earlier_model_is_listed_as_it_was_kept(alice, model_env):
    ModelVersion.objects.create(
        version="rebound-2022-12-28-0a1b2c3d", path="rebound.joblib", trained_from=date(2000, 1, 3),
        trained_to=date(2020, 11, 27), tested_from=date(2020, 12, 28), tested_to=date(2022, 12, 28),
        features=[], metrics={"auc": 0.469, "brier": 0.25, "calibration": []},
    )  # fmt: skip
    card = card_of(signed_in(alice).get(MODEL).text, "rebound-2022-12-28-0a1b2c3d")
    assert "A version of an earlier model, not of this forecast" in card
    assert text_of(card, "auc") == "0.469"
    assert text_of(card, "check") == "Not recomputed: rebound-2022-12-28-0a1b2c3d has no stored predictions."


# --- who may read it -----------------------------------------------------------------------------------


def test_the_model_page_needs_a_sign_in():
    response = HttpClient().get(MODEL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={MODEL}"


def test_a_client_login_is_sent_to_their_reports(acme, jane):
    client_login = UserFactory(firm=acme, email="jane@smith.example", role=Role.CLIENT, client=jane)
    response = signed_in(client_login).get(MODEL)
    assert (response.status_code, response["Location"]) == (302, reverse("reporting:client_home"))


@pytest.mark.parametrize("persona", ["alice", "bob", "mallory"])
def test_every_firms_advisors_and_admins_read_the_same_platform_record(persona, request, versions):
    _, current = versions
    page = signed_in(request.getfixturevalue(persona)).get(MODEL)
    assert page.status_code == 200
    assert text_of(page.text, f"version-{current.version}").startswith(current.version)


def test_the_portal_nav_links_to_the_model_page(alice, smiths):
    page = signed_in(alice).get(reverse("portfolios:household_list")).text
    assert f'<a href="{MODEL}">Model</a>' in page


# --- the one-line record in each explanation, and the API --------------------------------------------------


@pytest.fixture
def scored(
    alice, smiths: Household, smith_taxable, versions, recent_market_data, django_capture_on_commit_callbacks
) -> Opportunity:
    """The Smiths' AAPL lot, scanned with the current version."""
    price_history_load(data_dir=recent_market_data)
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
    assert opportunity.model_version == versions[1]
    assert opportunity.value_now is not None  # the forecast was weighed
    return opportunity


def test_each_explanation_names_the_forecast_the_decision_in_dollars_and_the_version_that_scored_it(alice, scored):
    o, version = scored, scored.model_version
    page = signed_in(alice).get(OPPORTUNITIES).text
    assert text_of(page, f"forecast-{o.pk}") == (
        f"The forecast: a {o.model_score:.0%} chance the price falls 5% or more within 21 trading days; "
        f"forecast volatility {o.forward_volatility:.0%}."
    )
    if o.explanation["action"] == "wait":
        decision = f"Waiting: {usd(o.value_of_waiting)} expected; harvest now: {usd(o.value_now)}."
    else:
        decision = f"Harvest now: {usd(o.value_now)} expected; waiting: {usd(o.value_of_waiting)}."
    assert text_of(page, f"decision-{o.pk}") == decision
    m = version.metrics
    assert text_of(page, f"scored-by-{o.pk}") == (
        f"Scored by {version.version}: out-of-sample AUC {m['auc']:.2f}, Brier {m['brier']:.3f} (base rate "
        f"{m['brier_baseline']:.3f}), trained {version.trained_from:%Y-%m-%d} to {version.trained_to:%Y-%m-%d}"
    )
    assert f'<a href="{MODEL}#{version.version}">{version.version}</a>' in page
    assert ">Falls 5% more</th>" in page
    assert "rebound" not in page.lower()


@pytest.mark.parametrize(
    ("action", "now", "wait", "decision"),
    [
        ("harvest", "1699.00", "1654.00", "Harvest now: $1,699.00 expected; waiting: $1,654.00."),
        ("wait", "1654.00", "1699.00", "Waiting: $1,699.00 expected; harvest now: $1,654.00."),
    ],
)
def test_the_decision_is_worded_for_harvesting_now_or_waiting(alice, scored, action, now, wait, decision):
    Opportunity.objects.filter(pk=scored.pk).update(
        explanation={**scored.explanation, "action": action}, value_now=Decimal(now), value_of_waiting=Decimal(wait)
    )
    page = signed_in(alice).get(OPPORTUNITIES).text
    assert text_of(page, f"decision-{scored.pk}") == decision


def test_an_unweighed_harvest_has_no_decision_line(alice, scored):
    Opportunity.objects.filter(pk=scored.pk).update(value_now=None, value_of_waiting=None)
    page = signed_in(alice).get(OPPORTUNITIES).text
    assert f'data-testid="decision-{scored.pk}"' not in page
    assert f'data-testid="scored-by-{scored.pk}"' in page


def test_the_api_gives_the_forecast_the_dollars_and_the_scoring_versions_record(alice, scored, smith_taxable):
    o, version = scored, scored.model_version
    body = bearer(alice).get(f"/api/tax_loss_harvesting/{smith_taxable.pk}").json()
    (found,) = body["recommendations"]
    assert found["model_score"] == o.model_score
    assert found["forward_volatility"] == o.forward_volatility
    assert (found["value_now"], found["value_of_waiting"]) == (f"{o.value_now:.2f}", f"{o.value_of_waiting:.2f}")
    assert found["model"] == {
        "version": version.version,
        "auc": version.metrics["auc"],
        "brier": version.metrics["brier"],
        "brier_baseline": version.metrics["brier_baseline"],
        "trained_from": version.trained_from.isoformat(),
        "trained_to": version.trained_to.isoformat(),
    }


def test_an_unscored_recommendation_has_no_model(
    alice, smiths_at_a_loss, smith_taxable, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        bearer(alice).post("/api/tax_loss_harvesting", {"portfolio_id": smith_taxable.pk}, format="json")
    body = bearer(alice).get(f"/api/tax_loss_harvesting/{smith_taxable.pk}").json()
    assert body["recommendations"]
    for found in body["recommendations"]:
        assert (found["model_score"], found["forward_volatility"], found["model"]) == (None, None, None)
        assert (found["value_now"], found["value_of_waiting"]) == (None, None)


# --- the admin ------------------------------------------------------------------------------------------


def test_a_firm_admin_reads_versions_in_the_admin_but_cannot_change_them(bob, versions):
    _, current = versions
    client = signed_in(bob)
    listing = client.get(reverse("admin:harvesting_modelversion_changelist"))
    assert listing.status_code == 200
    assert current.version in listing.text
    change = reverse("admin:harvesting_modelversion_change", args=[current.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert client.post(change, {"is_current": ""}).status_code == 403
    assert client.get(reverse("admin:harvesting_modelversion_add")).status_code == 403
    current.refresh_from_db()
    assert current.is_current


def test_a_superuser_may_change_which_version_is_current_but_not_its_record(versions):
    _, current = versions
    root = UserFactory(
        firm=None, email="root@platform.example", is_staff=True, is_superuser=True, authenticator_app=True
    )
    client = signed_in(root)
    page = client.get(reverse("admin:harvesting_modelversion_change", args=[current.pk])).text
    assert 'name="is_current"' in page
    assert 'name="metrics"' not in page
    assert client.get(reverse("admin:harvesting_modelversion_add")).status_code == 403
