"""read_pdf returns a Form 1040's text and refuses every other upload with a message saying what to do."""

from __future__ import annotations

import pytest

from taxprofiles.form1040.document import MAX_BYTES, check_1040, looks_like_1040, read_pdf
from taxprofiles.form1040.fields import DocumentError
from tests.taxprofiles.form1040 import samples

NO_TEXT = (
    "The PDF has no text layer (a scan?): download the return as a PDF from the tax software, "
    "or enter the figures by hand."
)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda: b"", "The file is empty: choose the PDF of the return and upload it again.", id="empty"),
        pytest.param(samples.random_bytes, "The file is not a PDF: upload the return as a PDF.", id="random"),
        pytest.param(
            lambda: b"Form 1040 U.S. Individual Income Tax Return 2024",
            "The file is not a PDF: upload the return as a PDF.",
            id="plain-text",
        ),
        pytest.param(
            lambda: samples.oversized(MAX_BYTES),
            "The file is larger than the 15 MB limit: upload only the Form 1040 and its schedules.",
            id="oversized",
        ),
        pytest.param(
            samples.corrupt,
            "The PDF is damaged or unreadable: download it again and upload the new copy.",
            id="corrupt",
        ),
        pytest.param(
            lambda: samples.encrypted(samples.single_2024()),
            "The PDF is password-protected: save an unprotected copy and upload that.",
            id="encrypted",
        ),
        pytest.param(
            lambda: samples.blank_pages(21),
            "The PDF has 21 pages, more than the 20-page limit: upload only the Form 1040 and its schedules.",
            id="too-many-pages",
        ),
        pytest.param(samples.image_only, NO_TEXT, id="image-only"),
        pytest.param(samples.blank_pages, NO_TEXT, id="blank-page"),
    ],
)
def test_it_refuses_a_bad_upload_with_a_message(make, message):
    with pytest.raises(DocumentError) as caught:
        read_pdf(make())
    assert str(caught.value) == message


def test_it_states_a_limit_that_is_not_whole_megabytes():
    with pytest.raises(DocumentError, match=r"^The file is larger than the 1,000 bytes limit"):
        read_pdf(samples.oversized(1000), max_bytes=1000)


def test_it_accepts_a_file_exactly_at_the_limits():
    pdf = samples.single_2024()
    assert "Form 1040" in read_pdf(pdf, max_bytes=len(pdf), max_pages=2)


@pytest.mark.parametrize("make", [samples.single_2024, samples.married_joint_2025, samples.head_of_household_2023])
def test_it_returns_the_text_of_every_page_of_a_1040(make):
    text = read_pdf(make())
    assert looks_like_1040(text)
    check_1040(text)
    assert "This is your total tax" in text


def test_it_reads_the_schedule_d_page():
    assert "Net long-term capital gain or (loss)" in read_pdf(samples.married_joint_2025())


def test_another_form_is_readable_but_not_a_1040():
    text = read_pdf(samples.w2_form())
    assert "Wage and Tax Statement" in text
    assert not looks_like_1040(text)
    with pytest.raises(DocumentError) as caught:
        check_1040(text)
    assert str(caught.value) == (
        'The PDF does not look like a Form 1040 (no "Form 1040" and "U.S. Individual Income Tax Return"): '
        "upload the federal return itself."
    )


def test_the_form_number_alone_is_not_enough():
    assert not looks_like_1040("Schedule B (Form 1040) Interest and Ordinary Dividends 2024")
    assert looks_like_1040("Form 1040 Department of the Treasury\nU.S. Individual Income\nTax Return 2024")
