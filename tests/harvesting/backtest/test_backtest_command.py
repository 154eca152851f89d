"""The backtest command reads the same wash-sale setting as the firm's ledger and scans."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from harvesting.backtest import simulate as simulate_module
from portfolios.models import WashSaleReading


def run(tmp_path, **options) -> str:
    out = io.StringIO()
    call_command(
        "backtest", cohort=2008, policies="monthly", replacement="index", switch_back="31days", subsets=1,
        processes=1, out=tmp_path, stdout=out, **options,
    )  # fmt: skip
    return out.getvalue()


@pytest.fixture
def readings(monkeypatch):
    """Record the reading each simulation runs under."""
    seen: list[str] = []
    original = simulate_module.simulate

    def recording(*args, **kwargs):
        seen.append(args[3].wash_sale_reading)
        return original(*args, **kwargs)

    monkeypatch.setattr("harvesting.backtest.report.simulate", recording)
    return seen


def test_the_firms_narrower_reading_is_the_backtests_when_asked(acme, tmp_path, readings):
    acme.wash_sale_reading = WashSaleReading.HELD_AT_SALE
    acme.save()
    output = run(tmp_path, firm="acme")
    assert (
        "Wash-sale reading: Only purchases still held at the sale (less conservative) (the firm Acme Wealth's)"
        in output
    )
    assert set(readings) == {"held_at_sale"}


def test_the_statute_is_the_default_and_an_unknown_firm_is_an_error(db, tmp_path, readings):
    run(tmp_path)
    assert set(readings) == {"statute"}
    with pytest.raises(CommandError, match="No firm with the slug 'nobody'"):
        run(tmp_path, firm="nobody")
