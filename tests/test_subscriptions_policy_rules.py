"""Which addresses the sink-host policy refuses, in every form a resolver reads, and how a
`sink-hosts` entry is read."""

from __future__ import annotations

import ipaddress

import pytest

from notifycenter.catalogue import subscriptions as codes
from notifycenter.model.errors import NotifyError
from notifycenter.routing.egress import Egress
from notifycenter.routing.hostrules import HostRule, address_of, parse_rule, refusal_rule


@pytest.mark.parametrize(
    ("host", "rule"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.1", "a loopback address"),
        ("0x7f.0.0.1", "a loopback address"),
        ("2130706433", "a loopback address"),
        ("[::1]", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("64:ff9b::7f00:1", "a loopback address"),  # NAT64 of 127.0.0.1
        ("0.0.0.0", "an unspecified address (this host)"),
        ("169.254.169.254", "a cloud metadata address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("100.100.100.200", "a cloud metadata address"),
        ("169.254.10.1", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("10.20.30.40", "a private address (RFC 1918 or ULA)"),
        ("172.31.0.1", "a private address (RFC 1918 or ULA)"),
        ("192.168.0.1", "a private address (RFC 1918 or ULA)"),
        ("fd12:3456::1", "a private address (RFC 1918 or ULA)"),
        ("100.64.0.1", "a non-public address"),
        ("224.0.0.1", "a non-public address"),
    ],
)
def test_addresses_on_the_hubs_own_network_are_refused(host: str, rule: str) -> None:
    address = address_of(host)
    assert address is not None
    assert refusal_rule(address) == rule


@pytest.mark.parametrize("host", ["8.8.8.8", "93.184.215.14", "2606:4700:4700::1111"])
def test_public_addresses_pass(host: str) -> None:
    assert refusal_rule(ipaddress.ip_address(host)) is None


def test_a_name_is_not_an_address() -> None:
    assert address_of("hooks.slack.com") is None
    assert address_of("deadbeef.example") is None


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("10.0.0.5", HostRule("10.0.0.5")),
        ("10.0.0.5:8080", HostRule("10.0.0.5", 8080)),
        ("*.Corp.Example", HostRule("*.corp.example")),
        ("ntfy.internal:*", HostRule("ntfy.internal")),
        ("[fd00::1]:25", HostRule("fd00::1", 25)),
        ("fd00::1", HostRule("fd00::1")),
    ],
)
def test_sink_host_entries(text: str, rule: HostRule) -> None:
    assert parse_rule(text) == rule


@pytest.mark.parametrize("text", ["", "http://x/", "x:0", "x:70000", "x:y", "[fd00::1]x", "a b"])
def test_malformed_sink_host_entries(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rule(text)


async def test_an_allowed_host_or_address_passes_and_others_are_refused() -> None:
    egress = Egress(restricted=True, rules=(parse_rule("127.0.0.1"), parse_rule("10.*:8080")))
    await egress.check_now("127.0.0.1", 9)
    await egress.check_now("10.1.2.3", 8080)
    with pytest.raises(NotifyError) as raised:
        await egress.check_now("10.1.2.3", 9)
    assert raised.value.code == codes.SINK_HOST_REFUSED.code
    # an admin's subscription is not restricted
    await Egress(restricted=False).check_now("169.254.169.254", 80)
