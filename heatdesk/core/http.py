"""Small request helpers shared by the API and the pages."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The caller's address for throttling. X-Forwarded-For is honoured only when the connection comes
    from a proxy in HEATDESK_TRUSTED_PROXIES (addresses or networks); then the right-most hop that is
    not itself a trusted proxy is the client (hops left of it are whatever the client claimed)."""
    remote = str(request.META.get("REMOTE_ADDR", "") or "unknown")
    networks = _networks(tuple(settings.HEATDESK_TRUSTED_PROXIES))
    if not networks or not _is_trusted(remote, networks):
        return remote
    hops = [hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop[:45]
    return hops[0][:45] if hops else remote
