"""Build sample Form 1040 PDFs (and bad uploads) for the reader's tests.

The good samples are HTML rendered by WeasyPrint with the form's real line labels, one line per row, the
amount after dot leaders as the IRS prints it ("85,000."). The filing status is marked "[X]" in front of
the checked box and "[ ]" in front of the others.
"""

from __future__ import annotations

import io
import random

from pypdf import PdfReader, PdfWriter
from weasyprint import HTML

LEADER = " . . . . . . . "
STATUSES = (
    "Single",
    "Married filing jointly (even if only one had income)",
    "Married filing separately (MFS)",
    "Head of household (HOH)",
    "Qualifying surviving spouse (QSS)",
)


def render(pages: list[list[str]]) -> bytes:
    """Return a PDF with one page per list of text rows."""
    body = "".join(
        '<section style="page-break-after: always">' + "".join(f"<div>{row}</div>" for row in rows) + "</section>"
        for rows in pages
    )
    html = f'<html><body style="font-family: sans-serif; font-size: 9pt">{body}</body></html>'
    return HTML(string=html).write_pdf()


def header(year: int, checked: str) -> list[str]:
    rows = [
        f"Form 1040 Department of the Treasury—Internal Revenue Service U.S. Individual Income Tax Return {year}",
        "Your first name and middle initial Jane Q. Last name Example",
        "Filing Status Check only one box.",
    ]
    rows += [f"[{'X' if status == checked else ' '}] {status}" for status in STATUSES]
    return rows


def line(label: str, amount: str = "") -> str:
    return f"{label}{LEADER}{amount}" if amount else label


def single_2024() -> bytes:
    """Single, 2024: wages and taxable interest, the standard deduction, no Schedule D."""
    page1 = [
        *header(2024, "Single"),
        line("1a Total amount from Form(s) W-2, box 1 (see instructions)", "85,000."),
        line("1z Add lines 1a through 1h", "85,000."),
        line("2a Tax-exempt interest", "300."),
        line("2b Taxable interest", "1,250."),
        line("3a Qualified dividends"),
        line("3b Ordinary dividends"),
        line("9 Add lines 1z, 2b, 3b, 4b, 5b, 6b, 7, and 8. This is your total income", "86,250."),
        line("11 Subtract line 10 from line 9. This is your adjusted gross income", "86,250."),
        line("12 Standard deduction or itemized deductions (from Schedule A)", "14,600."),
        line("14 Add lines 12 and 13", "14,600."),
        line("15 Subtract line 14 from line 11. If zero or less, enter -0-. This is your taxable income", "71,650."),
        "Form 1040 (2024)",
    ]
    page2 = [
        "Form 1040 (2024) Page 2",
        line("16 Tax (see instructions)", "10,852."),
        line("24 Add lines 22 and 23. This is your total tax", "10,852."),
    ]
    return render([page1, page2])


def married_joint_2025() -> bytes:
    """Married filing jointly, 2025: dividends, a $3,000 capital loss, and Schedule D with carryovers."""
    page1 = [
        *header(2025, "Married filing jointly (even if only one had income)"),
        line("1z Add lines 1a through 1h", "$210,400.00"),
        line("2b Taxable interest", "4,318.27"),
        line("3a Qualified dividends", "6,200."),
        line("3b Ordinary dividends", "8,950."),
        line("7 Capital gain or (loss). Attach Schedule D if required", "-3,000."),
        line("11a Subtract line 10 from line 9. This is your adjusted gross income", "220,668.27"),
        "Form 1040 (2025)",
    ]
    page2 = [
        "Form 1040 (2025) Page 2",
        line("11b Amount from line 11a (adjusted gross income)", "220,668.27"),
        line("12e Standard deduction or itemized deductions (from Schedule A)", "31,500."),
        line("15 Subtract line 14 from line 11b. If zero or less, enter -0-. This is your taxable income", "189,168."),
        line("24 Add lines 22 and 23. This is your total tax", "31,244."),
    ]
    schedule_d = [
        "SCHEDULE D (Form 1040) Capital Gains and Losses 2025",
        "Part I Short-Term Capital Gains and Losses—Generally Assets Held One Year or Less",
        line("1a Totals for all short-term transactions reported on Form 1099-B", "1,500."),
        line(
            "6 Short-term capital loss carryover. Enter the amount, if any, from line 8 of your Capital Loss "
            "Carryover Worksheet in the instructions",
            "(2,500.)",
        ),
        line("7 Net short-term capital gain or (loss). Combine lines 1a through 6 in column (h)", "(1,000.)"),
        "Part II Long-Term Capital Gains and Losses—Generally Assets Held More Than One Year",
        line("8a Totals for all long-term transactions reported on Form 1099-B", "1,250."),
        line(
            "14 Long-term capital loss carryover. Enter the amount, if any, from line 13 of your Capital Loss "
            "Carryover Worksheet in the instructions",
            "(12,750.50)",
        ),
        line("15 Net long-term capital gain or (loss). Combine lines 8a through 14 in column (h)", "(11,500.50)"),
        line("16 Combine lines 7 and 15 and enter the result", "(12,500.50)"),
    ]
    return render([page1, page2, schedule_d])


def head_of_household_2023() -> bytes:
    """Head of household, 2023: wages, itemized deductions, amounts on the line after their labels."""
    page1 = [
        *header(2023, "Head of household (HOH)"),
        line("1z Add lines 1a through 1h", "132,000."),
        line("2b Taxable interest", "75."),
        line("11 Subtract line 10 from line 9. This is your adjusted gross income"),
        "11 132,075.",
        line("12 Standard deduction or itemized deductions (from Schedule A)", "31,480.55"),
        line("15 Subtract line 14 from line 11. If zero or less, enter -0-. This is your taxable income", "100,594."),
        "Form 1040 (2023)",
    ]
    page2 = ["Form 1040 (2023) Page 2", line("24 Add lines 22 and 23. This is your total tax", "14,119.")]
    return render([page1, page2])


def w2_form() -> bytes:
    """Return a PDF of another form (a W-2) with a text layer."""
    return render([["Form W-2 Wage and Tax Statement 2024", "1 Wages, tips, other compensation 85,000.00", "Copy B"]])


def encrypted(pdf: bytes) -> bytes:
    """Return ``pdf`` protected with a user password."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_pages(count: int = 1) -> bytes:
    """Return a PDF of blank pages: what a scan looks like to a text reader (no text layer)."""
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_only() -> bytes:
    """Return a PDF whose only content is an image (a scanned page): no text layer."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200">'
        '<rect width="400" height="200" fill="#ddd"/><rect x="20" y="20" width="200" height="20" fill="#333"/></svg>'
    )
    return HTML(string=f"<html><body>{svg}</body></html>").write_pdf()


def oversized(limit: int) -> bytes:
    """Return a byte string one byte over ``limit`` that starts like a PDF."""
    head = b"%PDF-1.7\n"
    return head + b"0" * (limit + 1 - len(head))


def random_bytes(size: int = 4096, seed: int = 1040) -> bytes:
    return random.Random(seed).randbytes(size)


def corrupt() -> bytes:
    """Return bytes with a PDF signature but no readable PDF after it."""
    return b"%PDF-1.7\n" + random_bytes(2048)
