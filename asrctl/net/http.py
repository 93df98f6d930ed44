"""Small HTTP facts shared by every client (Nmbrs, registry, GitHub): one place for each."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from asrctl.errors import ConfigError


def is_loopback(host: str | None) -> bool:
    """True for localhost and loopback addresses: the only hosts plain http may reach."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def require_tls(url: str, what: str) -> None:
    """https, or plain http to loopback only (the sandbox): the token travels in every request."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and is_loopback(parts.hostname):
        return
    raise ConfigError(
        f"{what} {url!r} is not an https URL",
        hint="use https://...; plain http:// only to 127.0.0.1 or localhost; or sandbox:<file>",
    )
