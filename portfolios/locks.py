"""One writer per household: the lock every write of a household's lots, fills and scan results takes.

A rebuild reads the whole ledger and replaces the lots; two at once (two workers filling two harvests)
would each delete what the other had not yet written and leave both copies. The lock is held until the
end of the surrounding transaction, so the reads that follow it see every write committed before it.

PostgreSQL: a transaction-scoped advisory lock on (namespace, household id), which blocks nothing but
other holders of the same lock. SQLite: a write to the household's row as the transaction's first write,
which takes SQLite's database write lock at once (the effect of an IMMEDIATE transaction), so a second
writer waits for it instead of failing later with "database is locked".
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F

from portfolios.models import Household

# The first key of PostgreSQL's two-key advisory locks: "th" + "hh", so no other lock of ours collides.
HOUSEHOLD_LOCK_NAMESPACE = 0x74686868


def household_lock(household_id: int) -> None:
    """Take the household's write lock until the current transaction ends; wait while another holds it."""
    if not connection.in_atomic_block:
        raise RuntimeError("household_lock() needs a transaction: it is released when the transaction ends")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [HOUSEHOLD_LOCK_NAMESPACE, household_id])
    else:
        Household.objects.filter(pk=household_id).update(id=F("id"))
