"""PolicyEngine-US as an independent oracle for state income tax, before and after a harvest.

For the twelve states below, 2023-2025, eight seeded random profiles per state and year (288 in all:
single, married filing jointly with the spouse earning nothing, married filing separately; wages
40,000-1,500,000 log-uniform; realized short- and long-term gains or losses; qualified dividends up to
50,000; a harvested short- or long-term loss of 5,000-60,000) are valued by ``HarvestValuer`` and run
through PolicyEngine-US 2.68.0 (``requirements-oracle.txt``) twice, without and with the harvest. We
compare PolicyEngine's ``state_income_tax`` with ``state_tax_before`` / ``state_tax_after`` within $5
(PolicyEngine and the state returns round differently: whole-dollar lines, tax tables).

PolicyEngine runs in its own virtualenv, ``.venv-oracle`` (``scripts/bootstrap.sh --test``), through
``tests/oracles/policyengine_state_tax.py``: one subprocess for the module, since importing it takes
half a minute. Before comparing state tax, each profile's federal AGI and filing status must agree with
PolicyEngine's, so that a difference in what was given to PolicyEngine is not taken for one in state law.

Oregon's kicker on 2023 and 2025 returns is a share of the prior year's tax, which the product does not
know and a harvest does not change: the oracle gives PolicyEngine a prior-year tax of zero, so that both
sides leave it out. New York's 2023 inflation refund (Tax Law §606(qqq), $150-$400 by NY AGI) is a
refundable credit PolicyEngine counts in the 2023 tax.

Where PolicyEngine and the statute disagree, the profile is listed in ``KNOWN_DISAGREEMENTS`` with the
statute's citation and skipped; only a case whose statute has been read and says what we do belongs there.

Without ``.venv-oracle`` the tests skip, except under CI (the ``CI`` environment variable set), where
that is a failure. Run them alone with ``pytest -m policyengine``.
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from taxprofiles.rules.federal_tax import Income
from taxprofiles.rules.harvest_value import HarvestValuer
from taxprofiles.rules.state_tax import has_tax

pytestmark = pytest.mark.policyengine

D = Decimal
ROOT = Path(__file__).resolve().parents[3]
ORACLE_PYTHON = ROOT / ".venv-oracle" / "bin" / "python"
ORACLE_SCRIPT = ROOT / "tests" / "oracles" / "policyengine_state_tax.py"
ORACLE_TIMEOUT = 1800  # seconds; about a minute on an idle machine

STATES = ("CA", "NY", "NJ", "MA", "IL", "PA", "OR", "MN", "GA", "VA", "NC", "OH")
YEARS = (2023, 2024, 2025)
PER_STATE_AND_YEAR = 8
SEED = 20250611
# PolicyEngine grants head of household only with a qualifying person: the three statuses it allows without one.
STATUSES = ("single", "married_joint", "married_separate")
PE_STATUS = {"single": "SINGLE", "married_joint": "JOINT", "married_separate": "SEPARATE"}
TOLERANCE = D(5)

# Profile id ("CA-2024-3") -> why PolicyEngine is wrong there, citing the statute (and the form) we follow.
KNOWN_DISAGREEMENTS: dict[str, str] = {}


@dataclass(frozen=True)
class Profile:
    state: str
    year: int
    n: int
    status: str
    wages: int
    st_gains: int
    lt_gains: int
    dividends: int
    st_loss: int
    lt_loss: int

    @property
    def id(self) -> str:
        return f"{self.state}-{self.year}-{self.n}"

    def __str__(self) -> str:
        harvest = f"st_loss={self.st_loss}" if self.st_loss else f"lt_loss={self.lt_loss}"
        return (
            f"{self.id} {self.status}, wages={self.wages}, st_gains={self.st_gains}, lt_gains={self.lt_gains}, "
            f"qualified_dividends={self.dividends}, harvest {harvest}"
        )

    def income(self) -> Income:
        return Income(D(self.wages), D(self.st_gains), D(self.lt_gains), qualified_dividends=D(self.dividends))

    def oracle_input(self, *, harvested: bool) -> dict[str, Any]:
        return {
            "id": f"{self.id}/{'after' if harvested else 'before'}",
            "year": self.year,
            "state": self.state,
            "status": self.status,
            "wages": self.wages,
            "st_gains": self.st_gains - (self.st_loss if harvested else 0),
            "lt_gains": self.lt_gains - (self.lt_loss if harvested else 0),
            "qualified_dividends": self.dividends,
        }


def gain_or_loss(rng: random.Random) -> int:
    """A year's realized net gain or loss: none in one case of five, else -80,000 to 250,000."""
    return 0 if rng.random() < 0.2 else rng.randint(-80_000, 250_000)


def random_profiles() -> list[Profile]:
    rng = random.Random(SEED)
    profiles = []
    for state in STATES:
        for year in YEARS:
            for n in range(PER_STATE_AND_YEAR):
                status = STATUSES[n % len(STATUSES)]
                wages = round(math.exp(rng.uniform(math.log(40_000), math.log(1_500_000))))
                st_gains, lt_gains = gain_or_loss(rng), gain_or_loss(rng)
                dividends = rng.randint(0, 50_000)
                loss = rng.randint(5_000, 60_000)
                st_loss, lt_loss = (loss, 0) if rng.random() < 0.5 else (0, loss)
                profiles.append(Profile(state, year, n, status, wages, st_gains, lt_gains, dividends, st_loss, lt_loss))
    return profiles


PROFILES = random_profiles()


@dataclass(frozen=True)
class Oracle:
    """PolicyEngine's figures for one profile, without (``before``) and with (``after``) the harvest."""

    before: dict[str, Any]
    after: dict[str, Any]


@pytest.fixture(scope="module")
def policyengine() -> dict[str, Oracle]:
    if not ORACLE_PYTHON.exists():
        reason = f"PolicyEngine-US's virtualenv {ORACLE_PYTHON.parents[1]} is missing: run scripts/bootstrap.sh --test"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    request = [p.oracle_input(harvested=harvested) for p in PROFILES for harvested in (False, True)]
    run = subprocess.run(
        [str(ORACLE_PYTHON), str(ORACLE_SCRIPT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=ORACLE_TIMEOUT,
        cwd=ROOT,
        check=False,
    )
    if run.returncode != 0:
        pytest.fail(f"{ORACLE_SCRIPT.name} failed ({run.returncode}):\n{run.stderr[-4000:]}")
    results = {row["id"]: row for row in json.loads(run.stdout)}
    assert len(results) == len(request)
    return {p.id: Oracle(results[f"{p.id}/before"], results[f"{p.id}/after"]) for p in PROFILES}


def test_the_sample_covers_every_state_year_status_and_both_kinds_of_harvest() -> None:
    assert len(PROFILES) == len(STATES) * len(YEARS) * PER_STATE_AND_YEAR == 288
    assert {(p.state, p.year) for p in PROFILES} == {(s, y) for s in STATES for y in YEARS}
    for state in STATES:
        mine = [p for p in PROFILES if p.state == state]
        assert {p.status for p in mine} == set(STATUSES), state
        assert any(p.st_loss for p in mine), state
        assert any(p.lt_loss for p in mine), state
    assert sum(1 for p in PROFILES if p.wages > 500_000) >= 50
    assert sum(1 for p in PROFILES if p.st_gains + p.lt_gains < 0) >= 20
    assert sum(1 for p in PROFILES if p.st_gains + p.lt_gains - p.st_loss - p.lt_loss < 0) >= 40


def test_every_state_compared_has_its_module() -> None:
    missing = [state for state in STATES if not has_tax(state)]
    assert not missing, f"no module under taxprofiles/rules/law/states for: {', '.join(missing)}"


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.id)
def test_state_tax_before_and_after_the_harvest_agrees_with_policyengine(
    profile: Profile, policyengine: dict[str, Oracle]
) -> None:
    if profile.id in KNOWN_DISAGREEMENTS:
        pytest.skip(f"PolicyEngine disagrees with the statute: {KNOWN_DISAGREEMENTS[profile.id]}")
    assert has_tax(profile.state), f"no module under taxprofiles/rules/law/states for {profile.state}"
    oracle = policyengine[profile.id]
    valuer = HarvestValuer(profile.year, profile.status, profile.state, profile.income(), city="")
    value = valuer.value(st_loss=D(profile.st_loss), lt_loss=D(profile.lt_loss))
    agi_after = valuer.after(st_loss=D(profile.st_loss), lt_loss=D(profile.lt_loss)).agi

    # What PolicyEngine was given: the same return.
    for when, theirs, agi in (("before", oracle.before, valuer.before.agi), ("after", oracle.after, agi_after)):
        assert theirs["filing_status"] == PE_STATUS[profile.status], f"{profile} {when}: {theirs}"
        assert abs(agi - D(str(theirs["adjusted_gross_income"]))) <= D("0.01"), (
            f"{profile} {when}: federal AGI ours {agi}, PolicyEngine {theirs['adjusted_gross_income']}"
        )

    ours = (value.state_tax_before, value.state_tax_after)
    theirs = (D(str(oracle.before["state_income_tax"])), D(str(oracle.after["state_income_tax"])))
    differences = [o - t for o, t in zip(ours, theirs, strict=True)]
    assert all(abs(d) <= TOLERANCE for d in differences), (
        f"{profile.state} {profile.year}, {profile}: state income tax before the harvest ours {ours[0]}, "
        f"PolicyEngine {theirs[0]} ({differences[0]:+}); after ours {ours[1]}, PolicyEngine {theirs[1]} "
        f"({differences[1]:+}); saving ours {ours[0] - ours[1]}, PolicyEngine {theirs[0] - theirs[1]}; "
        f"PolicyEngine before refundable credits {oracle.before['state_income_tax_before_refundable_credits']} / "
        f"{oracle.after['state_income_tax_before_refundable_credits']}; federal AGI {valuer.before.agi} / {agi_after}"
    )
