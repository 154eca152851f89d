"""State income tax on a client's whole year, by each state's own brackets, deductions and capital-gain rules.

A harvested loss changes state tax through the state's own return: California and New York tax gains
as ordinary income on graduated brackets, Pennsylvania and New Jersey let losses offset only gains,
Massachusetts taxes short-term gains apart, Washington taxes only long-term gains above a threshold.
The value of a harvest is the state tax for the year computed twice, with and without it
(``taxprofiles/rules/harvest_value.py``), never a top rate times the loss.

Each state is one module under ``taxprofiles/rules/law/states/`` with the source of every figure and
the simplifications it makes; this module finds the module for a state and the year of law to use.
The general simplifications (``GENERAL_SIMPLIFICATIONS``) hold for every state.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable
from decimal import Decimal
from importlib import import_module
from types import ModuleType

from taxprofiles.rules.law import states as _states_package
from taxprofiles.rules.law.states.common import StateIncome

ZERO = Decimal(0)

# Fifty states and DC.
STATES = (
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
)
# No tax on wages or capital gains (New Hampshire taxed only interest and dividends, until 2025; Washington's
# capital-gains tax has its own module).
NO_INCOME_TAX = frozenset({"AK", "FL", "NV", "SD", "TN", "TX", "WY"})
# Local income taxes the product can add, and the state each belongs to.
CITIES = {"nyc": ("NY", "New York City")}
GENERAL_SIMPLIFICATIONS = (
    "the state standard deduction is used (state itemized deductions are not modelled)",
    "no dependents, and no credits beyond those the state's notes name",
)


class UnknownState(ValueError):
    """Not a US state or DC postal code, or a city the state does not have."""


def _load() -> dict[str, ModuleType]:
    modules = {}
    for info in pkgutil.iter_modules(_states_package.__path__):
        if info.name == "common":
            continue
        module = import_module(f"{_states_package.__name__}.{info.name}")
        modules[module.STATE] = module
    return modules


_MODULES = _load()


def check_state(code: str) -> str:
    state = code.strip().upper()
    if state and state not in STATES:
        raise UnknownState(f"unknown state {code!r}: use a two-letter postal code such as CA or NY")
    return state


def check_city(state: str, city: str) -> str:
    city = city.strip().lower()
    if city and (city not in CITIES or CITIES[city][0] != state):
        names = ", ".join(f"{code} ({where[0]})" for code, where in CITIES.items())
        raise UnknownState(f"unknown city {city!r} for state {state or 'none'}: the product knows {names}")
    return city


def has_tax(state: str) -> bool:
    return state in _MODULES


def state_name(state: str) -> str:
    module = _MODULES.get(state)
    return module.NAME if module else state


def state_label(state: str, city: str = "") -> str:
    """The state's name, with the city when its tax is included ("New York and New York City")."""
    if not state:
        return ""
    name = state_name(state)
    return f"{name} and {CITIES[city][1]}" if city else name


def law_year(year: int, state: str) -> int:
    """The year whose state law values ``year``: that year, or the nearest year the state's module has."""
    module = _MODULES.get(state)
    if module is None:
        return year
    years: tuple[int, ...] = module.YEARS
    return min(max(year, years[0]), years[-1])


def state_tax_function(year: int, state: str) -> tuple[Callable[[int, StateIncome], Decimal], int]:
    """Return the function that computes ``state``'s income tax and the year of law to call it with.

    A scan calls it once per lot: the pair saves a closure's call per valuation.
    """
    module = _MODULES.get(state)
    if module is None:
        return _no_tax, year
    return module.tax, law_year(year, state)


def _no_tax(year: int, income: StateIncome) -> Decimal:
    return ZERO


def state_income_tax(year: int, state: str, income: StateIncome) -> Decimal:
    compute, used = state_tax_function(year, state)
    return compute(used, income)


def state_notes(year: int, state: str, city: str = "") -> tuple[str, ...]:
    """What the state figure leaves out, in words for the page and the report; empty without a state tax."""
    module = _MODULES.get(state)
    if module is None:
        return ()
    notes = [*GENERAL_SIMPLIFICATIONS, *module.SIMPLIFICATIONS]
    used = law_year(year, state)
    if used != year:
        notes.insert(0, f"{module.NAME}'s {used} law stands in for {year}, which the product does not have")
    if city:
        notes.extend(getattr(module, "CITY_SIMPLIFICATIONS", ()))
    return tuple(notes)
