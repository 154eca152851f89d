"""parse_1040 reads the figures a Form 1040 prints by their line labels, and never invents one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from taxprofiles.form1040.document import read_pdf
from taxprofiles.form1040.fields import FIELD_NAMES
from taxprofiles.form1040.offline import parse_1040, parse_amount
from tests.taxprofiles.form1040 import samples


def figures(pdf: bytes) -> dict[str, object]:
    extraction = parse_1040(read_pdf(pdf))
    assert extraction.source == "offline"
    assert extraction.fallback_reason == ""
    return {name: found.value for name, found in extraction.values.items()}


def test_it_reads_a_single_2024_return_with_wages_and_interest():
    assert figures(samples.single_2024()) == {
        "tax_year": 2024,
        "filing_status": "single",
        "wages": Decimal("85000.00"),
        "taxable_interest": Decimal("1250.00"),
        "agi": Decimal("86250.00"),
        "deductions": Decimal("14600.00"),
        "taxable_income": Decimal("71650.00"),
        "total_tax": Decimal("10852.00"),
    }


def test_it_reads_a_joint_2025_return_with_a_capital_loss_and_schedule_d():
    assert figures(samples.married_joint_2025()) == {
        "tax_year": 2025,
        "filing_status": "married_joint",
        "wages": Decimal("210400.00"),
        "taxable_interest": Decimal("4318.27"),
        "qualified_dividends": Decimal("6200.00"),
        "ordinary_dividends": Decimal("8950.00"),
        "capital_gain": Decimal("-3000.00"),
        "agi": Decimal("220668.27"),
        "deductions": Decimal("31500.00"),
        "taxable_income": Decimal("189168.00"),
        "total_tax": Decimal("31244.00"),
        "st_carryover": Decimal("2500.00"),
        "st_net": Decimal("-1000.00"),
        "lt_carryover": Decimal("12750.50"),
        "lt_net": Decimal("-11500.50"),
        "sd_net": Decimal("-12500.50"),
    }


def test_it_reads_a_head_of_household_2023_return_with_itemized_deductions():
    assert figures(samples.head_of_household_2023()) == {
        "tax_year": 2023,
        "filing_status": "head_of_household",
        "wages": Decimal("132000.00"),
        "taxable_interest": Decimal("75.00"),
        "agi": Decimal("132075.00"),
        "deductions": Decimal("31480.55"),
        "taxable_income": Decimal("100594.00"),
        "total_tax": Decimal("14119.00"),
    }


def test_a_label_without_an_amount_gives_nothing():
    values = parse_1040(read_pdf(samples.single_2024())).values
    # Lines 3a and 3b are printed without amounts; there is no line 7 and no Schedule D.
    absent = {"qualified_dividends", "ordinary_dividends", "capital_gain", "st_net", "lt_net", "sd_net"}
    assert absent | {"st_carryover", "lt_carryover", "sd_loss_allowed"} == set(FIELD_NAMES) - set(values)


def test_each_value_keeps_the_line_it_was_read_from():
    values = parse_1040(read_pdf(samples.married_joint_2025())).values
    assert values["capital_gain"].snippet == (
        "7 Capital gain or (loss). Attach Schedule D if required . . . . . . . -3,000."
    )
    assert values["lt_carryover"].snippet.startswith("14 Long-term capital loss carryover.")
    assert values["lt_carryover"].snippet.endswith("(12,750.50)")
    assert values["filing_status"].snippet == "[X] Married filing jointly (even if only one had income)"
    assert values["tax_year"].snippet == "U.S. Individual Income Tax Return 2025"
    for found in values.values():
        assert 0 < found.confidence <= 1


def test_an_amount_on_the_next_line_is_read_with_less_confidence():
    values = parse_1040(read_pdf(samples.head_of_household_2023())).values
    assert values["wages"].confidence == 0.9
    assert values["agi"].confidence == 0.85
    assert values["agi"].snippet == "11 Subtract line 10 from line 9. This is your adjusted gross income 11 132,075."


def test_schedule_d_lines_are_ignored_without_a_schedule_d():
    text = (
        "Form 1040 (2024) U.S. Individual Income Tax Return 2024\n"
        "7 Net short-term capital gain or (loss). Combine lines 1a through 6 in column (h) . . . (1,000.)\n"
    )
    assert parse_1040(text).values.keys() == {"tax_year"}


@pytest.mark.parametrize(
    ("marks", "status"),
    [
        ("☐ Single\n☒ Married filing separately (MFS)\n☐ Head of household (HOH)", "married_separate"),
        ("[ ] Single [x] Qualifying surviving spouse (QSS)", "qualifying_surviving_spouse"),
        ("✔ Head of household (HOH)", "head_of_household"),
    ],
)
def test_it_reads_the_marked_filing_status_box(marks, status):
    assert parse_1040(marks).values["filing_status"].value == status


@pytest.mark.parametrize("marks", ["[ ] Single\n[ ] Married filing jointly", "[X] Single\n[X] Married filing jointly"])
def test_no_marked_box_or_two_marked_boxes_give_no_filing_status(marks):
    assert "filing_status" not in parse_1040(marks).values


def test_the_year_comes_from_the_title_when_the_footer_is_missing():
    found = parse_1040("Form 1040\nU.S. Individual Income Tax Return\n2023\n").values["tax_year"]
    assert (found.value, found.snippet) == (2023, "U.S. Individual Income Tax Return 2023")


@pytest.mark.parametrize(
    ("raw", "dollars"),
    [
        ("85,000.", "85000.00"),
        ("$1,250.50", "1250.50"),
        ("(3,000.)", "-3000.00"),
        ("-3,000", "-3000.00"),
        ("\u2212412.3", "-412.30"),
        ("-0-", "0.00"),
        ("75", "75.00"),
    ],
)
def test_it_reads_amounts_as_printed(raw, dollars):
    assert parse_amount(raw) == Decimal(dollars)


def test_a_zero_entered_as_dash_zero_dash_is_read():
    text = "24 Add lines 22 and 23. This is your total tax . . . . . -0-"
    assert parse_1040(text).values["total_tax"].value == Decimal("0.00")


def test_a_label_ending_in_a_number_is_not_read_as_an_amount():
    text = (
        "6 Short-term capital loss carryover. Enter the amount, if any, from line 8 of your Capital Loss\n"
        "Carryover Worksheet in the instructions\n"
        "Form 1040 Schedule D (2024)\n"
    )
    assert parse_1040(text).values == {}


def test_it_reads_the_2024_capital_gain_line_with_its_check_box_and_repeated_line_number():
    text = "7 Capital gain or (loss). Attach Schedule D if required. If not required, check here ☐ . . . 7 (3,000.)"
    found = parse_1040(text).values["capital_gain"]
    assert (found.value, found.confidence, found.snippet) == (Decimal("-3000.00"), 0.9, text)


def test_two_lines_printed_side_by_side_on_one_row_are_read_apart():
    text = (
        "Form 1040 (2024) U.S. Individual Income Tax Return 2024\n"
        "2a Tax-exempt interest . . 2a 500 b Taxable interest . . . 2b 1,204.\n"
        "3a Qualified dividends . . 3a 310. b Ordinary dividends . . 3b 4,120.55\n"
    )
    values = parse_1040(text).values
    assert (values["taxable_interest"].value, values["qualified_dividends"].value) == (
        Decimal("1204.00"),
        Decimal("310.00"),
    )
    assert values["ordinary_dividends"].value == Decimal("4120.55")
    assert values["taxable_interest"].snippet == "2b Taxable interest . . . 2b 1,204."


def test_a_blank_line_showing_only_its_own_number_is_blank_never_that_number():
    text = "7 Capital gain or (loss). Attach Schedule D if required . . . . . . . 7\n"
    extraction = parse_1040(text)
    assert "capital_gain" not in extraction.values  # not 7.00 (the bug report's invented value)
    assert extraction.blank == {"capital_gain"}


def test_a_bare_number_right_after_a_label_is_neither_read_nor_blank():
    extraction = parse_1040("2b Taxable interest 1204\n3b Ordinary dividends 4,120.55\n")
    # "1204" could end the label's own text: it is not taken, and not counted as an empty line either.
    assert "taxable_interest" not in extraction.values
    assert "taxable_interest" not in extraction.blank
    assert extraction.values["ordinary_dividends"].value == Decimal("4120.55")  # written as money: read
