"""Upload a client's Form 1040 on the tax profile page, check what was read beside the return's text, apply it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from taxprofiles.models import TaxDocument, TaxProfile
from tests.browser.helpers import screenshot
from tests.taxprofiles.form1040 import samples


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.OPENAI_API_KEY = ""


def test_an_advisor_uploads_a_return_reviews_it_and_applies_it(signed_in_page, site_url, alice, smiths, tmp_path):
    pdf = tmp_path / "joint-2025.pdf"
    pdf.write_bytes(samples.married_joint_2025())
    page = signed_in_page(alice)
    page.goto(site_url("taxprofiles:edit", smiths.pk))
    page.get_by_label("Form 1040 PDF").set_input_files(str(pdf))
    page.get_by_role("button", name="Upload and read").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Form 1040 review")
    expect(page.get_by_test_id("document-status")).to_have_text("Ready for review")
    expect(page.get_by_test_id("document-text")).to_contain_text("U.S. Individual Income Tax Return")
    wages = page.get_by_label("Wages")
    expect(wages).to_have_value("210400.00")
    # How each figure was read, whose return it is, and what applying would keep.
    expect(page.get_by_test_id("flag-wages")).to_have_text("found · 90%")
    expect(page.get_by_test_id("flag-sd_loss_allowed")).to_have_text("not found")
    expect(page.get_by_test_id("names-warning")).to_contain_text(
        "The return is for Jane Q. Example, and this household has no clients on record to compare them with"
    )
    expect(page.get_by_label("Apply to tax year")).to_have_value("2025")
    assert not TaxProfile.objects.filter(household=smiths).exists()  # nothing applied before review
    screenshot(page, "form-1040-review")

    wages.fill("212000.00")
    page.get_by_role("button", name="Apply to the tax profile").click()
    expect(page.locator(".messages")).to_contain_text("Applied to the 2025 tax profile; rescanning the household.")
    expect(page.get_by_test_id("changes")).to_contain_text("212000.00")
    profile = TaxProfile.objects.get(household=smiths, tax_year=2025)
    assert (profile.filing_status, profile.wages) == ("married_joint", Decimal("212000.00"))
    assert TaxDocument.objects.get().applied_profile == profile
