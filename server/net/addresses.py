"""Who a client is, for per-address limits: its address, through trusted proxies, grouped.

Behind a reverse proxy every client arrives from the proxy's address. With the proxy's networks
in ``trusted_proxies`` the client address is taken from ``X-Forwarded-For`` instead: the
right-most hop that is not itself a trusted proxy (the left-most entries are whatever the client
chose to send, so they are never believed). Without trusted proxies the header is ignored.

IPv6 clients are grouped by their /64, since one subscriber usually holds a whole /64 and could
otherwise take a fresh address for every connection.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"
IPV6_GROUP_BITS = 64


def parse_networks(setting: str) -> tuple[Network, ...]:
    """Comma-separated CIDRs (or single addresses) as networks; ``ValueError`` names a bad one."""
    networks = []
    for item in (part.strip() for part in setting.split(",")):
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"not an address or CIDR network: {item!r}") from None
    return tuple(networks)


class AddressResolver:
    """Turns a request's peer address and headers into the key per-address limits use.

    :param trusted_proxies: networks whose ``X-Forwarded-For`` is believed.
    """

    def __init__(self, trusted_proxies: Iterable[Network] = ()) -> None:
        self.trusted_proxies = tuple(trusted_proxies)

    def client_key(self, peer: str | None, forwarded_for: str | None) -> str:
        """The grouped client address for a connection from ``peer``."""
        address = _parse(peer)
        if address is None:
            return UNKNOWN
        if forwarded_for and self._trusted(address):
            for hop in reversed(forwarded_for.split(",")):
                candidate = _parse(hop.strip())
                if candidate is None:
                    break
                address = candidate
                if not self._trusted(candidate):
                    break
        return group(address)

    def _trusted(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address in network for network in self.trusted_proxies)


def group(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """An IPv4 address as is; an IPv6 address as its /64 (IPv4-mapped ones as IPv4)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network((address, IPV6_GROUP_BITS), strict=False))
    return str(address)


def _parse(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
