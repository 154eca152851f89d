"""The product brief's simple tax records: client_id, tax_bracket, income, capital_gains, capital_losses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from portfolios.importers import ImportRejected
from taxprofiles.importers import tax_profiles_import
from taxprofiles.models import ProfileSource, TaxProfile
from tests.factories import ClientFactory, HouseholdFactory

HEADER = "client_id,tax_bracket,income,capital_gains,capital_losses"


def content(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode()


def test_each_record_becomes_its_households_profile(acme, jane, john):
    single = ClientFactory(household=HouseholdFactory(firm=acme, name="Lee"), external_id="LEE-1")
    profiles = tax_profiles_import(
        firm=acme,
        filename="t.csv",
        content=content("SMITH-1,32%,300000,50000,12000", "LEE-1,0.24,150000,,"),
        tax_year=2025,
    )
    assert len(profiles) == 2
    smith = TaxProfile.objects.get(household=jane.household)
    assert (smith.filing_status, smith.wages, smith.lt_gains_realized, smith.stated_bracket, smith.source) == (
        "married_joint",
        Decimal("300000"),
        Decimal("38000"),
        Decimal("0.32"),
        ProfileSource.BRIEF,
    )
    lee = TaxProfile.objects.get(household=single.household)
    assert (lee.filing_status, lee.stated_bracket, lee.lt_gains_realized) == ("single", Decimal("0.24"), Decimal("0"))


def test_bad_records_are_all_listed_and_nothing_is_saved(acme, jane, john):
    with pytest.raises(ImportRejected) as rejected:
        tax_profiles_import(
            firm=acme,
            filename="t.csv",
            content=content("NOBODY,0.32,1,0,0", "SMITH-1,1.5%x,abc,0,0", "SMITH-1,0.32,1,0,0", "SMITH-2,0.32,1,0,0"),
            tax_year=2025,
        )
    assert [(e.row, e.reason) for e in rejected.value.errors] == [
        (2, "unknown client_id 'NOBODY'"),
        (3, "tax_bracket '1.5%x' is not a number"),
        (3, "income 'abc' is not a number"),
        (5, "Smith Family already has a record on row 4: one profile per household"),
    ]
    assert not TaxProfile.objects.exists()


def test_the_command_needs_a_known_year(acme, jane, tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(content("SMITH-1,0.32,300000,0,0"))
    with pytest.raises(CommandError, match="tax year 2017 is not supported"):
        call_command("import_tax_profiles", str(path), "--year", "2017")
    call_command("import_tax_profiles", str(path), "--year", "2026")
    assert TaxProfile.objects.get().tax_year == 2026
