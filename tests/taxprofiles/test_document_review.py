"""The review of a read Form 1040: how each figure was read, what applying keeps, the year, whose return it is.

The documents here are stored as the reading task leaves them (fields, names, blank lines), so each test states
exactly what the reader found; ``test_tax_documents.py`` and ``form1040/`` cover the reading itself.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from taxprofiles.models import DocumentStatus, ProfileSource, TaxDocument, TaxProfile
from tests.factories import ClientFactory
from tests.taxprofiles.form1040 import specimens
from tests.taxprofiles.form1040.fake_openai import API_KEY
from tests.taxprofiles.form1040.test_openai_extract import good_answer
from tests.taxprofiles.test_tax_documents import private_root, signed_in, uploaded

__all__ = ["private_root"]  # its autouse fixture: files under a temporary root, no OpenAI key

pytestmark = pytest.mark.django_db

LINE = {"confidence": 0.9, "snippet": "a line"}


@pytest.fixture
def clients(smiths):
    return [
        ClientFactory(household=smiths, external_id="SM-1", name="Miriam Smith"),
        ClientFactory(household=smiths, external_id="SM-2", name="David Smith"),
    ]


def read_document(household, *, fields, names=("Miriam R. Smith", "David Smith"), blank=(), source="offline"):
    """A return as the reading task leaves it: read, waiting for review."""
    document = TaxDocument(
        household=household,
        filename="return.pdf",
        size=4,
        sha256="0" * 64,
        status=DocumentStatus.EXTRACTED,
        progress=100,
        source=source,
        text="Form 1040 U.S. Individual Income Tax Return",
        fields={name: {"value": value, **LINE, **extra} for name, (value, extra) in fields.items()},
        names=list(names),
        blank_lines=list(blank),
    )
    document.file.save("r.pdf", ContentFile(b"%PDF"), save=False)
    document.save()
    return document


def found(value, confidence=0.9):
    return (value, {"confidence": confidence})


RETURN_2025 = {
    "tax_year": found(2025, 0.95),
    "filing_status": found("married_joint"),
    "wages": found("210400.00"),
    "taxable_interest": found("4318.27"),
    "qualified_dividends": found("6200.00"),
    "ordinary_dividends": found("8950.00"),
    "deductions": found("62490.00"),
    "st_carryover": found("2500.00"),
    "st_net": found("-1000.00"),
    "lt_carryover": found("12750.50"),
    "lt_net": found("-11500.50"),
}


def review_page(user, document) -> str:
    return signed_in(user).get(reverse("taxprofiles:document", args=[document.pk])).text


def flag(page: str, name: str) -> str:
    match = re.search(rf'data-testid="flag-{name}"[^>]*>([^<]*)<', page)
    assert match, f"no flag for {name}"
    return match.group(1)


def apply(user, document, **changes):
    form = {name: value for name, (value, _) in RETURN_2025.items()} | {"tax_year": "2025"} | changes
    form = {name: value for name, value in form.items() if value is not None}
    return signed_in(user).post(reverse("taxprofiles:document", args=[document.pk]), form, follow=True)


def test_every_field_is_flagged_found_low_confidence_blank_or_not_found(alice, smiths, clients):
    fields = {**RETURN_2025, "wages": found("210400.00", 0.62)}
    del fields["taxable_interest"]
    document = read_document(smiths, fields=fields, blank=["capital_gain"])
    page = review_page(alice, document)
    assert flag(page, "ordinary_dividends") == "found · 90%"
    assert flag(page, "wages") == "low confidence · 62%"
    assert flag(page, "capital_gain") == "blank on the return"
    assert flag(page, "taxable_interest") == "not found"
    assert flag(page, "total_tax") == "not found"
    assert flag(page, "tax_year") == "found · 95%"


def test_a_not_found_figure_never_overwrites_the_profile_and_the_page_says_what_is_kept(alice, smiths, clients):
    TaxProfile.objects.create(
        household=smiths,
        tax_year=2025,
        filing_status="married_joint",
        wages=Decimal("150000"),
        other_ordinary_income=Decimal("5000"),
    )
    fields = {name: value for name, value in RETURN_2025.items() if name not in ("wages", "taxable_interest")}
    document = read_document(smiths, fields=fields)
    page = review_page(alice, document)
    kept = page[page.index('data-testid="kept"') :]
    assert "Wages" in kept
    assert "150000.00" in kept
    assert "Not on the return: line 1z (wages)" in kept
    assert "Other ordinary income" in kept
    assert "line 2b (taxable interest)" in kept

    response = apply(alice, document, wages=None, taxable_interest=None)
    assert "Applied to the 2025 tax profile" in response.text
    profile = TaxProfile.objects.get(household=smiths, tax_year=2025)
    assert (profile.wages, profile.other_ordinary_income) == (Decimal("150000.00"), Decimal("5000.00"))
    assert profile.qualified_dividends == Decimal("6200.00")
    document.refresh_from_db()
    assert "wages" not in document.changes
    assert "other_ordinary_income" not in document.changes


def test_itemized_deductions_above_the_standard_deduction_are_applied_with_dividends_and_carryovers(
    alice, smiths, clients
):
    TaxProfile.objects.create(household=smiths, tax_year=2025, filing_status="single", wages=Decimal("1"))
    apply(alice, read_document(smiths, fields=RETURN_2025))
    profile = TaxProfile.objects.get(household=smiths, tax_year=2025)
    # 62,490 is above 2025's 31,500 standard deduction for a joint return: itemized.
    assert (profile.filing_status, profile.itemized_deductions) == ("married_joint", Decimal("62490.00"))
    assert (profile.wages, profile.qualified_dividends) == (Decimal("210400.00"), Decimal("6200.00"))
    # Interest and the dividends that are not qualified: 4,318.27 + 8,950.00 - 6,200.00.
    assert profile.other_ordinary_income == Decimal("7068.27")
    # Schedule D's carryovers are the profile's carryforwards; its nets include them, the gains exclude them.
    assert (profile.st_carryforward, profile.lt_carryforward) == (Decimal("2500.00"), Decimal("12750.50"))
    assert (profile.st_gains_realized, profile.lt_gains_realized) == (Decimal("1500.00"), Decimal("1250.00"))
    assert profile.source == ProfileSource.FORM_1040


def test_a_line_blank_on_the_return_counts_as_zero_inside_a_sum_only(alice, smiths, clients):
    fields = {name: value for name, value in RETURN_2025.items() if "dividends" not in name}
    document = read_document(smiths, fields=fields, blank=["ordinary_dividends", "qualified_dividends"])
    apply(alice, document, ordinary_dividends=None, qualified_dividends=None)
    profile = TaxProfile.objects.get(household=smiths, tax_year=2025)
    assert (profile.other_ordinary_income, profile.qualified_dividends) == (Decimal("4318.27"), Decimal("0.00"))


def test_the_year_to_apply_defaults_to_the_returns_year(alice, smiths, clients):
    document = read_document(smiths, fields={**RETURN_2025, "tax_year": found(2024, 0.95)})
    page = review_page(alice, document)
    assert re.search(r'<option value="2024" selected>', page)
    assert not re.search(r'<option value="2026" selected>', page)


def test_a_year_the_tax_tables_do_not_cover_is_refused_with_the_reason(alice, smiths, clients):
    document = read_document(smiths, fields={**RETURN_2025, "tax_year": found(2016, 0.95)})
    page = review_page(alice, document)
    reason = (
        "The tax tables cover 2018-2026; a 2016 return cannot be applied under its own year&#x27;s law. "
        "Choose a covered year only if the figures belong to it."
    )
    assert reason in page  # warned before anything is submitted
    assert re.search(r'<option value="2016" selected>', page)
    response = apply(alice, document, tax_year="2016")
    assert reason in response.text
    assert not TaxProfile.objects.exists()
    document.refresh_from_db()
    assert document.status == DocumentStatus.EXTRACTED


def test_a_warning_when_the_returns_names_are_not_the_households_clients(alice, smiths, clients):
    ours = review_page(alice, read_document(smiths, fields=RETURN_2025))
    assert 'data-testid="names-warning"' not in ours  # "Miriam R. Smith" is Miriam Smith

    theirs = review_page(alice, read_document(smiths, fields=RETURN_2025, names=("Jane Q. Example", "David Smith")))
    assert (
        "The return is for Jane Q. Example and David Smith, but Jane Q. Example is not among this household&#x27;s "
        "clients (David Smith and Miriam Smith): check that this is their return before applying it."
    ) in theirs

    unread = review_page(alice, read_document(smiths, fields=RETURN_2025, names=()))
    assert "The taxpayers&#x27; names could not be read from the return" in unread


def test_a_scan_read_by_ocr_says_so_and_flags_its_figures(alice, smiths, clients):
    fields = {name: (value, {"confidence": 0.7}) for name, (value, _) in RETURN_2025.items()}
    page = review_page(alice, read_document(smiths, fields=fields, source="ocr"))
    assert "read by OCR of a scan (lower confidence: check every figure)" in page
    assert flag(page, "wages") == "low confidence · 70%"


def test_an_uploaded_scan_is_read_by_ocr_in_the_task_not_refused(
    alice, smiths, clients, django_capture_on_commit_callbacks
):
    facts = specimens.ReturnFacts(
        year=2024,
        filing_status="single",
        names=("Miriam Smith",),
        values={"wages": Decimal("85000"), "taxable_interest": Decimal("1250"), "agi": Decimal("86250")},
        schedule_d=False,
    )
    document = uploaded(alice, smiths, specimens.render(facts, "scan"), django_capture_on_commit_callbacks)
    document.refresh_from_db()
    assert (document.status, document.source) == (DocumentStatus.EXTRACTED, "ocr")
    assert document.fields["tax_year"]["value"] == 2024
    assert document.fields["wages"]["value"] == "85000.00"
    assert all(found["confidence"] <= 0.7 for found in document.fields.values())
    page = review_page(alice, document)
    assert "read by OCR of a scan (lower confidence: check every figure)" in page
    assert flag(page, "wages").startswith("low confidence")


def test_openai_reading_a_scans_ocr_text_is_no_surer_than_ocr(
    alice, smiths, clients, settings, fake_openai, django_capture_on_commit_callbacks
):
    settings.OPENAI_API_KEY = API_KEY
    settings.OPENAI_BASE_URL = f"{fake_openai.url}/v1"
    fake_openai.answer_json(good_answer())
    facts = specimens.ReturnFacts(
        year=2024, filing_status="single", names=("Miriam Smith",), values={"wages": Decimal("85000")}, schedule_d=False
    )
    document = uploaded(alice, smiths, specimens.render(facts, "scan"), django_capture_on_commit_callbacks)
    document.refresh_from_db()
    assert (document.status, document.source) == (DocumentStatus.EXTRACTED, "openai")
    assert document.message == "A scan: OpenAI read the text OCR found in it; check every figure."
    assert document.fields["wages"]["confidence"] == 0.7  # OpenAI said 0.95 of OCR's text
    (request,) = fake_openai.requests
    assert "Individual Income Tax Return" in request["messages"][1]["content"]  # OCR's text
    assert document.names == ["Miriam Smith"]
