"""Outbound HTTP: exact-origin checks for the services we hold credentials for, and a POST to a
firm's webhook that cannot be turned against our own network.

Two rules from DESIGN.md live here (issue #10):
- A request carrying our credentials (Clio's token, Twilio's account) goes only to the configured
  origin: the same scheme, host and port, compared after parsing, never by string prefix
  (``https://app.clio.com.evil.example`` and ``https://app.clio.com@evil.example`` both start
  with ``https://app.clio.com``).
- A firm's webhook URL is https (plain http only in DEBUG) and resolves only to public addresses,
  checked when it is saved and again at each send (a name can be re-pointed after it was checked).
  The connection goes to the very address that was checked, with the name kept for TLS (SNI and
  certificate) and the Host header, so a second DNS answer cannot move it; redirects are never
  followed. Errors say "could not be reached", never why, so the settings page cannot be used to
  probe which ports answer.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from requests.certs import where as default_ca_bundle

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_ANSWER_BYTES = 64 * 1024  # a receiver's answer is an id, not a download
# Characters that parsers disagree about (backslash, whitespace, controls): refused outright.
_AMBIGUOUS = re.compile(r"[\s\\\x00-\x1f\x7f]")
# inet_aton reads "2130706433", "0177.0.0.1" and "0x7f.1" as 127.0.0.1; only the usual dotted
# form is accepted, so what a firm admin reads is what we connect to.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]*))*$", re.IGNORECASE)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValueError):
    """Refused before any connection. The message is written for the firm admin who set it."""

    def __init__(self, message: str, *, host_unknown: bool = False) -> None:
        super().__init__(message)
        self.host_unknown = host_unknown  # the name did not resolve (a typo, not an attack)


class Unreachable(Exception):
    """The connection or the answer failed. The message is safe to show; details are logged."""

    def __init__(self, message: str, *, tls: bool = False) -> None:
        super().__init__(message)
        self.tls = tls  # a server answered, but its certificate was not accepted


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int


def origin_of(url: str) -> Origin | None:
    """The URL's scheme, host and port (default ports filled in), or None when it has none we
    trust: not http(s), a user name or password before the host, or ambiguous characters."""
    if _AMBIGUOUS.search(url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number, such as "443.evil.example"
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    return Origin(scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme])


def same_origin(url: str, origin: str) -> bool:
    """True when ``url`` is on exactly the origin ``origin`` (e.g. settings.CLIO_BASE_URL)."""
    found = origin_of(url)
    return found is not None and found == origin_of(origin)


def on_origin(url: str, origin: str) -> str:
    """``url`` rebuilt on ``origin`` after checking it is on it: what is sent is the configured
    origin followed by the path and query, whatever another parser would make of the rest."""
    if not same_origin(url, origin):
        raise UnsafeUrl("That address is not on the configured host.")
    parts = urlsplit(url)
    return f"{origin}{parts.path or '/'}{'?' + parts.query if parts.query else ''}"


# --- a firm's webhook ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """A webhook URL that passed the checks, with the address it resolved to."""

    scheme: str
    host: str  # as the URL names it (ASCII), for TLS and the Host header
    port: int
    address: str  # the checked address the connection goes to
    target: str  # path and query

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n) for n in settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS]


def _embedded(address: Address) -> list[Address]:
    """The address, and any IPv4 address it carries (IPv4-mapped, 6to4, Teredo)."""
    found: list[Address] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            found.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            found.append(address.sixtofour)
        if address.teredo is not None:
            found.extend(address.teredo)
    return found


def is_public(address: Address) -> bool:
    """Globally routable: not private, loopback, link-local (169.254.169.254, the cloud metadata
    service), shared, reserved, multicast or unspecified — nor an IPv6 form of one of those."""
    return all(
        a.is_global and not (a.is_multicast or a.is_reserved or a.is_unspecified)
        for a in _embedded(address)
    )


def _permitted(address: Address) -> bool:
    if is_public(address):
        return True
    # Deliberately configured exceptions (an on-premises CMS, or the tests' loopback receiver).
    return any(a in network for a in _embedded(address) for network in _allowed_networks())


def _resolve(host: str, port: int) -> list[Address]:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [literal]
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    found: list[Address] = []
    for _family, _type, _proto, _name, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def check_webhook_url(url: str) -> Destination:
    """Check a webhook URL and resolve its host (no connection is made). Raises UnsafeUrl."""
    if _AMBIGUOUS.search(url):
        raise UnsafeUrl("The webhook URL contains spaces or characters a URL cannot have.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl("The webhook URL has a port that is not a number.") from None
    scheme = parts.scheme.lower()
    plain_http_ok = bool(settings.WEBHOOK_ALLOW_PLAIN_HTTP)
    if scheme != "https" and not (scheme == "http" and plain_http_ok):
        raise UnsafeUrl("The webhook URL must start with https://.")
    if "@" in parts.netloc:
        raise UnsafeUrl("The webhook URL cannot contain a user name or password.")
    if not parts.hostname:
        raise UnsafeUrl("The webhook URL needs a host name, such as https://cms.example.com/hona.")
    try:
        host = parts.hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise UnsafeUrl("The webhook URL's host name is not valid.") from None
    if _NUMERIC_HOST.match(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise UnsafeUrl(
                "Write the webhook's IP address in the usual dotted form, such as 203.0.113.10."
            ) from None
    port = port or DEFAULT_PORTS[scheme]
    addresses = _resolve(host, port)
    if not addresses:
        raise UnsafeUrl(f"The webhook's host name {host} could not be found.", host_unknown=True)
    refused = [a for a in addresses if not _permitted(a)]
    if refused:
        # Every address must be public: a name that also answers 10.0.0.5 could be sent there.
        raise UnsafeUrl(
            f"The webhook URL must point to a public internet address: {host} leads to "
            f"{refused[0]}, a private, local or reserved address."
        )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(scheme, host, port, str(addresses[0]), target)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    content: bytes


def post_to_webhook(url: str, body: bytes, headers: Mapping[str, str], *, timeout: float) -> Answer:
    """POST to a firm's webhook: checked again now, connected to the checked address, no
    redirects. Raises UnsafeUrl (refused, nothing sent) or Unreachable."""
    destination = check_webhook_url(url)
    pool: urllib3.HTTPConnectionPool
    options: dict[str, Any] = {
        "timeout": urllib3.Timeout(connect=min(5.0, timeout), read=timeout),
        "retries": False,
        "maxsize": 1,
    }
    if destination.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            destination.address,
            destination.port,
            server_hostname=destination.host,  # SNI and the certificate's name
            cert_reqs="CERT_REQUIRED",
            # As requests does: a deployment's own CA bundle, else the bundled one.
            ca_certs=os.environ.get("REQUESTS_CA_BUNDLE") or default_ca_bundle(),
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(destination.address, destination.port, **options)
    try:
        response = pool.urlopen(
            "POST",
            destination.target,
            body=body,
            headers={**headers, "Host": destination.host_header},
            redirect=False,
            assert_same_host=False,
            preload_content=False,
        )
        try:
            content = response.read(MAX_ANSWER_BYTES)
        finally:
            response.release_conn()
    except urllib3.exceptions.SSLError as error:
        logger.warning("Webhook %s: TLS failed: %s", destination.host, error)
        raise Unreachable(
            "The webhook could not be reached securely: its TLS certificate was not accepted.",
            tls=True,
        ) from None
    except (urllib3.exceptions.HTTPError, OSError, ssl.SSLError) as error:
        logger.warning("Webhook %s could not be reached: %r", destination.host, error)
        raise Unreachable("The webhook could not be reached.") from None
    finally:
        pool.close()
    return Answer(response.status, dict(response.headers), content)
