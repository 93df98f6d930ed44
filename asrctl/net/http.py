"""Small HTTP facts shared by every client (Nmbrs, registry, GitHub): one place for each."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from asrctl.errors import ConfigError
from asrctl.i18n import _

__all__ = ["is_loopback", "parse_retry_after", "require_tls"]


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


_TLS_HINT = _("Use https://...; plain http:// only to 127.0.0.1 or localhost; or sandbox:<file>.")


def require_tls(url: str, what: str, *, hint: str = _TLS_HINT) -> bool:
    """The TLS rule of every client that sends a token (Nmbrs, registry, GitHub): https to a named
    host, or plain http to loopback only (the sandbox); no user name or password in the URL.

    Returns whether the host is loopback: then no proxy from the environment applies.
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed [ of an IPv6 address
        raise ConfigError(_("{what} {url} is not a URL", what=what, url=repr(url)), hint=hint) from None
    if parts.username or parts.password:  # first, and not echoed: the password would be in the message
        raise ConfigError(_("{what} must not contain a user name or password", what=what), hint=hint)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(_("{what} {url} is not an https URL: it must use https", what=what, url=repr(url)),
                          hint=hint)
    loopback = is_loopback(parts.hostname)
    if parts.scheme == "http" and not loopback:
        raise ConfigError(_("{what} {url} is not an https URL: it must use https (plain http only to this "
                            "machine)", what=what, url=repr(url)), hint=hint)
    return loopback
