"""Where a token may go: the hosts of its own service, or hosts the operator allowed outside the repo.

An Nmbrs token reads BSNs, salaries and bank accounts, and anyone who can push a branch controls
asrctl.yaml, so a URL in that file alone never sends a token to a new host. Any other host needs
ASRCTL_ALLOW_HOSTS in the environment (set by the workflow or the operator; a pull request cannot
set it). `sandbox:` URLs never get here: asrctl starts those servers itself, on loopback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from asrctl.errors import ConfigError
from asrctl.i18n import _

ALLOW_HOSTS_ENV = "ASRCTL_ALLOW_HOSTS"

# Nmbrs's own hosts (nmbrs/API-FACTS.md, REST-FACTS.md): SOAP, its sandbox, REST, the OAuth server.
NMBRS_HOSTS = frozenset({"api.nmbrs.nl", "api-sandbox.nmbrs.nl", "api.nmbrsapp.com", "identityservice.nmbrs.com"})
# The registry's host as contracts/asr-registry.openapi.yaml `servers` names it. UNVERIFIED: a.s.r.
# has not published a production host; when it does, it is this one constant.
REGISTRY_HOSTS = frozenset({"registry.example.invalid"})

_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|[0-9a-f:.]+")


def host_of(url: str) -> str:
    """The URL's host, lower case, without brackets or a trailing dot ("" when it has none)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".")


def allowed_by_operator(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The hosts in ASRCTL_ALLOW_HOSTS (comma-separated); ConfigError for an entry that is no host name."""
    raw = (os.environ if environ is None else environ).get(ALLOW_HOSTS_ENV, "")
    hosts = set()
    for entry in raw.split(","):
        host = entry.strip().lower().strip("[]").rstrip(".")
        if not host:
            continue
        if not _HOST.fullmatch(host):
            raise ConfigError(
                _("{variable}: {entry} is not a host name", variable=ALLOW_HOSTS_ENV, entry=repr(entry.strip())),
                hint=_("{variable} lists host names or addresses, comma-separated, without scheme, port or path: "
                       "e.g. 127.0.0.1,registry.example.nl", variable=ALLOW_HOSTS_ENV),
            )
        hosts.add(host)
    return frozenset(hosts)


def require_allowed_host(url: str, own_hosts: frozenset[str], *, setting: str, token: str, where: str,
                         environ: Mapping[str, str] | None = None) -> None:
    """ConfigError unless the URL's host is one of `own_hosts` or in ASRCTL_ALLOW_HOSTS.

    `setting` names the key ("nmbrs.endpoint"), `token` whose token would go there ("the Nmbrs
    tokens"), `where` the location of the setting ("asrctl.yaml:8:13").
    """
    host = host_of(url)
    if host and (host in own_hosts or host in allowed_by_operator(environ)):
        return
    known = ", ".join(sorted(own_hosts))
    raise ConfigError(
        _("{where}: {setting} names the host {host}; asrctl sends {token} only to {known}, or to a host listed in "
          "the environment variable {variable}", where=where, setting=setting, host=repr(host or "(none)"),
          token=token, known=known, variable=ALLOW_HOSTS_ENV),
        hint=_("If {host} is right, the operator or the workflow sets {variable}={host} in the environment; "
               "asrctl.yaml cannot allow a host, since a pull request can change it.", host=host or "<host>",
               variable=ALLOW_HOSTS_ENV),
    )
