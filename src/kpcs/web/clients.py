"""Who the client is and how it reached us, from the ASGI scope.

Behind a reverse proxy the peer is the proxy itself; only when the operator says so
(``KPCS_TRUST_PROXY``) do the proxy's ``X-Forwarded-For`` and ``X-Forwarded-Proto`` count,
since any client can send those headers.
"""

from __future__ import annotations

import ipaddress

from starlette.types import Scope


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def client_address(scope: Scope, *, trust_proxy: bool) -> str:
    """The address limits are counted against: the peer, or with a trusted proxy the address
    the proxy saw (the last ``X-Forwarded-For`` entry: earlier ones the client wrote itself).

    An IPv6 client is its /64: one subscriber gets a whole /64 and could otherwise take a
    fresh address for every attempt.
    """
    address = None
    if trust_proxy:
        forwarded = _header(scope, b"x-forwarded-for")
        if forwarded:
            address = forwarded.split(",")[-1].strip() or None
    if address is None:
        client = scope.get("client")
        address = str(client[0]) if client else "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def came_over_https(scope: Scope, *, trust_proxy: bool) -> bool:
    """True when the request reached us over TLS (directly, or at a trusted proxy)."""
    if trust_proxy:
        proto = _header(scope, b"x-forwarded-proto")
        if proto:
            return proto.split(",")[-1].strip().lower() == "https"
    return scope.get("scheme") in ("https", "wss")
