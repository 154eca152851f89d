"""Whether the names on a return are a household's clients: a return uploaded to the wrong household is a
different family's taxes applied to this one's harvests."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def name_parts(name: str) -> tuple[str, str]:
    """(first name, last name) in lower case without accents, middle initials or suffixes."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [word for word in re.findall(r"[a-z][a-z'-]*", plain) if word not in _SUFFIXES]
    if not words:
        return "", ""
    return words[0], words[-1]


def same_person(on_return: str, client: str) -> bool:
    """Same last name, and first names that agree (one may be the other's initial or short form)."""
    first, last = name_parts(on_return)
    client_first, client_last = name_parts(client)
    if not last or last != client_last:
        return False
    if len(first) == 1 or len(client_first) == 1:
        return first[:1] == client_first[:1]
    return first.startswith(client_first) or client_first.startswith(first)


def unmatched_names(names: Sequence[str], clients: Sequence[str]) -> list[str]:
    """The names on the return that are none of the household's clients."""
    return [name for name in names if not any(same_person(name, client) for client in clients)]
