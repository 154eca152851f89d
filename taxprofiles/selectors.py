"""Reads of tax profiles for display."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from portfolios.models import Household
from taxprofiles.models import TaxProfile
from taxprofiles.rules.federal import NIIT_RATE
from taxprofiles.rules.harvest_value import HarvestValue
from taxprofiles.rules.state_tax import state_label, state_notes
from taxprofiles.services import valuer_for_profile

ILLUSTRATIVE_LOSS = Decimal("10000")


@dataclass(frozen=True, slots=True)
class TaxSummary:
    """A profile and what an illustrative $10,000 loss of each character is worth to it."""

    profile: TaxProfile
    short_term: HarvestValue
    long_term: HarvestValue
    loss: Decimal = ILLUSTRATIVE_LOSS
    state_notes: tuple[str, ...] = ()  # what the state figures simplify
    state_name: str = ""

    @property
    def short_term_rate(self) -> Decimal:
        """The federal saving of the illustrative short-term loss per dollar: its effective rate (exact: cents
        over $10,000)."""
        return self.short_term.federal_savings / self.loss

    @property
    def short_term_statutory_rate(self) -> Decimal:
        """The ordinary rate at the margin plus the NIIT when it applies: what a short-term gain is taxed at."""
        value = self.short_term
        return value.marginal_ordinary_rate + (NIIT_RATE if value.niit_applies else Decimal(0))

    @property
    def short_term_rate_gap(self) -> Decimal:
        """How far the effective rate is from the statutory one (positive: it saves more)."""
        return self.short_term_rate - self.short_term_statutory_rate

    @property
    def short_term_rate_difference(self) -> Decimal:
        return abs(self.short_term_rate_gap)

    @property
    def rows(self) -> list[tuple[str, HarvestValue, Decimal]]:
        """(label, value, loss carried forward) for a short-term and a long-term loss."""
        return [
            (label, value, value.carryforward_created_st + value.carryforward_created_lt)
            for label, value in (("Short-term", self.short_term), ("Long-term", self.long_term))
        ]


def tax_summary(profile: TaxProfile) -> TaxSummary:
    valuer = valuer_for_profile(profile)
    return TaxSummary(
        profile=profile,
        short_term=valuer.value(st_loss=ILLUSTRATIVE_LOSS),
        long_term=valuer.value(lt_loss=ILLUSTRATIVE_LOSS),
        state_notes=state_notes(profile.tax_year, valuer.state, valuer.city),
        state_name=state_label(valuer.state, valuer.city),
    )


def profile_for_year(household: Household, year: int) -> TaxProfile | None:
    """The profile that values the household's harvests in ``year``: that year's, else the nearest earlier
    one, else the earliest later one (a household whose only profile is for next year)."""
    return profiles_for_year([household.pk], year)[household.pk]


def profiles_for_year(household_ids: Collection[int], year: int) -> dict[int, TaxProfile | None]:
    """``profile_for_year`` for many households, in one query."""
    chosen: dict[int, TaxProfile | None] = dict.fromkeys(household_ids)
    # Unordered: the model's default order would join the households only to sort by their names.
    profiles = TaxProfile.objects.filter(household_id__in=list(household_ids)).select_related("household").order_by()
    for profile in profiles:
        current = chosen[profile.household_id]
        if current is None or _nearer(profile.tax_year, current.tax_year, year):
            chosen[profile.household_id] = profile
    return chosen


def _nearer(candidate: int, current: int, year: int) -> bool:
    """Earlier-or-same years win over later ones; among earlier, the latest; among later, the earliest."""
    if (candidate <= year) != (current <= year):
        return candidate <= year
    return candidate > current if candidate <= year else candidate < current
