"""python manage.py parse_1040 FILE.pdf prints a Form 1040's figures; OpenAI failing falls back to offline."""

from __future__ import annotations

import json
import sys
import types
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from taxprofiles.form1040.fields import Extraction, Value
from tests.taxprofiles.form1040 import samples

OPENAI_MODULE = "taxprofiles.form1040.openai_extract"
JOINT_2025 = {
    "tax_year": 2025,
    "filing_status": "married_joint",
    "wages": 210400,
    "taxable_interest": 4318.27,
    "ordinary_dividends": 8950,
    "qualified_dividends": 6200,
    "capital_gain": -3000,
    "agi": 220668.27,
    "deductions": 31500,
    "taxable_income": 189168,
    "total_tax": 31244,
    "st_net": -1000,
    "lt_net": -11500.5,
    "st_carryover": 2500,
    "lt_carryover": 12750.5,
    "sd_net": -12500.5,
    "sd_loss_allowed": None,
    "source": "offline",
}


def write(tmp_path: Path, pdf: bytes, name: str = "return.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    return str(path)


def parse(capsys, *args: str) -> tuple[dict[str, object], str]:
    call_command("parse_1040", *args, "--json")
    captured = capsys.readouterr()
    assert captured.out.count("\n") <= 1  # exactly one JSON object
    return json.loads(captured.out), captured.err


def fake_openai(monkeypatch, extract) -> list[dict[str, object]]:
    """Install a stand-in openai_extract module; return the list of calls it receives."""
    calls: list[dict[str, object]] = []

    def openai_extract(text: str, **kwargs: object) -> Extraction:
        calls.append({"text": text, **kwargs})
        return extract()

    module = types.ModuleType(OPENAI_MODULE)
    module.openai_extract = openai_extract
    monkeypatch.setitem(sys.modules, OPENAI_MODULE, module)
    return calls


def test_it_prints_the_offline_figures_as_one_json_object(capsys, tmp_path):
    result, err = parse(capsys, write(tmp_path, samples.married_joint_2025()), "--offline")
    assert result == JOINT_2025
    assert err == ""


def test_absent_figures_are_null(capsys, tmp_path):
    result, _ = parse(capsys, write(tmp_path, samples.single_2024()), "--offline")
    assert result == {
        "tax_year": 2024,
        "filing_status": "single",
        "wages": 85000,
        "taxable_interest": 1250,
        "ordinary_dividends": None,
        "qualified_dividends": None,
        "capital_gain": None,
        "agi": 86250,
        "deductions": 14600,
        "taxable_income": 71650,
        "total_tax": 10852,
        "st_net": None,
        "lt_net": None,
        "st_carryover": None,
        "lt_carryover": None,
        "sd_net": None,
        "sd_loss_allowed": None,
        "source": "offline",
    }


def test_without_an_api_key_it_reads_offline(capsys, tmp_path, settings):
    settings.OPENAI_API_KEY = ""
    result, err = parse(capsys, write(tmp_path, samples.head_of_household_2023()))
    assert (result["source"], result["filing_status"], result["deductions"]) == (
        "offline",
        "head_of_household",
        31480.55,
    )
    assert err == ""


def test_it_prints_a_readable_table_without_json(capsys, tmp_path):
    call_command("parse_1040", write(tmp_path, samples.married_joint_2025()), "--offline")
    out = capsys.readouterr().out
    assert "capital gain" in out
    assert "-3,000.00" in out
    assert "married_joint" in out
    assert out.rstrip().endswith("source: offline")


@pytest.mark.parametrize(
    ("pdf", "message"),
    [
        (b"", "The file is empty: choose the PDF of the return and upload it again."),
        (samples.random_bytes(), "The file is not a PDF: upload the return as a PDF."),
        (
            samples.encrypted(samples.single_2024()),
            "The PDF is password-protected: save an unprotected copy and upload that.",
        ),
        (
            samples.image_only(),
            # A scan is read by OCR; an image with no words in it is refused for that.
            "The PDF has no text layer and OCR found no text in it: upload a clearer scan (at least 200 dpi), "
            "or the PDF from the tax software.",
        ),
        (
            samples.w2_form(),
            'The PDF does not look like a Form 1040 (no "Form 1040" and "U.S. Individual Income Tax Return"): '
            "upload the federal return itself.",
        ),
    ],
    ids=["empty", "random", "encrypted", "image-only", "w2"],
)
def test_a_bad_file_is_a_command_error_with_the_reason(tmp_path, pdf, message):
    with pytest.raises(CommandError) as caught:
        call_command("parse_1040", write(tmp_path, pdf), "--json")
    assert str(caught.value) == message


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match=r"^Cannot read .*missing\.pdf: No such file or directory$"):
        call_command("parse_1040", str(tmp_path / "missing.pdf"), "--json")


def test_a_failing_openai_extraction_falls_back_to_offline(capsys, tmp_path, settings, monkeypatch):
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"

    def fail() -> Extraction:
        raise RuntimeError("Could not reach OpenAI")

    calls = fake_openai(monkeypatch, fail)
    result, err = parse(capsys, write(tmp_path, samples.married_joint_2025()))
    assert result == JOINT_2025
    assert err.strip() == "OpenAI extraction failed (Could not reach OpenAI); read the figures offline instead"
    [call] = calls
    assert "U.S. Individual Income Tax Return" in call["text"]
    assert {key: call[key] for key in ("api_key", "base_url", "model", "timeout")} == {
        "api_key": "sk-test",
        "base_url": "http://127.0.0.1:9/v1",
        "model": "gpt-4o-mini",
        "timeout": 30.0,
    }


def test_a_missing_openai_module_falls_back_to_offline(capsys, tmp_path, settings, monkeypatch):
    settings.OPENAI_API_KEY = "sk-test"
    monkeypatch.setitem(sys.modules, OPENAI_MODULE, None)  # importing it raises ImportError
    result, err = parse(capsys, write(tmp_path, samples.married_joint_2025()))
    assert result == JOINT_2025
    assert err.startswith("OpenAI extraction failed (")
    assert err.rstrip().endswith("); read the figures offline instead")


def test_offline_never_calls_openai(capsys, tmp_path, settings, monkeypatch):
    settings.OPENAI_API_KEY = "sk-test"
    calls = fake_openai(monkeypatch, Extraction)
    result, err = parse(capsys, write(tmp_path, samples.married_joint_2025()), "--offline")
    assert (result, err, calls) == (JOINT_2025, "", [])


def test_it_prints_openais_figures_when_openai_answers(capsys, tmp_path, settings, monkeypatch):
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_MODEL = "gpt-test"
    answer = Extraction(values={"wages": Value(Decimal("1234.56"), 0.8, "1z … 1,234.56")}, source="openai")
    calls = fake_openai(monkeypatch, lambda: answer)
    result, err = parse(capsys, write(tmp_path, samples.single_2024()))
    assert result["source"] == "openai"
    assert result["wages"] == 1234.56
    assert result["agi"] is None
    assert calls[0]["model"] == "gpt-test"
    assert err == ""
