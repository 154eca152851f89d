"""python manage.py tax_impact prints what a loss is worth, as JSON with two-decimal numbers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
CASE = [
    "--year",
    "2025",
    "--filing-status",
    "single",
    "--wages",
    "250000",
    "--st-gains",
    "40000",
    "--lt-gains",
    "60000",
]


def impact(capsys, *args: str) -> dict[str, object]:
    call_command("tax_impact", *args, "--json")
    out = capsys.readouterr().out
    return json.loads(out, parse_float=Decimal)


def test_a_short_term_loss_saves_35_percent_plus_niit(capsys):
    result = impact(capsys, *CASE, "--st-loss", "10000")
    assert result["federal_tax_before"] == Decimal("78334.75")
    assert result["federal_tax_after"] == Decimal("74454.75")
    assert result["federal_savings"] == Decimal("3880.00")
    assert result["state_savings"] == Decimal("0.00")
    assert result["total_savings"] == Decimal("3880.00")
    assert (result["carryforward_st"], result["carryforward_lt"]) == (Decimal("0.00"), Decimal("0.00"))
    assert result["niit_applies"] is True


def test_a_long_term_loss_saves_15_percent_plus_niit_and_the_state_adds_its_rate(capsys):
    result = impact(capsys, *CASE, "--lt-loss", "10000", "--state", "ca")
    assert result["federal_savings"] == Decimal("1880.00")
    # California taxes the gain as income: taxable 344,294 falls 10,000, all in the 9.3% bracket.
    assert (result["state_tax_before"], result["state_tax_after"]) == (Decimal("28457.98"), Decimal("27527.98"))
    assert result["state_savings"] == Decimal("930.00")
    assert result["total_savings"] == Decimal("2810.00")
    assert result["state_rate"] == Decimal("0.0930")
    assert (
        "California AGI is taken to be the federal AGI (no California additions or subtractions)"
        in result["state_notes"]
    )


def test_new_york_city_is_added_with_city_nyc(capsys):
    # 2024 single, wages 90,000, a 10,000 short-term loss: 3,000 deducted. State: 1,350 at 6% + 1,650 at 5.5% =
    # 171.75. City: 3,000 at 3.876% less the 0.228% rate reduction = 109.44. Together 281.19.
    args = ["--year", "2024", "--filing-status", "single", "--wages", "90000", "--st-loss", "10000", "--state", "NY"]
    state_only = impact(capsys, *args)
    with_city = impact(capsys, *args, "--city", "nyc")
    assert (state_only["state_tax_before"], state_only["state_savings"]) == (Decimal("4351.75"), Decimal("171.75"))
    assert (with_city["state_tax_before"], with_city["state_savings"]) == (Decimal("7162.12"), Decimal("281.19"))
    with pytest.raises(CommandError, match="unknown city 'nyc' for state NJ"):
        call_command("tax_impact", *args[:-1], "NJ", "--city", "nyc")


def test_money_is_printed_with_two_decimals(capsys):
    call_command("tax_impact", *CASE, "--st-loss", "10000", "--json")
    out = capsys.readouterr().out
    assert '"federal_savings": 3880.00' in out
    assert '"carryforward_st": 0.00' in out


def test_a_loss_beyond_the_limit_carries_forward(capsys):
    result = impact(
        capsys, "--year", "2026", "--filing-status", "married_separate", "--wages", "80000", "--lt-loss", "5000"
    )
    assert result["carryforward_lt"] == Decimal("3500.00")  # $1,500 used against wages when filing separately
    assert result["federal_savings"] == Decimal("330.00")  # 1,500 at 22%


def test_an_unknown_year_or_state_is_a_clear_error():
    with pytest.raises(CommandError, match="tax year 2017 is not supported"):
        call_command("tax_impact", "--year", "2017", "--filing-status", "single")
    with pytest.raises(CommandError, match="unknown state 'ZZ'"):
        call_command("tax_impact", "--year", "2025", "--filing-status", "single", "--state", "ZZ")


def test_it_runs_from_the_shell_without_a_database():
    result = subprocess.run(
        [sys.executable, "manage.py", "tax_impact", *CASE, "--st-loss", "10000", "--json"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "DEBUG": "1", "DATABASE_URL": "postgres://x@127.0.0.1:9/none"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total_savings"] == 3880.0


def test_a_bad_filing_status_is_refused_from_the_shell():
    result = subprocess.run(
        [sys.executable, "manage.py", "tax_impact", "--year", "2025", "--filing-status", "married", "--json"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "DEBUG": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "invalid choice: 'married'" in result.stderr
