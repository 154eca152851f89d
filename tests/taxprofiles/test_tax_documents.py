"""Uploaded Form 1040s: checked before storing, read in the background, applied only after review, private."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse

from harvesting.models import HarvestRun
from taxprofiles.models import DocumentStatus, ProfileSource, TaxDocument, TaxProfile
from tests.taxprofiles.form1040 import samples
from tests.taxprofiles.form1040.fake_openai import API_KEY
from tests.taxprofiles.form1040.test_openai_extract import good_answer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.OPENAI_API_KEY = ""
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture(scope="module")
def joint_2025() -> bytes:
    return samples.married_joint_2025()


def signed_in(user) -> HttpClient:  # type: ignore[no-untyped-def]
    client = HttpClient()
    client.force_login(user)
    return client


def upload(client: HttpClient, household, data: bytes, name: str = "return.pdf"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("taxprofiles:document_upload", args=[household.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="application/pdf")},
    )


def uploaded(alice, smiths, data, capture) -> TaxDocument:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        response = upload(signed_in(alice), smiths, data)
    document = TaxDocument.objects.get()
    assert response["Location"] == reverse("taxprofiles:document", args=[document.pk])
    return document


def test_an_upload_is_read_in_the_background_and_waits_for_review(
    alice, smiths, joint_2025, private_root, django_capture_on_commit_callbacks
):
    document = uploaded(alice, smiths, joint_2025, django_capture_on_commit_callbacks)
    document.refresh_from_db()
    assert (document.status, document.progress, document.source, document.message) == (
        DocumentStatus.EXTRACTED, 100, "offline", ""
    )  # fmt: skip
    assert document.fields["wages"]["value"] == "210400.00"
    assert document.fields["tax_year"]["value"] == 2025
    assert (private_root / document.file.name).read_bytes() == joint_2025
    assert not TaxProfile.objects.exists()  # never applied unreviewed
    page = signed_in(alice).get(reverse("taxprofiles:document", args=[document.pk])).text
    assert 'name="wages" value="210400.00"' in page
    assert "Apply to the tax profile" in page


def test_the_confirmed_figures_update_the_profile_with_an_audit_of_each_change(
    alice, smiths, joint_2025, django_capture_on_commit_callbacks
):
    TaxProfile.objects.create(household=smiths, tax_year=2025, filing_status="single", wages=Decimal("150000"))
    document = uploaded(alice, smiths, joint_2025, django_capture_on_commit_callbacks)
    form = {
        "tax_year": "2025",
        "filing_status": "married_joint",
        "wages": "212000.00",  # the advisor corrects a figure
        "taxable_interest": "4318.27",
        "ordinary_dividends": "8950.00",
        "qualified_dividends": "6200.00",
        "deductions": "31500.00",
        "st_net": "-1000.00",
        "lt_net": "-11500.50",
        "st_carryover": "2500.00",
        "lt_carryover": "12750.50",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(alice).post(reverse("taxprofiles:document", args=[document.pk]), form, follow=True)
    assert "Applied to the 2025 tax profile; rescanning the household." in response.text
    profile = TaxProfile.objects.get(household=smiths, tax_year=2025)
    assert (profile.filing_status, profile.wages, profile.other_ordinary_income, profile.itemized_deductions) == (
        "married_joint", Decimal("212000.00"), Decimal("7068.27"), None  # 31,500 is the standard deduction
    )  # fmt: skip
    # Interest and the ordinary dividends that are not qualified: 4,318.27 + 8,950 - 6,200.
    assert profile.qualified_dividends == Decimal("6200.00")
    # Schedule D's nets include the carryovers: the gains realized elsewhere are the nets without them.
    assert (profile.st_gains_realized, profile.lt_gains_realized) == (Decimal("1500.00"), Decimal("1250.00"))
    assert (profile.st_carryforward, profile.lt_carryforward) == (Decimal("2500.00"), Decimal("12750.50"))
    assert profile.source == ProfileSource.FORM_1040
    document.refresh_from_db()
    assert (document.status, document.applied_profile, document.applied_by) == (DocumentStatus.APPLIED, profile, alice)
    assert document.changes["wages"] == ["150000.00", "212000.00"]
    assert document.changes["filing_status"] == ["single", "married_joint"]
    assert HarvestRun.objects.filter(household=smiths).exists()  # the household is rescanned
    # Applying twice is refused.
    again = signed_in(alice).post(reverse("taxprofiles:document", args=[document.pk]), {**form, "wages": "1"})
    assert again.status_code == 200
    assert TaxProfile.objects.get(pk=profile.pk).wages == Decimal("212000.00")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: b"", "The file is empty: choose the PDF of the return and upload it again."),
        (lambda: b"hello, world", "The file is not a PDF: upload the return as a PDF."),
        (
            lambda: samples.oversized(15 * 1024 * 1024),
            "The file is larger than the 15 MB limit: upload only the Form 1040 and its schedules.",
        ),
    ],
    ids=["empty", "not-a-pdf", "oversized"],
)
def test_a_bad_upload_is_refused_and_nothing_is_stored(alice, smiths, make, message, private_root):
    data = make()
    client = signed_in(alice)
    response = upload(client, smiths, data)
    assert response["Location"] == reverse("taxprofiles:edit", args=[smiths.pk])
    assert message in client.get(response["Location"]).text
    assert not TaxDocument.objects.exists()
    assert not private_root.exists() or not any(private_root.rglob("*.pdf"))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: samples.encrypted(samples.single_2024()),
            "The PDF is password-protected: save an unprotected copy and upload that.",
        ),
        (
            samples.image_only,
            # A scan is read by OCR; an image with no words in it is refused for that.
            "The PDF has no text layer and OCR found no text in it: upload a clearer scan (at least 200 dpi), "
            "or the PDF from the tax software.",
        ),
        (
            samples.w2_form,
            'The PDF does not look like a Form 1040 (no "Form 1040" and "U.S. Individual Income Tax Return"): '
            "upload the federal return itself.",
        ),
    ],
    ids=["encrypted", "image-only", "another-form"],
)
def test_a_pdf_that_cannot_be_read_as_a_1040_fails_in_the_background_with_the_reason(
    alice, smiths, make, message, django_capture_on_commit_callbacks
):
    # Telling these apart means parsing the PDF, which the upload request never does: the task says why.
    document = uploaded(alice, smiths, make(), django_capture_on_commit_callbacks)
    document.refresh_from_db()
    assert (document.status, document.message, document.fields) == (DocumentStatus.FAILED, message, {})
    page = signed_in(alice).get(reverse("taxprofiles:document", args=[document.pk])).text
    assert message.replace('"', "&quot;") in page
    assert "Apply to the tax profile" not in page


def test_a_failing_openai_falls_back_to_the_offline_parser_and_says_why(
    alice, smiths, joint_2025, settings, django_capture_on_commit_callbacks
):
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"  # nothing listens there
    document = uploaded(alice, smiths, joint_2025, django_capture_on_commit_callbacks)
    document.refresh_from_db()
    assert (document.status, document.source) == (DocumentStatus.EXTRACTED, "offline")
    assert document.message.startswith("OpenAI extraction failed (")
    assert document.fields["wages"]["value"] == "210400.00"


@pytest.mark.parametrize("persona", ["carol", "mallory"])
def test_only_those_who_may_see_the_household_reach_its_documents(
    persona, request, alice, smiths, joint_2025, django_capture_on_commit_callbacks
):
    document = uploaded(alice, smiths, joint_2025, django_capture_on_commit_callbacks)
    outsider = signed_in(request.getfixturevalue(persona))
    for name in ("taxprofiles:document", "taxprofiles:document_file"):
        assert outsider.get(reverse(name, args=[document.pk])).status_code == 404
    assert outsider.post(reverse("taxprofiles:document_delete", args=[document.pk])).status_code == 404
    assert outsider.post(reverse("taxprofiles:document", args=[document.pk]), {"tax_year": "2025"}).status_code == 404
    assert upload(outsider, smiths, joint_2025).status_code == 404
    assert TaxDocument.objects.count() == 1


def test_the_file_is_served_to_the_advisor_and_can_be_deleted(
    alice, smiths, joint_2025, private_root, django_capture_on_commit_callbacks
):
    document = uploaded(alice, smiths, joint_2025, django_capture_on_commit_callbacks)
    client = signed_in(alice)
    response = client.get(reverse("taxprofiles:document_file", args=[document.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="return.pdf"'
    assert b"".join(response.streaming_content) == joint_2025
    path = private_root / document.file.name
    client.post(reverse("taxprofiles:document_delete", args=[document.pk]))
    assert not TaxDocument.objects.exists()
    assert not path.exists()


def test_with_an_openai_key_the_figures_come_from_openai(
    alice,
    smiths,
    joint_2025,
    settings,
    fake_openai,
    django_capture_on_commit_callbacks,
):
    settings.OPENAI_API_KEY = API_KEY
    settings.OPENAI_BASE_URL = f"{fake_openai.url}/v1"
    fake_openai.answer_json(good_answer())
    document = uploaded(alice, smiths, joint_2025, django_capture_on_commit_callbacks)
    document.refresh_from_db()
    assert (document.status, document.source, document.message) == (DocumentStatus.EXTRACTED, "openai", "")
    assert document.fields["wages"] == {
        "value": "182450.17",
        "confidence": 0.95,
        "snippet": "1z Add lines 1a through 1h . . . . 182,450.17",
    }
    assert "lt_carryover" not in document.fields  # null in OpenAI's answer: absent, not zero
    (request,) = fake_openai.requests
    assert request["messages"][1]["content"] == document.text  # the document's text and nothing else


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (lambda fake: [fake.fail_next(500), fake.fail_next(500)], "OpenAI returned 500"),
        (lambda fake: fake.answer_content("this is not JSON"), "OpenAI's answer was not the requested JSON"),
    ],
    ids=["server-error", "malformed-answer"],
)
def test_openai_errors_fall_back_to_the_offline_parser_with_the_reason(
    alice,
    smiths,
    joint_2025,
    settings,
    fake_openai,
    script,
    reason,
    django_capture_on_commit_callbacks,
):
    settings.OPENAI_API_KEY = API_KEY
    settings.OPENAI_BASE_URL = f"{fake_openai.url}/v1"
    script(fake_openai)
    document = uploaded(alice, smiths, joint_2025, django_capture_on_commit_callbacks)
    document.refresh_from_db()
    assert (document.status, document.source) == (DocumentStatus.EXTRACTED, "offline")
    assert document.message.startswith(f"OpenAI extraction failed ({reason}")
    assert document.fields["wages"]["value"] == "210400.00"
