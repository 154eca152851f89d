"""The Model page in the browser: an advisor follows the nav to every forecast model version's record and reads
the current version's calibration chart."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from harvesting import forecasting
from harvesting.models import ModelVersion
from tests.browser.helpers import screenshot


@pytest.fixture
def trained(settings, tmp_path: Path, recent_market_data: Path) -> tuple[ModelVersion, ModelVersion]:
    """Two versions on the bundled prices from 2018-12 on: one to mid-2022, and the current one."""
    settings.MARKET_DATA_DIR = recent_market_data
    settings.MODEL_DIR = tmp_path / "models"
    forecasting._cache.clear()
    older = forecasting.model_train(as_of=date(2022, 6, 30))
    return older, forecasting.model_train()


def test_an_advisor_reads_each_versions_record_and_the_calibration_chart(signed_in_page, site_url, alice, trained):
    older, current = trained
    page = signed_in_page(alice)
    page.get_by_role("navigation").get_by_role("link", name="Model").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Model")
    expect(page.locator(".page-head")).to_contain_text(
        "AI model accuracy in predicting tax-loss harvesting opportunities"
    )

    cards = page.locator(".model-version")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_have_id(current.version)
    expect(cards.nth(1)).to_have_id(older.version)
    newest = cards.nth(0)
    expect(newest.get_by_test_id("current")).to_have_text("Current")
    expect(cards.nth(1).get_by_test_id("current")).to_have_count(0)
    expect(newest.get_by_test_id("auc")).to_have_text(f"{current.metrics['auc']:.3f}")
    expect(newest.get_by_test_id("check")).to_contain_text("every figure matches")

    chart = newest.get_by_test_id("calibration-chart")
    expect(chart).to_be_visible()
    filled = [b for b in current.metrics["calibration"] if b["count"]]
    expect(chart.get_by_test_id("calibration-point")).to_have_count(len(filled))
    box = chart.bounding_box()
    assert box is not None
    assert min(box["width"], box["height"]) > 300  # drawn at a readable size
    screenshot(page, "model")
