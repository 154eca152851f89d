"""Tax profiles for the demo book: a spread of brackets, states and gains, so values differ visibly."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from portfolios.models import Firm
from taxprofiles.models import ProfileSource, TaxProfile

# The demo's market lives in December 2022: its scans and reports value 2022 under 2022 law, so each household
# has a 2022 profile; the 2025 one is kept for the editor and the API's current-year examples.
DEMO_TAX_YEARS = (2022, 2025)

# household name -> (filing status, state, wages, short-term gains, long-term gains, itemized)
PROFILES: dict[str, tuple[str, str, int, int, int, int | None]] = {
    "Alvarez Family": ("married_joint", "CA", 620000, 45000, 120000, 68000),
    "Bennett Household": ("single", "NY", 410000, 25000, 30000, None),
    "Chowdhury Family": ("married_joint", "TX", 280000, 0, 15000, None),
    "Dubois Household": ("single", "WA", 190000, 5000, 310000, None),
    "Eriksen Family": ("married_joint", "MA", 520000, 60000, 40000, 52000),
    "Fitzgerald Household": ("head_of_household", "PA", 95000, 0, 4000, None),
    "Goldberg Family": ("married_joint", "NJ", 900000, 150000, 250000, 95000),
    "Hayashi Household": ("single", "FL", 60000, 0, 0, None),
    "Iyer Family": ("married_joint", "IL", 330000, 12000, 8000, None),
    "Johansson Household": ("single", "OR", 150000, 20000, -5000, None),
    "Kowalski Family": ("married_separate", "MN", 140000, 0, 0, None),
    "Lindqvist Household": ("single", "CO", 1250000, 300000, 600000, 140000),
}

# Households that pay a city's income tax besides their state's.
CITY = {"Bennett Household": "nyc"}


@transaction.atomic
def demo_tax_profiles(firm: Firm) -> int:
    """Create or reset the demo households' profiles for the demo tax years; return how many households."""
    count = 0
    for household in firm.households.filter(name__in=PROFILES):
        status, state, wages, st_gains, lt_gains, itemized = PROFILES[household.name]
        for year in DEMO_TAX_YEARS:
            TaxProfile.objects.update_or_create(
                household=household,
                tax_year=year,
                defaults={
                    "filing_status": status,
                    "state": state,
                    "city": CITY.get(household.name, ""),
                    "wages": Decimal(wages),
                    "st_gains_realized": Decimal(st_gains),
                    "lt_gains_realized": Decimal(lt_gains),
                    "itemized_deductions": None if itemized is None else Decimal(itemized),
                    "source": ProfileSource.ADVISOR,
                },
            )
        count += 1
    return count
