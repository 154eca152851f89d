"""Explanations for a page of opportunities: one valuer per household, one valuation per harvest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from harvesting.explain import Explanation, explain
from harvesting.models import Opportunity
from taxprofiles.models import TaxProfile
from taxprofiles.services import platform_realized_gains_many, valuer_for_profile


def explanations_for(opportunities: Sequence[Opportunity]) -> dict[int, Explanation]:
    """Explain each harvest (not switch-backs) as its scan valued it: the profile it used (``profile_year``)
    under the law of the year it valued (``tax_year``, the market's)."""
    harvests = [
        o for o in opportunities if o.explanation.get("action") != "switch back" and o.explanation.get("tax_year")
    ]
    wanted = {(o.household_id, _profile_year(o), o.explanation["tax_year"]) for o in harvests}
    profiles = {
        (p.household_id, p.tax_year): p
        for p in TaxProfile.objects.filter(
            household_id__in={household for household, _, _ in wanted},
            tax_year__in={profile_year for _, profile_year, _ in wanted},
        )
    }
    gains = platform_realized_gains_many({(household, year) for household, _, year in wanted})
    valuers = {
        (household, profile_year, year): valuer_for_profile(
            profiles[(household, profile_year)], gains[(household, year)], year=year
        )
        for household, profile_year, year in wanted
        if (household, profile_year) in profiles
    }
    explained: dict[int, Explanation] = {}
    for o in harvests:
        key = (o.household_id, _profile_year(o), o.explanation["tax_year"])
        if key in valuers and o.loss > 0:
            standalone = explain(valuers[key], o.loss, long_term=o.term == "long", tax_year=key[2])
            explained[o.pk] = replace(standalone, ranked_value=o.tax_value)
    return explained


def _profile_year(opportunity: Opportunity) -> int:
    """The profile's year; scans before profiles and law years were told apart used the profile's own year."""
    return int(opportunity.explanation.get("profile_year") or opportunity.explanation["tax_year"])
