"""Where a request comes from: the client's IP address and the request id.

The address is the TCP peer (``REMOTE_ADDR``). Only when that peer is one of the proxies in
``TRUSTED_PROXIES`` (addresses or networks, e.g. ``10.0.0.2,172.16.0.0/12``) is
``X-Forwarded-For`` read, from the right: each hop a trusted proxy appended is skipped, and
the first address no trusted proxy owns is the client. Anyone who reaches the app's port
directly gets their own address, whatever header they send: otherwise they could choose
their address in the audit trail and dodge the sign-in lockout and rate limits.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import uuid

from django.conf import settings

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_MAX_HOPS = 20  # a longer chain is not ours: stop reading (the header's cost stays bounded)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str | list | tuple | None) -> tuple[Network, ...]:
    """``"10.0.0.2, 172.16.0.0/12"`` -> networks; a bad entry raises ValueError naming it."""
    if not value:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    networks = []
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES: {item!r} is not an address or network") from None
    return tuple(networks)


@functools.lru_cache(maxsize=8)
def _trusted(value) -> tuple[Network, ...]:
    return parse_networks(value)


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in networks)


def client_ip(request) -> str | None:
    """The client's address as far as we can trust it (also django-axes' IP callable and the
    API throttles' identity)."""
    request = getattr(request, "_request", request)  # a DRF Request wraps Django's
    meta = request.META
    peer = _valid_ip(meta.get("REMOTE_ADDR"))
    setting = getattr(settings, "TRUSTED_PROXIES", ())
    networks = _trusted(tuple(setting) if isinstance(setting, list) else setting)
    if peer is None or not networks or not _is_trusted(peer, networks):
        return peer
    hops = meta.get("HTTP_X_FORWARDED_FOR", "").split(",")[-_MAX_HOPS:]
    client = peer
    for hop in reversed(hops):
        address = _valid_ip(hop)
        if address is None:
            break  # garbage from beyond the trusted proxies: the last good hop stands
        client = address
        if not _is_trusted(address, networks):
            break
    return client


def request_id(request) -> str:
    """The proxy's ``X-Request-ID`` when it is a sane token, else a fresh one (memoised)."""
    existing = getattr(request, "audit_request_id", None)
    if existing:
        return existing
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    value = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    request.audit_request_id = value
    return value
