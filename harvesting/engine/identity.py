"""Which securities are "substantially identical" for the wash-sale rule.

Declarations come from several places (share classes set by the platform, funds a firm treats as
the same); any chain of declarations makes one group, so the groups are the connected components.
"""

from __future__ import annotations

from collections.abc import Iterable


def identity_groups(declarations: Iterable[Iterable[str]]) -> dict[str, str]:
    """Map each symbol named in ``declarations`` to its group's key (the group's first symbol in order).

    A symbol absent from the result is identical only to itself.
    """
    parent: dict[str, str] = {}

    def root(symbol: str) -> str:
        parent.setdefault(symbol, symbol)
        while parent[symbol] != symbol:
            parent[symbol] = parent[parent[symbol]]
            symbol = parent[symbol]
        return symbol

    for declaration in declarations:
        members = sorted(set(declaration))
        for other in members[1:]:
            a, b = root(members[0]), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {symbol: root(symbol) for symbol in parent}
