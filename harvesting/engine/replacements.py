"""Choose each security's replacement: highly correlated, never substantially identical, never blocked.

A firm's configured pair wins when it is allowed; otherwise the security whose trailing daily returns
correlate best with the sold one's. Returns are a date x symbol table of daily returns (floats).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np

from harvesting.engine.scan import Replacement

TRADING_DAYS = 252


def choose_replacements(
    returns: np.ndarray,
    symbols: Sequence[str],
    held: Collection[str],
    tradable: Collection[str],
    identity: Mapping[str, str] | None = None,
    blocked: Collection[str] = (),
    pairs: Mapping[str, str] | None = None,
) -> dict[str, Replacement]:
    """Return the replacement for each held symbol that has one.

    ``returns`` is (days x len(symbols)) of trailing daily returns; ``blocked`` are groups the household
    may not buy now (it sold them at a loss within 30 days: buying would wash that loss).
    """
    ranked = rank_replacements(returns, symbols, held, tradable, identity, blocked, pairs, alternatives=0)
    return {symbol: choices[0] for symbol, choices in ranked.items()}


def rank_replacements(
    returns: np.ndarray,
    symbols: Sequence[str],
    held: Collection[str],
    tradable: Collection[str],
    identity: Mapping[str, str] | None = None,
    blocked: Collection[str] = (),
    pairs: Mapping[str, str] | None = None,
    alternatives: int = 4,
) -> dict[str, tuple[Replacement, ...]]:
    """Return each held symbol's replacements, best first: the firm's pair (when allowed), then up to
    ``alternatives`` others by correlation. A household plan takes the first that washes nothing it does."""
    groups = identity or {}
    firm_pairs = pairs or {}
    index = {symbol: i for i, symbol in enumerate(symbols)}
    clean = np.nan_to_num(returns, nan=0.0)
    count = len(symbols)
    if clean.shape[0] > 2:
        # One covariance matrix gives every pair's correlation and tracking error (the variance of the
        # difference is var_a + var_b - 2 cov_ab): the plan asks for many pairs a day.
        covariance = np.atleast_2d(np.cov(clean, rowvar=False, bias=True))
        variance = np.diag(covariance).copy()
        with np.errstate(invalid="ignore", divide="ignore"):  # a flat series has no correlation: NaN, then 0
            correlation = np.clip(covariance / np.sqrt(np.outer(variance, variance)), -1.0, 1.0)
        correlation = np.nan_to_num(correlation, nan=0.0)
        spread = np.maximum(variance[:, None] + variance[None, :] - 2.0 * covariance, 0.0)
        tracking = np.sqrt(spread) * np.sqrt(TRADING_DAYS)
    else:
        correlation = np.zeros((count, count))
        tracking = np.zeros((count, count))
    group_of = [groups.get(symbol, symbol) for symbol in symbols]
    can_buy = [symbol in tradable and group_of[j] not in blocked for j, symbol in enumerate(symbols)]

    choices: dict[str, tuple[Replacement, ...]] = {}
    for sold in held:
        if sold not in index:
            continue
        i = index[sold]
        mine = group_of[i]
        ranked_choices: list[Replacement] = []
        paired = firm_pairs.get(sold)
        j = index.get(paired) if paired is not None else None
        if j is not None and paired != sold and can_buy[j] and group_of[j] != mine:
            ranked_choices.append(Replacement(symbols[j], float(correlation[i, j]), float(tracking[i, j]), "firm pair"))
        allowed = [k for k in range(count) if can_buy[k] and group_of[k] != mine and symbols[k] != paired and k != i]
        ranked = sorted(allowed, key=lambda k: -correlation[i, k])
        ranked_choices += [
            Replacement(symbols[k], float(correlation[i, k]), float(tracking[i, k]), "correlation")
            for k in ranked[: alternatives + 1]
        ]
        if ranked_choices:
            choices[sold] = tuple(ranked_choices[: alternatives + 1])
    return choices
