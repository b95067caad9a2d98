"""Who is asking: the client's IP address behind trusted proxies.

One setting decides it for comments, rate limits, bans and the admin login
lockout (django-axes calls `client_ip` too): NEWSROOM_TRUSTED_PROXIES, the
networks of the proxies in front of the app (the edge, a load balancer).
X-Forwarded-For is read from the right: each proxy appends the address it
saw, so the right-most address not belonging to a trusted proxy is the
client. The left-most entries are whatever the client chose to send and are
never believed. With no trusted proxy, REMOTE_ADDR is the client.
"""

import ipaddress
from functools import cache

from django.conf import settings


@cache
def _networks(value: tuple[str, ...]):
    return tuple(ipaddress.ip_network(v, strict=False) for v in value)


def _trusted(address, networks) -> bool:
    return any(address in network for network in networks)


def _parse(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address as text, or None when it cannot be told."""
    networks = _networks(tuple(settings.NEWSROOM_TRUSTED_PROXIES))
    address = _parse(request.META.get("REMOTE_ADDR", ""))
    if address is None or not networks or not _trusted(address, networks):
        return str(address) if address else None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed([e for e in forwarded.split(",") if e.strip()]):
        hop = _parse(entry)
        if hop is None:
            return None  # a malformed hop: nothing to its left can be trusted
        address = hop
        if not _trusted(hop, networks):
            break
    return str(address)
