"""Where links point on a developer's machine, from the address the development server runs on."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def base_url_for(addr: str, port: str, *, ipv6: bool = False) -> str:
    """The origin a browser on this machine uses to reach a server bound to addr:port."""
    # A server listening on every address is reached from this machine on loopback.
    if addr in {"", "0", "0.0.0.0"}:  # noqa: S104 - read, not bound
        host = "127.0.0.1"
    elif addr == "::":
        host = "[::1]"
    elif ipv6 or ":" in addr:
        host = f"[{addr}]"
    else:
        host = addr
    return f"http://{host}:{port}"


def point_links_at(addr: str, port: str, *, ipv6: bool = False) -> str:
    """Make PUBLIC_BASE_URL (and what follows from it) this server's own address."""
    base = base_url_for(addr, port, ipv6=ipv6)
    host = urlsplit(base).hostname or "127.0.0.1"
    settings.PUBLIC_BASE_URL = base
    settings.PUBLIC_HOST = host
    settings.CSRF_TRUSTED_ORIGINS = [base]
    allowed = f"[{host}]" if ":" in host else host
    if allowed not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, allowed]
    return base
