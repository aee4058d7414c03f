"""Client addresses for per-address limits: trusted proxies, right to left; IPv6 by /64."""

from __future__ import annotations

import pytest

from server.net.addresses import AddressResolver, parse_networks

PROXIES = AddressResolver(parse_networks("10.0.0.0/8, 127.0.0.1"))
DIRECT = AddressResolver()


def test_without_trusted_proxies_the_header_is_ignored():
    assert DIRECT.client_key("192.0.2.1", "203.0.113.9") == "192.0.2.1"


def test_a_trusted_proxy_is_replaced_by_the_right_most_untrusted_hop():
    assert PROXIES.client_key("10.1.2.3", "198.51.100.1, 203.0.113.9") == "203.0.113.9"
    assert PROXIES.client_key("10.1.2.3", "203.0.113.9, 10.4.4.4") == "203.0.113.9"


def test_an_untrusted_peer_cannot_claim_another_address():
    assert PROXIES.client_key("192.0.2.1", "203.0.113.9") == "192.0.2.1"


def test_garbage_in_the_header_stops_the_walk():
    assert PROXIES.client_key("10.1.2.3", "203.0.113.9, not-an-address") == "10.1.2.3"


def test_ipv6_clients_are_grouped_by_their_64():
    one = DIRECT.client_key("2001:db8:1:2:aaaa::1", None)
    assert one == DIRECT.client_key("2001:db8:1:2:bbbb::9", None) == "2001:db8:1:2::/64"
    assert DIRECT.client_key("2001:db8:1:3::1", None) != one
    assert DIRECT.client_key("::ffff:192.0.2.7", None) == "192.0.2.7"


def test_no_peer_is_unknown_and_bad_settings_are_named():
    assert DIRECT.client_key(None, None) == "unknown"
    with pytest.raises(ValueError, match=r"300\.1\.1\.1"):
        parse_networks("10.0.0.0/8, 300.1.1.1")
