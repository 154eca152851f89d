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
    with np.errstate(invalid="ignore", divide="ignore"):  # a flat series has no correlation: NaN, then 0
        correlation = np.corrcoef(clean, rowvar=False) if clean.shape[0] > 2 else np.zeros((len(symbols),) * 2)
    correlation = np.nan_to_num(correlation, nan=0.0)

    def group(symbol: str) -> str:
        return groups.get(symbol, symbol)

    def allowed(sold: str, candidate: str) -> bool:
        return (
            candidate != sold
            and candidate in tradable
            and group(candidate) != group(sold)
            and group(candidate) not in blocked
            and candidate in index
        )

    def tracking_error(a: int, b: int) -> float:
        return float(np.std(clean[:, a] - clean[:, b]) * np.sqrt(TRADING_DAYS))

    choices: dict[str, tuple[Replacement, ...]] = {}
    for sold in held:
        if sold not in index:
            continue
        i = index[sold]
        ranked_choices: list[Replacement] = []
        paired = firm_pairs.get(sold)
        if paired is not None and allowed(sold, paired):
            j = index[paired]
            ranked_choices.append(Replacement(paired, float(correlation[i, j]), tracking_error(i, j), "firm pair"))
        ranked = sorted(
            (j for j, candidate in enumerate(symbols) if allowed(sold, candidate) and candidate != paired),
            key=lambda j: -correlation[i, j],
        )
        ranked_choices += [
            Replacement(symbols[j], float(correlation[i, j]), tracking_error(i, j), "correlation")
            for j in ranked[: alternatives + 1]
        ]
        if ranked_choices:
            choices[sold] = tuple(ranked_choices[: alternatives + 1])
    return choices
