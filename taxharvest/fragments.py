"""Rendered page fragments, cached until the data they show changes.

The portal's pages poll while the feed runs and are opened all day; most requests find the same data as the
last one. A fragment is cached under the view's name, the user, the browser's CSRF cookie (fragments hold
forms, whose tokens belong to that cookie), the full path (filters) and a *version*: a tuple of cheap
facts (the market clock, the newest row ids, the newest audit-history ids) that changes whenever anything the
fragment shows can have changed. Flash messages live outside fragments, in the page layout.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from typing import Any

from django.core.cache import cache
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

TTL_SECONDS = 300


def cached_fragment(
    request: HttpRequest, name: str, version: Callable[[], tuple[Hashable, ...]], render: Callable[[], str]
) -> SafeString:
    """Return the fragment's HTML from the cache, or ``render()`` it and cache it. ``version`` is called only
    when the fragment can be cached at all."""
    csrf_cookie = request.META.get("CSRF_COOKIE", "")
    if not csrf_cookie:
        # No CSRF cookie yet: this response creates one, and the forms must carry tokens of it.
        return mark_safe(str(render()))
    parts = (name, getattr(request.user, "pk", None), csrf_cookie, request.get_full_path(), version())
    key = "fragment:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html = str(render())
        cache.set(key, html, TTL_SECONDS)
    return mark_safe(html)


def newest(*querysets: QuerySet[Any], field: str = "pk") -> tuple[object, ...]:
    """The newest ``field`` of each queryset: one indexed aggregate each, the parts of a fragment's version."""
    return tuple(queryset.aggregate(newest=Max(field))["newest"] for queryset in querysets)
