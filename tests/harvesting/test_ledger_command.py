"""python manage.py ledger: the engine on a file, with exact Form 8949 and open-lot output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
HEADER = "account,account_type,date,action,symbol,quantity,price,lot"

# IRS Publication 550's first wash-sale example, dated, plus a spouse's IRA purchase that
# permanently disallows a second loss and a sale at a gain that nothing touches.
LEDGER = f"""{HEADER},fees
T1,taxable,2024-09-24,buy,XYZ,100,10,A,0
T1,taxable,2025-02-03,sell,XYZ,100,7.50,,0
T1,taxable,2025-02-20,buy,XYZ,100,8,,0
SPOUSE-IRA,traditional_ira,2025-01-10,buy,ABC,10,50,,0
T1,taxable,2025-01-20,buy,ABC,10,60,,0
T1,taxable,2025-01-25,sell,ABC,10,40,,0
T2,taxable,2023-01-03,buy,KO,3.5,50,,1.00
T2,taxable,2025-03-03,sell,KO,3.5,60,,1.00
"""


def run(tmp_path: Path, ledger: str, *extra: str) -> tuple[Path, Path]:
    source = tmp_path / "ledger.csv"
    source.write_text(ledger)
    form, lots = tmp_path / "8949.csv", tmp_path / "lots.csv"
    call_command("ledger", str(source), "--form8949", str(form), "--open-lots", str(lots), *extra)
    return form, lots


def test_it_writes_form_8949_with_wash_sales_and_the_adjusted_open_lots(tmp_path, capsys):
    form, lots = run(tmp_path, LEDGER)

    assert form.read_text().splitlines() == [
        "account,symbol,quantity,date_acquired,date_sold,proceeds,cost_basis,code,adjustment,gain_loss,term",
        "T1,ABC,10,2025-01-20,2025-01-25,400.00,600.00,W,200.00,0.00,short",
        "T1,XYZ,100,2024-09-24,2025-02-03,750.00,1000.00,W,250.00,0.00,short",
        "T2,KO,3.5,2023-01-03,2025-03-03,209.00,176.00,,0.00,33.00,long",
    ]
    assert lots.read_text().splitlines() == [
        "account,symbol,lot,quantity,cost_basis,acquired,holding_start",
        # $800 + the $250 disallowed; held 132 days before, so its holding period starts 132 days early.
        "T1,XYZ,2025-02-20,100,1050.00,2025-02-20,2024-10-11",
        # Bought in the IRA: the loss is gone for good and the IRA lot's basis stays $500.
        "SPOUSE-IRA,ABC,2025-01-10,10,500.00,2025-01-10,2025-01-10",
    ]
    assert "8 transactions: 3 sale lines (2 wash sales), 2 open lots." in capsys.readouterr().out


def test_identical_symbols_wash_only_when_declared(tmp_path):
    ledger = f"""{HEADER}
T1,taxable,2025-01-02,buy,VOO,10,500,
T1,taxable,2025-02-03,sell,VOO,10,450,
T1,taxable,2025-02-04,buy,IVV,10,455,
"""
    form, _ = run(tmp_path, ledger)
    assert form.read_text().splitlines()[1] == "T1,VOO,10,2025-01-02,2025-02-03,4500.00,5000.00,,0.00,-500.00,short"

    form, lots = run(tmp_path, ledger, "--identical", "voo,ivv")
    assert form.read_text().splitlines()[1] == "T1,VOO,10,2025-01-02,2025-02-03,4500.00,5000.00,W,500.00,0.00,short"
    assert lots.read_text().splitlines()[1] == "T1,IVV,2025-02-04,10,5050.00,2025-02-04,2025-01-03"


def test_hifo_relieves_the_dearest_lot(tmp_path):
    ledger = f"""{HEADER}
T1,taxable,2020-01-02,buy,KO,10,40,cheap
T1,taxable,2020-06-01,buy,KO,10,60,dear
T1,taxable,2022-12-01,sell,KO,10,55,
"""
    form, lots = run(tmp_path, ledger, "--hifo", "T1")
    assert form.read_text().splitlines()[1] == "T1,KO,10,2020-06-01,2022-12-01,550.00,600.00,,0.00,-50.00,long"
    assert [line.split(",")[2] for line in lots.read_text().splitlines()[1:]] == ["cheap"]


def test_bad_rows_are_all_listed_and_nothing_is_written(tmp_path):
    ledger = f"""{HEADER}
T1,taxable,2024-09-24,buy,XYZ,100,10,A
T1,taxable,2025-02-30,sell,XYZ,100,7.50,
T1,taxable,2025-02-20,hold,XYZ,100,8,
T1,taxable,2025-02-21,sell,XYZ,1000,8,
T1,taxable,2025-02-22,sell,XYZ,1,8,ZZ
T1,taxable,2025-02-22,sell,XYZ,1,abc,
T1,roth_ira,2025-02-23,buy,XYZ,1,8,
"""
    (tmp_path / "8949.csv").write_text("previous run\n")
    with pytest.raises(CommandError) as raised:
        run(tmp_path, ledger)
    assert str(raised.value).splitlines()[1:] == [
        "row 3: date '2025-02-30' is not a date (use YYYY-MM-DD)",
        "row 4: action must be buy, sell or reinvest; got 'hold'",
        "row 5: sells 1000 XYZ in T1 but only 100 are held",
        "row 6: no open lot 'ZZ' of XYZ in T1",
        "row 7: price 'abc' is not a number",
        "row 8: account T1 is taxable on row 2, not roth_ira",
    ]
    assert (tmp_path / "8949.csv").read_text() == "previous run\n"
    assert not (tmp_path / "lots.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["8949.csv", "ledger.csv"]


def test_a_file_without_the_ledger_columns_is_refused(tmp_path):
    with pytest.raises(CommandError, match="missing column"):
        run(tmp_path, "account,date,symbol\nT1,2025-01-02,KO\n")


def test_it_runs_without_a_database(tmp_path):
    source = tmp_path / "ledger.csv"
    source.write_text(LEDGER)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DEBUG": "1",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/no_such_database",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "ledger", str(source), "--form8949", str(tmp_path / "out.csv")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.csv").read_text().count("\n") == 4


def test_a_bad_file_exits_non_zero_from_the_shell(tmp_path):
    source = tmp_path / "ledger.csv"
    source.write_text(f"{HEADER}\nT1,taxable,2025-01-02,sell,KO,1,50,\n")
    result = subprocess.run(
        [sys.executable, "manage.py", "ledger", str(source), "--form8949", str(tmp_path / "out.csv")],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "DEBUG": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "row 2: sells 1 KO in T1 but only 0 are held" in result.stderr
    assert not (tmp_path / "out.csv").exists()
