"""The synthetic Form 1040 returns print what the reader is meant to find, where the real forms print it."""

from __future__ import annotations

import io
import random
import re
import shutil
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.taxprofiles.form1040 import specimens
from tests.taxprofiles.form1040.specimens import MONEY, expected, random_facts, render

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm) is installed by `make install-test`",
)
D = Decimal


facts = specimens.joint_facts


def layout_text(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "return.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout


def amount(text: str) -> str:
    """A regex for ``text`` ("3,000") as any layout may print it: "3,000", "3,000.", "3,000.00", "(3,000.)"."""
    return r"[(\-]?" + re.escape(text) + r"(?:\.|\.00)?\)?"


def row_with(text: str, pattern: str) -> str:
    """The one printed row matching ``pattern``."""
    rows = [" ".join(row.split()) for row in text.splitlines()]
    rows = [row for row in rows if re.search(pattern, row)]
    assert len(rows) == 1, (pattern, rows)
    return rows[0]


@pytest.fixture(scope="module")
def official_text() -> dict[int, str]:
    return {year: layout_text(render(facts(year), "official")) for year in (2023, 2025)}


@needs_poppler
def test_official_2023_numbers_the_lines_as_that_years_form(official_text):
    text = official_text[2023]
    assert "U.S. Individual Income Tax Return 2023" in text
    assert "Form 1040 (2023)" in text
    assert re.search(r"Add lines 1a through 1h[ .]*1z " + amount("85,000") + "$", row_with(text, "through 1h"))
    assert re.search(r"Attach Schedule D if required[ .]*7 " + amount("3,000") + "$", row_with(text, "Capital gain or"))
    assert re.search(r"adjusted gross income[ .]*11 " + amount("87,250.50") + "$", row_with(text, "adjusted gross"))
    assert re.search(r"\(from Schedule A\)[ .]*12 " + amount("27,700") + "$", row_with(text, r"itemized deductions"))
    assert re.search(r"taxable income[ .]*15 " + amount("59,550.50") + "$", row_with(text, "your taxable income"))
    assert re.search(r"This is your total tax[ .]*24 " + amount("6,789") + "$", row_with(text, "your total tax"))
    assert re.search(r"\b27 Earned income credit \(EIC\)[ .]*27$", row_with(text, "Earned income credit"))
    assert "11a" not in text
    assert "12e" not in text


@needs_poppler
def test_official_2025_numbers_the_lines_as_that_years_form(official_text):
    text = official_text[2025]
    assert "U.S. Individual Income Tax Return 2025" in text
    assert "Form 1040 (2025)" in text
    assert re.search(
        r"Attach Schedule D if required[ .]*7a " + amount("3,000") + "$", row_with(text, "Capital gain or")
    )
    assert re.search(
        r"gross income[ .]*11a " + amount("87,250.50") + "$", row_with(text, "This is your adjusted gross")
    )
    assert re.search(
        r"Amount from line 11a \(adjusted gross income\)[ .]*11b " + amount("87,250.50") + "$",
        row_with(text, "Amount from line 11a"),
    )
    row_with(text, r"\b12e " + amount("31,500") + "$")
    assert "Standard deduction or itemized deductions (from Schedule A)" in text
    for number in ("12a", "12b", "12c", "12d", "13a", "13b"):
        assert re.search(rf"(?:^|\s){number}(?:\s|$)", text), number
    assert re.search(r"\b27a Earned income credit \(EIC\)[ .]*27a$", row_with(text, "Earned income credit"))
    # 11a ends page 1; 11b opens page 2.
    page1, page2 = text.split("\f")[:2]
    assert "This is your adjusted gross income" in page1
    assert "Amount from line 11a" in page2


@needs_poppler
def test_the_a_and_b_lines_share_a_row(official_text):
    for text in official_text.values():
        assert re.search(r"Tax-exempt interest[ .]*2a .*\bb Taxable interest[ .]*2b " + amount("1,250.50") + "$",
                         row_with(text, "Tax-exempt interest"))  # fmt: skip
        assert re.search(
            r"Qualified dividends[ .]*3a " + amount("2,500") + r" b Ordinary dividends[ .]*3b " + amount("4,000") + "$",
            row_with(text, "Qualified dividends"),
        )


@needs_poppler
def test_schedule_d_prints_the_carryovers_and_the_allowed_loss_between_preprinted_parentheses(official_text):
    text = official_text[2023]
    assert "Capital Gains and Losses" in text
    assert "SCHEDULE D" in text
    schedule_d = text.split("\f")[2]
    rows = [" ".join(row.split()) for row in schedule_d.splitlines()]
    assert any(re.search(r"instructions[ .]*6 \( 2,500(?:\.|\.00)? \)$", row) for row in rows), rows
    assert any(re.search(r"instructions[ .]*14 \( 12,750\.50 \)$", row) for row in rows)
    assert any(re.search(r"\(\$1,500\)[ .]*21 \( 3,000(?:\.|\.00)? \)$", row) for row in rows)
    assert any(re.search(r"Combine lines 7 and 15 and enter the result[ .]*16 " + amount("12,500.50") + "$", row)
               for row in rows)  # fmt: skip
    assert "line 7, the smaller of" in schedule_d
    assert "($3,000), or if married filing separately, ($1,500)" in schedule_d


@needs_poppler
def test_a_blank_line_still_prints_its_box_number_but_no_amount():
    blank = facts(2024, values={"capital_gain": None, "taxable_interest": None}, schedule_d=False)
    text = layout_text(render(blank, "official"))
    assert re.search(r"Attach Schedule D if required[ .]*7$", row_with(text, "Capital gain or"))
    assert re.search(r"b Taxable interest[ .]*2b$", row_with(text, "Tax-exempt interest"))
    assert "SCHEDULE D" not in text
    assert expected(blank)["capital_gain"] is None
    assert expected(blank)["st_carryover"] is None


def box_darkness(pdf: bytes) -> dict[str, float]:
    """The mean darkness (0 white .. 1 black) inside each filing-status box of page 1, borders excluded."""
    scale = 4  # 288 dpi
    left = min(x for x, _ in specimens.STATUS_BOXES.values()) - 2
    top = min(y for _, y in specimens.STATUS_BOXES.values()) - specimens.CHECK_SIZE - 2
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "return.pdf"
        path.write_bytes(pdf)
        crop = ["-x", str(round(left * scale)), "-y", str(round(top * scale)), "-W", "1280", "-H", "120"]
        subprocess.run(["pdftoppm", "-r", "288", "-f", "1", "-l", "1", "-gray", *crop, str(path), f"{folder}/p"],
                       check=True)  # fmt: skip
        from PIL import Image

        with Image.open(next(Path(folder).glob("p*.pgm"))) as image:
            darkness = {}
            for status, (x, bottom) in specimens.STATUS_BOXES.items():
                inner = (x + 1 - left, bottom - specimens.CHECK_SIZE + 1 - top, x - 1 - left + specimens.CHECK_SIZE,
                         bottom - 1 - top)  # fmt: skip
                pixels = image.crop(tuple(round(v * scale) for v in inner)).tobytes()
                darkness[status] = 1 - sum(pixels) / (255 * len(pixels))
    return darkness


@needs_poppler
@pytest.mark.parametrize("mark", specimens.MARKS)
def test_the_filing_status_box_is_marked_as_asked_and_the_others_are_empty(mark):
    pdf = render(facts(2024, filing_status="head_of_household", mark=mark), "official")
    for status, dark in box_darkness(pdf).items():
        if status == "head_of_household":
            assert dark > (0.9 if mark == "fill" else 0.08), (status, dark)
        else:
            assert dark < 0.02, (status, dark)
    first_page = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    typed = {"x": "X", "check": "✔✓", "cross": "", "fill": ""}[mark]
    glyphs = set(re.findall(r"[X✔✓]", first_page.split("Filing Status")[1].split("Digital Assets")[0]))
    assert glyphs <= set(typed), glyphs
    assert bool(glyphs) == bool(typed), glyphs


@needs_poppler
def test_the_software_printout_has_cents_minus_signs_and_a_typed_filing_status():
    for status in ("married_joint", "single"):
        text = layout_text(render(facts(2025, filing_status=status), "software"))
        assert "Form 1040" in text
        assert "U.S. Individual Income Tax Return 2025" in text
        assert f"X {specimens.STATUS_LABELS[status]}" in text
        assert re.search(r"^1z .* 1z\s+85,000\.00$", row_with(text, r"^1z "))
        assert re.search(r"^7a .* 7a\s+-3,000\.00$", row_with(text, r"^7a "))
        assert re.search(r"^2b .* 2b\s+1,250\.50$", row_with(text, r"^2b "))
        assert re.search(r"^Jane Q\. Example & John R\. Example\s+\d{3}-\d\d-\d{4}$", text, re.MULTILINE)
        assert "Name(s) shown on return" in text
        assert "SCHEDULE D (Form 1040) Capital Gains and Losses 2025" in text


@needs_poppler
def test_the_fillable_return_holds_its_values_in_fields_and_none_in_the_page_text():
    pdf = render(facts(2024), "fillable")
    reader = PdfReader(io.BytesIO(pdf))
    fields = reader.get_fields() or {}
    texts = {str(field.get("/V")) for field in fields.values() if field.get("/FT") == "/Tx"}
    assert {"Jane Q.", "John R.", "Example"} <= texts
    assert texts & {"85,000", "85,000.", "85,000.00"}
    assert texts & {"(3,000)", "(3,000.)", "(3,000.00)", "-3,000", "-3,000.", "-3,000.00"}
    assert texts & {"2,500", "2,500.", "2,500.00"}  # qualified dividends, and line 6's carryover without its sign
    boxes = [annot.get_object() for page in reader.pages for annot in page.get("/Annots", [])]
    boxes = [box for box in boxes if box.get("/FT") == "/Btn"]
    checked = [box for box in boxes if box["/V"] != "/Off"]
    assert checked
    assert len(checked) < len(boxes)
    for box in checked:
        assert box["/AS"] == box["/V"]
        assert box["/V"] in box["/AP"]["/N"]
    page_text = layout_text(pdf)
    assert "Add lines 1a through 1h" in page_text
    assert "Filing Status" in page_text
    for typed in ("Example", "85,000", "1,250.50", "87,250.50", "12,750.50"):
        assert typed not in page_text
    assert "Example" not in "".join(page.extract_text() for page in reader.pages)


@needs_poppler
def test_the_scan_is_letter_size_images_without_a_text_layer():
    pdf = render(facts(2023, schedule_d=False), "scan")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - 612) < 1
        assert abs(float(page.mediabox.height) - 792) < 1
        assert len(page.images) == 1
        assert page.extract_text().strip() == ""
    assert layout_text(pdf).strip() == ""


def test_random_facts_are_consistent_and_expected_reports_them_as_a_reader_should():
    rng = random.Random(20240415)
    drawn = [random_facts(rng) for _ in range(400)]
    assert {f.year for f in drawn} == set(specimens.YEARS)
    assert {f.filing_status for f in drawn} == set(specimens.FILING_STATUSES)
    assert {f.mark for f in drawn} == set(specimens.MARKS)
    assert any(f.schedule_d for f in drawn)
    assert not all(f.schedule_d for f in drawn)
    seen_blank, seen_zero, seen_cents, seen_loss_limit = set(), 0, 0, 0
    for f in drawn:
        assert all(isinstance(v, Decimal) for v in f.values.values() if v is not None), f.values
        want = expected(f)
        assert set(want) == {"tax_year", "filing_status", *MONEY}
        assert want["tax_year"] == f.year
        assert want["filing_status"] == f.filing_status
        assert len(f.names) == (2 if f.filing_status == "married_joint" else 1)
        money = {key: want[key] for key in MONEY}
        for key, value in money.items():
            if value is None:
                seen_blank.add(key)
                continue
            assert isinstance(value, Decimal), (key, value)
            assert value.as_tuple().exponent == -2, (key, value)
            assert abs(value) <= 2_000_000
            seen_zero += value == 0
            seen_cents += value != value.to_integral_value()
        plus = [money[k] or 0 for k in ("wages", "taxable_interest", "ordinary_dividends", "capital_gain")]
        assert money["agi"] == sum(plus)
        assert money["taxable_income"] == max(money["agi"] - money["deductions"], 0)
        if money["qualified_dividends"] is not None:
            assert money["ordinary_dividends"] is not None
            assert money["qualified_dividends"] <= money["ordinary_dividends"]
        if not f.schedule_d:
            assert all(money[k] is None for k in specimens.SCHEDULE_D_KEYS)
            continue
        for carry in ("st_carryover", "lt_carryover"):
            assert money[carry] is None or money[carry] >= 0
        assert money["sd_net"] == (money["st_net"] or 0) + (money["lt_net"] or 0)
        limit = D(1500 if f.filing_status == "married_separate" else 3000)
        if money["sd_net"] < 0:
            assert money["sd_loss_allowed"] == -min(-money["sd_net"], limit)
            assert money["capital_gain"] == money["sd_loss_allowed"]
            seen_loss_limit += money["sd_loss_allowed"] == -limit
        else:
            assert money["sd_loss_allowed"] is None
            assert money["capital_gain"] == money["sd_net"]
    assert {
        "wages",
        "taxable_interest",
        "qualified_dividends",
        "capital_gain",
        "total_tax",
        "st_carryover",
    } <= seen_blank
    assert seen_zero
    assert seen_cents
    assert seen_loss_limit


def test_expected_gives_carryovers_as_positive_sizes_and_drops_schedule_d_without_one():
    signed = facts(2024, values={"st_carryover": D("-2500"), "lt_carryover": D("12750.5")})
    want = expected(signed)
    assert want["st_carryover"] == D("2500.00")
    assert want["lt_carryover"] == D("12750.50")
    assert want["st_net"] == D("-1000.00")
    assert want["sd_loss_allowed"] == D("-3000.00")
    assert all(expected(facts(2024, schedule_d=False))[k] is None for k in specimens.SCHEDULE_D_KEYS)


def test_random_facts_and_rendering_are_deterministic():
    first, second = random_facts(random.Random(7)), random_facts(random.Random(7))
    assert first == second
    assert specimens._plan(first) == specimens._plan(second)
    with pytest.raises(ValueError, match="unknown layout"):
        render(first, "photocopy")
