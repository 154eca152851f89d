"""Signals other apps listen to, so that portfolios never has to import them."""

from django.dispatch import Signal

# Sent after a batch of prices has been committed. Arguments: ``security_ids`` (a frozenset of the
# securities whose price moved) and ``at`` (the newest tick's time). Monitoring rescans on it.
prices_ingested = Signal()
