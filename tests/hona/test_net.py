"""hona.net: the exact-origin rule for calls with our credentials, the address rule for webhooks,
and the settings that govern them."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from hona.net import UnsafeUrl, is_public, on_origin, same_origin
from tests.hona.test_settings import PRODUCTION, run_django

CLIO = "https://app.clio.com"


@pytest.mark.parametrize(
    "url",
    [
        "https://app.clio.com.evil.example/api/v4/documents.json",  # a longer host name
        "https://app.clio.com@evil.example/api/v4/documents.json",  # Clio as a user name
        "https://app.clio.com:443@evil.example/api/v4/documents.json",
        "https://app.clio.com:443.evil.example/api/v4/documents.json",  # a port that is not one
        "https://app.clio.com\\@evil.example/api/v4/documents.json",  # read two ways by parsers
        "https://app.clio.com\t.evil.example/",
        "http://app.clio.com/api/v4/documents.json",  # the scheme
        "https://app.clio.com:8443/api/v4/documents.json",  # the port
        "https://eu.app.clio.com/api/v4/documents.json",  # another region is another host
        "https://evil.example/#https://app.clio.com/",
        "//app.clio.com/api/v4/documents.json",
        "/api/v4/documents.json",
        "javascript:alert(1)",
    ],
)
def test_an_address_that_merely_starts_like_clios_is_not_on_clios_origin(url: str) -> None:
    assert not same_origin(url, CLIO)
    with pytest.raises(UnsafeUrl):
        on_origin(url, CLIO)


@pytest.mark.parametrize(
    "url",
    [
        "https://app.clio.com/api/v4/documents.json?page_token=2",
        "https://app.clio.com:443/api/v4/documents.json",  # the default port, written out
        "HTTPS://APP.CLIO.COM/api/v4/documents.json",
    ],
)
def test_clios_own_links_are_on_its_origin_and_rebuilt_on_it(url: str) -> None:
    assert same_origin(url, CLIO)
    assert on_origin(url, CLIO).startswith("https://app.clio.com/api/v4/documents.json")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::6810:84e5", True),
        ("127.0.0.1", False),
        ("10.20.30.40", False),
        ("172.16.0.1", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - an address under test, nothing binds to it
        ("255.255.255.255", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("::", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::127.0.0.1", False),  # IPv4-compatible
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
        ("fd12:3456::1", False),
        ("fe80::1", False),
        ("ff02::1", False),
    ],
)
def test_only_globally_routable_addresses_count_as_public(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


def test_production_allows_no_private_network_and_no_plain_http(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.WEBHOOK_ALLOW_PLAIN_HTTP, s.WEBHOOK_ALLOWED_PRIVATE_NETWORKS)"
    )
    result = run_django(code, PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "[]"]


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("10.20.0.5/16", "host bits zero"),
        ("intranet", "networks such as 10.20.0.0/16"),
        ("0.0.0.0/0", "cannot allow every address"),
    ],
)
def test_an_allowed_private_network_that_is_not_a_network_stops_the_app(
    tmp_path: Path, value: str, says: str
) -> None:
    result = run_django("", {"WEBHOOK_ALLOWED_PRIVATE_NETWORKS": value}, tmp_path)
    assert result.returncode != 0
    assert says in result.stderr
