"""The real client address: one answer for the API's throttles and the sign-in rate limits of allauth.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed only as far as our own proxies
vouch for it. A request straight from a client (``REMOTE_ADDR`` not in ``TRUSTED_PROXIES``) is that client,
whatever header it sends: otherwise each guess at a password could name a new address and never be throttled.
A request from a trusted proxy is from the right-most forwarded address that is not itself a trusted proxy: each
proxy appends the address it was connected from, so everything to the left of that is the client's own say.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest
from rest_framework import throttling

from portfolios.auth import InviteOnlyAccountAdapter

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip(request: HttpRequest) -> str:
    """Return the address of the client that sent ``request`` ("" if the server gave none)."""
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = trusted_proxies(tuple(settings.TRUSTED_PROXIES))
    remote = _parse(remote_addr)
    if remote is None or not _is_proxy(remote, proxies):
        return str(remote) if remote is not None else remote_addr
    client = remote
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _parse(hop)
        if address is None:
            # Not an address: the last proxy we trust did not write it, so the client behind it is that proxy's
            # peer as far as we can tell; all such clients share one count, which errs on the strict side.
            break
        client = address
        if not _is_proxy(address, proxies):
            break
    return str(client)


@lru_cache(maxsize=4)
def trusted_proxies(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Return the networks of ``TRUSTED_PROXIES`` (addresses or CIDR networks)."""
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES must list IP addresses or CIDR networks: {exc}") from None


def _parse(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d; count it as the IPv4 address it is.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_proxy(address: IPAddress, proxies: tuple[IPNetwork, ...]) -> bool:
    return any(address in network for network in proxies)


class ClientIpAccountAdapter(InviteOnlyAccountAdapter):
    """allauth's adapter with our client address, so the portal's failed-login limit counts what the API's does."""

    def get_client_ip(self, request: HttpRequest) -> str:
        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address


class AnonRateThrottle(throttling.AnonRateThrottle):
    def get_ident(self, request: Any) -> str:
        return client_ip(request)


class UserRateThrottle(throttling.UserRateThrottle):
    def get_ident(self, request: Any) -> str:
        return client_ip(request)


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    def get_ident(self, request: Any) -> str:
        return client_ip(request)
