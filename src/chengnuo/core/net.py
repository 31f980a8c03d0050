"""The client of a request: its address, one form per client (R-9.2 rate limits, login
throttling). Behind reverse proxies only `TRUSTED_PROXIES` hops of X-Forwarded-For count."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings

UNKNOWN_ADDRESS = "unknown"


def normalise_address(value: str) -> str:
    """One form per client: an IPv4 address, or the /64 network of an IPv6 address (one
    subscriber gets a whole /64). "" when `value` is not an address."""
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.7:51234
        value = value.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def client_address(request: Any) -> str:
    """REMOTE_ADDR; behind `TRUSTED_PROXIES` reverse proxies, the X-Forwarded-For entry that
    the outermost trusted proxy appended (entries further left are whatever the client sent)."""
    meta = getattr(request, "META", None) or {}
    remote = normalise_address(meta.get("REMOTE_ADDR", ""))
    hops = max(0, int(getattr(settings, "TRUSTED_PROXIES", 0)))
    if hops:
        chain = [p for p in (meta.get("HTTP_X_FORWARDED_FOR", "") or "").split(",") if p.strip()]
        if len(chain) >= hops:
            forwarded = normalise_address(chain[-hops])
            if forwarded:
                return forwarded
    return remote or UNKNOWN_ADDRESS


def client_in(request: Any, networks: list[str] | tuple[str, ...]) -> bool:
    """Whether the client of the request (`client_address`) lies in one of `networks` (CIDR,
    as settings give them). An IPv6 client counts as its /64, so an IPv6 network must be a
    /64 or wider."""
    if not networks:
        return False
    try:
        client = ipaddress.ip_network(client_address(request), strict=False)
    except ValueError:
        return False
    for value in networks:
        net = ipaddress.ip_network(value.strip(), strict=False)
        if client.version == net.version and client.subnet_of(net):  # type: ignore[arg-type]
            return True
    return False
