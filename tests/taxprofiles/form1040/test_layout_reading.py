"""The Form 1040 reader on rendered returns (issue 21): every layout feature, each figure exact to the cent.

Each return is hand-built (``ReturnFacts``) so that the test states its figures, rendered once per module by
WeasyPrint (``specimens.render_as`` fixes how each amount is printed) and read once by ``read_return``; the one
scan is read by OCR through ``read_return_sandboxed``, as the product runs it.
"""

from __future__ import annotations

import io
import re
import shutil
from decimal import Decimal

import pytest
from pypdf import PdfReader

from taxprofiles.form1040.reading import Reading, read_return
from taxprofiles.form1040.sandbox import read_return_sandboxed
from tests.taxprofiles.form1040.specimens import (
    JOINT_NAMES,
    MONEY,
    SCHEDULE_D_KEYS,
    STATUS_LABELS,
    ReturnFacts,
    expected,
    joint_facts,
    render_as,
)

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is installed by `make install-test`"
)
D = Decimal


def joint_return(year: int, **changes: object) -> ReturnFacts:
    """A joint return with a Schedule D: a $12,500.50 net capital loss, $3,000 of it allowed, both carryovers.

    2023 and 2024 take the standard deduction and $1,234 of QBI deduction (line 13); 2025 itemizes 38,410.25
    (12d, 12e) and takes $1,234 (13a) and $600 (13b)."""
    deductions, taxable, tax = {
        2023: ("27700.00", "58316.50", "6789.00"),
        2024: ("29200.00", "56816.50", "6612.00"),
        2025: ("38410.25", "47006.25", "5321.45"),
    }[year]
    return joint_facts(year, deductions=D(deductions), taxable_income=D(taxable), total_tax=D(tax), **changes)


def single_return(year: int = 2024, **changes: object) -> ReturnFacts:
    """A single filer without Schedule D: wages, interest, dividends, a $1,820 capital gain distribution."""
    values: dict[str, Decimal | None] = {
        "wages": D("61480.00"),
        "taxable_interest": D("312.07"),
        "qualified_dividends": D("900.00"),
        "ordinary_dividends": D("1425.00"),
        "capital_gain": D("1820.00"),
        "agi": D("65037.07"),
        "deductions": D("14600.00"),
        "taxable_income": D("50437.07"),
        "total_tax": D("6312.00"),
    }
    values |= changes.pop("values", {})  # type: ignore[arg-type]
    base: dict[str, object] = {
        "year": year,
        "filing_status": "single",
        "names": ("Sean O'Brien",),
        "values": values,
        "schedule_d": False,
        "mark": "x",
    }
    return ReturnFacts(**(base | changes))  # type: ignore[arg-type]


# The lines around the fields, printed with amounts so that a reader taking a neighbour's amount is caught.
DISTRACTORS: dict[int, dict[str, Decimal | None]] = {
    2023: {"1a": D("80000.00"), "1c": D("5000.00"), "2a": D("410.00"), "13": D("1234.00"), "14": D("28934.00"),
           "27": D("512.00")},
    2024: {"1a": D("80000.00"), "1c": D("5000.00"), "2a": D("410.00"), "13": D("1234.00"), "14": D("30434.00"),
           "27": D("512.00")},
    2025: {"1a": D("80000.00"), "1c": D("5000.00"), "2a": D("410.00"), "12c": D("31500.00"), "12d": D("38410.25"),
           "13a": D("1234.00"), "13b": D("600.00"), "14": D("40244.25"), "27a": D("512.00")},
}  # fmt: skip


def found(reading: Reading) -> dict[str, object]:
    """The values read, money as its exact text ("-3000.00") so that 3000 and 3000.00 differ."""
    return {
        name: str(value.value) if isinstance(value.value, Decimal) else value.value
        for name, value in reading.extraction.values.items()
    }


def wanted(facts: ReturnFacts, *, status: bool = True) -> dict[str, object]:
    """What a perfect reader finds: ``expected`` without the absent fields, money as its exact text."""
    out = {name: str(v) if isinstance(v, Decimal) else v for name, v in expected(facts).items() if v is not None}
    if not status:
        del out["filing_status"]
    return out


def blank_lines(facts: ReturnFacts) -> frozenset[str]:
    """The fields whose line the form prints with an empty amount cell (Schedule D's only with a Schedule D)."""
    want = expected(facts)
    return frozenset(name for name in MONEY if want[name] is None and (facts.schedule_d or name not in SCHEDULE_D_KEYS))


def assert_read_exactly(reading: Reading, facts: ReturnFacts, *, status: bool = True) -> None:
    assert reading.extraction.source == "offline"
    assert found(reading) == wanted(facts, status=status)
    assert reading.extraction.blank == blank_lines(facts)
    for name in MONEY:
        if name in reading.extraction.values:
            assert reading.extraction.values[name].value.as_tuple().exponent == -2, name  # type: ignore[union-attr]


def snippet(reading: Reading, name: str) -> str:
    return " ".join(reading.extraction.values[name].snippet.split())


def row_of(reading: Reading, pattern: str) -> str:
    """The one row of the reading's text matching ``pattern``."""
    rows = [" ".join(row.split()) for row in reading.text.splitlines()]
    rows = [row for row in rows if re.search(pattern, row)]
    assert len(rows) == 1, (pattern, rows)
    return rows[0]


@pytest.fixture(scope="module")
def read():
    """``read(facts, layout, **choices)``: the PDF rendered by ``render_as`` and its Reading, each made once."""
    made: dict[str, tuple[bytes, Reading]] = {}

    def read_once(facts: ReturnFacts, layout: str = "official", **choices: object) -> tuple[bytes, Reading]:
        key = repr((facts, layout, sorted(choices.items())))
        if key not in made:
            pdf = render_as(facts, layout, **choices)
            made[key] = (pdf, read_return(pdf))
        return made[key]

    return read_once


@pytest.fixture(scope="module")
def official(read):
    """The joint return of each year in the official layout, neighbouring lines filled in."""
    return {year: read(joint_return(year), lines=DISTRACTORS[year])[1] for year in (2023, 2024, 2025)}


# --- the official layouts, each year's numbering --------------------------------------------------------------


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_the_official_layout_is_read_completely_and_exactly(official, year):
    reading = official[year]
    assert_read_exactly(reading, joint_return(year))
    assert reading.extraction.values["tax_year"].value == year
    assert reading.extraction.names == JOINT_NAMES


def test_the_2025_form_is_read_on_its_own_line_numbers(official):
    reading = official[2025]
    numbers = {name: snippet(reading, name).split()[0] for name in ("wages", "capital_gain", "agi", "deductions")}
    assert numbers["wages"] == "1z"
    assert numbers["capital_gain"] == "7a"
    assert numbers["agi"] in ("11a", "11b")
    assert numbers["deductions"] == "12e"
    # 12e is the larger of 12c (31,500) and 12d; not 13a, 13b or their total on 14.
    assert found(reading)["deductions"] == "38410.25"
    assert found(reading)["taxable_income"] == "47006.25"
    assert re.search(r"\b13a\b.*\b13a 1,234", row_of(reading, r"Qualified business income deduction"))
    assert re.search(r"\b13b\b.*\b13b 600", row_of(reading, r"Additional deductions from Schedule 1-A"))
    assert re.search(r"\b27a\b", row_of(reading, r"Earned income credit"))
    assert found(reading)["wages"] == "85000.00"  # 1z, not 1a's 80,000


@pytest.mark.parametrize("year", [2023, 2024])
def test_the_2023_and_2024_forms_are_read_on_their_line_numbers(official, year):
    reading = official[year]
    numbers = {name: snippet(reading, name).split()[0] for name in ("wages", "capital_gain", "agi", "deductions")}
    assert numbers == {"wages": "1z", "capital_gain": "7", "agi": "11", "deductions": "12"}
    assert not re.search(r"\b(?:7a|11a|11b|12e|13a|27a)\b", reading.text)
    assert found(reading)["deductions"] == {2023: "27700.00", 2024: "29200.00"}[year]  # 12, not 13's 1,234


# --- blank lines: null, listed as blank, never a guess -------------------------------------------------------


def blank_return(year: int) -> ReturnFacts:
    """No capital gain (a blank 7 / 7a whose box still prints its number), no taxable interest while 2a has an
    amount, no qualified dividends on 3a beside the ordinary on 3b, no total tax."""
    return single_return(
        year,
        values={
            "taxable_interest": None,
            "qualified_dividends": None,
            "capital_gain": None,
            "agi": D("62905.00"),
            "taxable_income": D("48305.00") if year == 2024 else D("47155.00"),
            "deductions": D("14600.00") if year == 2024 else D("15750.00"),
            "total_tax": None,
        },
    )


@pytest.mark.parametrize(("year", "line"), [(2024, "7"), (2025, "7a")])
def test_a_blank_line_is_null_and_listed_as_blank_never_its_own_box_number(read, year, line):
    facts = blank_return(year)
    _, reading = read(facts, lines={"2a": D("350.00")})
    # The trap is printed: the capital gain row ends with its box number and nothing after it.
    assert re.search(rf"Attach Schedule D if required[ .]* {line}$", row_of(reading, r"Capital gain or \(loss\)"))
    assert "capital_gain" not in reading.extraction.values  # not 7.00
    assert {"capital_gain", "taxable_interest", "qualified_dividends", "total_tax"} <= reading.extraction.blank
    assert_read_exactly(reading, facts)


# --- how amounts are printed ----------------------------------------------------------------------------------

FORMATS = {
    # id: (year, choices, how wages, the capital loss and the short-term carryover are printed)
    "plain-parentheses": (2023, {"style": "plain", "negative": "paren"}, ("85,000", "(3,000)", "( 2,500 )")),
    "dot-minus": (2024, {"style": "dot", "negative": "minus"}, ("85,000.", "-3,000.", "( 2,500. )")),
    "cents-minus-no-commas": (
        2025,
        {"style": "cents", "negative": "minus", "separators": False},
        ("85000.00", "-3000.00", "( 2500.00 )"),
    ),
    "plain-parentheses-no-commas": (
        2024,
        {"style": "plain", "negative": "paren", "separators": False},
        ("85000", "(3000)", "( 2500 )"),
    ),
}


@pytest.mark.parametrize("form", list(FORMATS))
def test_amounts_with_or_without_cents_and_separators_and_losses_in_parentheses_or_with_a_minus(read, form):
    year, choices, (wages, loss, carryover) = FORMATS[form]
    facts = joint_return(year)
    _, reading = read(facts, lines={"2a": None}, **choices)
    assert snippet(reading, "wages").endswith(f" 1z {wages}")
    assert snippet(reading, "capital_gain").endswith(f" {'7a' if year == 2025 else '7'} {loss}")
    assert snippet(reading, "st_carryover").endswith(f" 6 {carryover}")  # typed between preprinted parentheses
    assert_read_exactly(reading, facts)


@pytest.mark.parametrize("separators", [True, False])
def test_amounts_in_the_millions(read, separators):
    facts = single_return(
        2025,
        filing_status="married_separate",
        values={"wages": D("1204310.55"), "agi": D("1207867.62"), "deductions": D("15750.00"),
                "taxable_income": D("1192117.62"), "total_tax": D("405123.00")},
    )  # fmt: skip
    _, reading = read(facts, style="cents", separators=separators)
    assert snippet(reading, "wages").endswith(" 1z 1,204,310.55" if separators else " 1z 1204310.55")
    assert_read_exactly(reading, facts)


def zero_return() -> ReturnFacts:
    """A low income: no interest, dividends or tax, taxable income -0-, a Schedule D netting to zero."""
    return ReturnFacts(
        year=2024,
        filing_status="single",
        names=("Maria Garcia",),
        values={
            "wages": D("12000.00"),
            "taxable_interest": D("0.00"),
            "ordinary_dividends": D("0.00"),
            "qualified_dividends": None,
            "capital_gain": D("0.00"),
            "agi": D("12000.00"),
            "deductions": D("14600.00"),
            "taxable_income": D("0.00"),
            "total_tax": D("0.00"),
            "st_carryover": D("0.00"),
            "st_net": D("250.00"),
            "lt_carryover": None,
            "lt_net": D("-250.00"),
            "sd_net": D("0.00"),
            "sd_loss_allowed": None,
        },
        schedule_d=True,
    )


def test_dash_zero_dash_is_zero(read):
    facts = zero_return()
    dashed = {"2b": True, "3b": False, "7": True, "15": True, "24": True, "sd6": True, "sd16": True}
    _, reading = read(facts, style="plain", zero_dash=dashed)
    assert snippet(reading, "taxable_income").endswith(" 15 -0-")
    assert snippet(reading, "total_tax").endswith(" 24 -0-")
    assert snippet(reading, "st_carryover").endswith(" 6 ( -0- )")
    assert snippet(reading, "ordinary_dividends").endswith(" 3b 0")
    assert_read_exactly(reading, facts)
    for name in ("taxable_interest", "capital_gain", "taxable_income", "total_tax", "st_carryover", "sd_net"):
        assert reading.extraction.values[name].value == D("0.00"), name


# --- two amounts on one row -----------------------------------------------------------------------------------


def test_two_amounts_on_one_row_are_each_read_as_their_own_line(read, official):
    both = official[2024]
    assert re.search(r"2a 410\S* b Taxable interest[ .]* 2b 1,250\.50$", row_of(both, r"Tax-exempt interest"))
    assert re.search(r"3a 2,500\S* b Ordinary dividends[ .]* 3b 4,000\S*$", row_of(both, r"Qualified dividends"))
    assert found(both)["taxable_interest"] == "1250.50"
    assert found(both)["qualified_dividends"] == "2500.00"
    assert found(both)["ordinary_dividends"] == "4000.00"


def test_the_b_amount_is_read_when_the_a_amount_is_blank(read):
    facts = joint_return(2024, values={"qualified_dividends": None})
    _, reading = read(facts, style="cents", lines={"2a": None})
    assert re.search(r"Tax-exempt interest[ .]* 2a b Taxable interest[ .]* 2b 1,250\.50$", row_of(reading, r"^2a "))
    assert re.search(r"Qualified dividends[ .]* 3a b Ordinary dividends[ .]* 3b 4,000\.00$", row_of(reading, r"^3a "))
    assert found(reading)["taxable_interest"] == "1250.50"
    assert found(reading)["ordinary_dividends"] == "4000.00"
    assert "qualified_dividends" in reading.extraction.blank
    assert_read_exactly(reading, facts)


def test_a_blank_b_amount_is_not_read_from_the_a_amount_beside_it(read):
    _, reading = read(blank_return(2024), lines={"2a": D("350.00")})
    assert re.search(r"2a 350\S* b Taxable interest[ .]* 2b$", row_of(reading, r"Tax-exempt interest"))
    assert "taxable_interest" not in reading.extraction.values
    assert "taxable_interest" in reading.extraction.blank


# --- the filing status ----------------------------------------------------------------------------------------

MARKED = {
    # id: (mark, status, check glyph)
    "x": ("x", "married_separate", "✔"),
    "check-heavy": ("check", "head_of_household", "✔"),
    "check-light": ("check", "single", "✓"),
    "cross": ("cross", "qualifying_surviving_spouse", "✔"),
    "fill": ("fill", "head_of_household", "✔"),
}


@pytest.mark.parametrize("mark", list(MARKED))
def test_the_filing_status_is_the_box_marked_with_an_x_a_check_a_cross_or_a_fill(read, mark):
    how, status, glyph = MARKED[mark]
    facts = single_return(2024, filing_status=status, mark=how)
    _, reading = read(facts, check_glyph=glyph)
    assert reading.extraction.values["filing_status"].value == status
    assert STATUS_LABELS[status].split(" (")[0] in reading.extraction.values["filing_status"].snippet
    assert_read_exactly(reading, facts)


@pytest.mark.parametrize("layout", ["official", "fillable"])
def test_no_filing_status_is_read_when_no_box_is_marked(read, layout):
    facts = single_return(2024, filing_status="")  # no status: every box is printed empty (check boxes /Off)
    _, reading = read(facts, layout)
    assert "filing_status" not in reading.extraction.values
    assert_read_exactly(reading, facts, status=False)


# --- fillable forms -------------------------------------------------------------------------------------------


FILLABLE = {
    # id: (facts, presentation)
    "2024-joint-schedule-d": (joint_return(2024), {"on_state": "/Yes", "style": "plain", "negative": "paren"}),
    "2025-head-of-household-blank-7a": (
        single_return(2025, filing_status="head_of_household", names=("Priya Patel",),
                      values={"capital_gain": None, "agi": D("63217.07"), "deductions": D("23625.00"),
                              "taxable_income": D("39592.07")}),
        {"on_state": "/1", "style": "cents", "negative": "minus"},
    ),
    "2024-zeros-as-dash-zero-dash": (
        zero_return(),
        {"on_state": "/On", "style": "dot", "zero_dash": {"2b": True, "7": True, "15": True, "24": True, "sd6": True,
                                                          "sd16": True}},
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(FILLABLE))
def test_a_fillable_forms_field_values_are_read_although_the_page_content_has_none(read, case):
    facts, choices = FILLABLE[case]
    pdf, reading = read(facts, "fillable", **choices)
    page_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Add lines 1a through 1h" in page_text
    fields = {str(field.get("/V")) for field in (PdfReader(io.BytesIO(pdf)).get_fields() or {}).values()}
    for figure in (f"{int(facts.values['wages']):,}", f"{int(facts.values['agi']):,}", facts.names[0].split()[-1]):
        assert figure not in page_text, figure
        assert any(figure in value for value in fields), figure
    if "zero_dash" in choices:
        assert "-0-" in fields
    assert_read_exactly(reading, facts)
    assert reading.extraction.names == facts.names


# --- Schedule D -----------------------------------------------------------------------------------------------


def test_schedule_d_lines_6_7_14_15_16_and_21_are_read_with_their_signs(official):
    reading = official[2024]
    assert {name: found(reading)[name] for name in SCHEDULE_D_KEYS} == {
        "st_carryover": "2500.00",  # line 6, between the preprinted parentheses: a positive carryover
        "st_net": "-1000.00",
        "lt_carryover": "12750.50",
        "lt_net": "-11500.50",
        "sd_net": "-12500.50",
        "sd_loss_allowed": "-3000.00",  # line 21, between the preprinted parentheses: negative
    }
    for name, number in (("st_carryover", "6"), ("st_net", "7"), ("lt_carryover", "14"), ("lt_net", "15"),
                         ("sd_net", "16"), ("sd_loss_allowed", "21")):  # fmt: skip
        assert snippet(reading, name).split()[0] == number, name
    assert re.search(r" 21 \( 3,000(?:\.|\.00)? \)$", snippet(reading, "sd_loss_allowed"))
    assert re.search(r" 14 \( 12,750\.50 \)$", snippet(reading, "lt_carryover"))


def test_schedule_d_with_a_gain_a_blank_carryover_and_no_loss_allowed(read):
    facts = joint_return(
        2025,
        filing_status="married_separate",
        names=("David Nguyen",),
        values={
            "capital_gain": D("18250.75"),
            "agi": D("108501.25"),
            "deductions": D("15750.00"),
            "taxable_income": D("92751.25"),
            "st_carryover": None,
            "st_net": D("-1249.25"),
            "lt_carryover": D("4000.00"),
            "lt_net": D("19500.00"),
            "sd_net": D("18250.75"),
            "sd_loss_allowed": None,
        },
    )
    _, reading = read(facts, style="dot", negative="paren")
    # Lines 6 and 21 print their box number and the empty preprinted parentheses: "6 ( )", "21 ( )".
    assert row_of(reading, r"^instructions[ .]* 6 \(").endswith(" 6 ( )")
    assert row_of(reading, r"married filing separately, \(\$1,500\)").endswith(" 21 ( )")
    assert {"st_carryover", "sd_loss_allowed"} <= reading.extraction.blank
    assert_read_exactly(reading, facts)


def test_schedule_d_loss_limited_to_1500_when_married_filing_separately(read):
    facts = joint_return(
        2023,
        filing_status="married_separate",
        names=("Elena Novak",),
        values={
            "capital_gain": D("-1500.00"),
            "agi": D("88750.50"),
            "deductions": D("13850.00"),
            "taxable_income": D("74900.50"),
            "sd_loss_allowed": D("-1500.00"),
        },
    )
    _, reading = read(facts, style="cents", negative="minus")
    assert snippet(reading, "sd_loss_allowed").endswith("21 ( 1,500.00 )")
    assert_read_exactly(reading, facts)


# --- the tax-software printout --------------------------------------------------------------------------------

SOFTWARE = {
    "2025-joint-all-statuses-listed": (joint_return(2025), {"only_status": False, "dollar_sign": True}),
    "2023-single-only-its-status": (
        single_return(2023, values={"taxable_interest": None, "total_tax": None, "agi": D("64725.00"),
                                    "deductions": D("13850.00"), "taxable_income": D("50875.00")}),
        {"only_status": True, "dollar_sign": False},
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(SOFTWARE))
def test_the_tax_software_printout_is_read_exactly(read, case):
    facts, choices = SOFTWARE[case]
    _, reading = read(facts, "software", **choices)
    assert "Prepared with TaxEase Pro" in reading.text
    assert_read_exactly(reading, facts)
    assert reading.extraction.names == facts.names
    if facts.values["capital_gain"] is not None and facts.values["capital_gain"] < 0:
        assert snippet(reading, "capital_gain").endswith("-3,000.00")


def software_without_short_term() -> ReturnFacts:
    """Schedule D with no short-term line at all: lines 6 and 7 blank, the long-term loss carried to line 16."""
    return joint_return(
        2024,
        values={"st_carryover": None, "st_net": None, "lt_carryover": D("12750.50"), "lt_net": D("-12500.50")},
    )


def test_a_blank_schedule_d_line_in_the_software_printout_is_not_given_a_value(read):
    facts = software_without_short_term()
    _, reading = read(facts, "software")
    assert re.search(r"^7 Net short-term capital gain or \(loss\)[ .]* 7$", row_of(reading, r"^7 Net short-term"))
    assert "st_net" not in reading.extraction.values
    assert "st_carryover" in reading.extraction.blank
    assert found(reading) == wanted(facts)


def test_a_blank_schedule_d_line_in_the_software_printout_is_listed_as_blank(read):
    facts = software_without_short_term()
    _, reading = read(facts, "software")
    assert "st_net" in reading.extraction.blank
    assert reading.extraction.blank == blank_lines(facts)


# --- names ----------------------------------------------------------------------------------------------------


def test_the_names_are_read_as_printed(official, read):
    assert official[2023].extraction.names == JOINT_NAMES
    _, single = read(blank_return(2024), lines={"2a": D("350.00")})
    assert single.extraction.names == ("Sean O'Brien",)
    facts, choices = SOFTWARE["2025-joint-all-statuses-listed"]
    _, software = read(facts, "software", **choices)
    assert software.extraction.names == JOINT_NAMES


@pytest.mark.parametrize("layout", ["official", "software", "fillable"])
def test_names_of_several_words_and_different_last_names_are_read_whole(read, layout):
    facts = joint_return(2024, names=("Ana de la Cruz", "Robert T. Lee Jr."), schedule_d=False)
    _, reading = read(facts, layout)
    assert reading.extraction.names == ("Ana de la Cruz", "Robert T. Lee Jr.")
    assert found(reading) == wanted(facts)


# --- a scan, read by OCR in the sandbox -----------------------------------------------------------------------


@needs_poppler
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is installed by the bootstrap")
def test_a_scan_is_read_by_ocr_with_low_confidence_and_no_figure_differs_from_the_return():
    facts = single_return(2024)
    reading = read_return_sandboxed(render_as(facts, "scan", style="plain"))
    extraction = reading.extraction
    assert extraction.source == "ocr"
    assert extraction.values, "nothing read"
    assert all(value.confidence <= 0.7 for value in extraction.values.values()), extraction.values
    want = wanted(facts)
    assert {name: value for name, value in found(reading).items() if want.get(name) != value} == {}
    assert {"tax_year", "wages", "agi"} <= set(extraction.values)
