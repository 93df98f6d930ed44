"""The HTTP side of the SOAP client: one pooled session, timeouts, a bound on calls in flight, no leaks.

zeep's own Transport logs every request envelope at DEBUG, and Nmbrs envelopes carry the API
token in their header. This subclass replaces `post` (logging only a redacted envelope) and
`load` (the bundled WSDL, never the network).
"""

from __future__ import annotations

import logging
import re
import string
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import requests
from requests.adapters import HTTPAdapter
from zeep.transports import Transport

from asrctl import __version__
from asrctl.net.http import parse_retry_after
from asrctl.nmbrs.soap.calls import WSDL_PLACEHOLDERS
from asrctl.secrets import redact

log = logging.getLogger("asrctl.nmbrs.soap.transport")

# The Token element of either auth header, whatever its prefix: blanked even when the token is too
# short for `redact` to know it.
_TOKEN_ELEMENT = re.compile(r"(<([\w.-]+:)?Token>)[^<]*(</)")

WSDL_DIR = Path(__file__).parent / "wsdl"
CONNECT_TIMEOUT = 10.0  # seconds; the read timeout comes from nmbrs.timeout_seconds


def wsdl_path(service: str) -> Path:
    return WSDL_DIR / f"{service}.wsdl"


class TransientHttpError(Exception):
    """HTTP 429 or a 5xx that is not a SOAP fault (proxy page, overload): worth another try."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


class NmbrsTransport(Transport):  # type: ignore[misc]  # zeep is untyped
    """Shared by the zeep clients of all four services, all accounts and all threads of a run."""

    def __init__(self, *, parallelism: int, timeout: float, trust_env: bool = True) -> None:
        session = requests.Session()
        session.trust_env = trust_env  # no proxy from the environment for the loopback sandbox
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(parallelism, 4), max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        super().__init__(session=session, timeout=timeout, operation_timeout=timeout)
        session.headers["User-Agent"] = f"asrctl/{__version__}"
        self._timeouts = (min(CONNECT_TIMEOUT, timeout), timeout)
        self._slots = threading.BoundedSemaphore(parallelism)  # Nmbrs calls in flight at once
        self._lock = threading.Lock()
        self._calls = 0

    @property
    def calls(self) -> int:
        return self._calls

    def load(self, url: str) -> bytes:
        """Only the bundled WSDL files; asrctl never fetches a service description."""
        if urlparse(url).scheme in ("http", "https"):
            raise RuntimeError(f"refusing to fetch {url}: asrctl uses its bundled WSDL")
        text = Path(url).read_text(encoding="utf-8")
        return string.Template(text).safe_substitute(WSDL_PLACEHOLDERS).encode("utf-8")

    def post(self, address: str, message: Any, headers: dict[str, str]) -> requests.Response:
        with self._lock:
            self._calls += 1
        action = headers.get("SOAPAction", "")
        if log.isEnabledFor(logging.DEBUG):
            body = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
            log.debug("POST %s SOAPAction %s\n%s", address, action, redact(_TOKEN_ELEMENT.sub(r"\1***\3", body)))
        with self._slots:
            response = self.session.post(address, data=message, headers=headers, timeout=self._timeouts)
        status = response.status_code
        log.debug("HTTP %d from %s for %s", status, address, action)
        content_type = response.headers.get("Content-Type", "")
        if status == 429 or status >= 502 or (status >= 500 and "xml" not in content_type):
            raise TransientHttpError(status, parse_retry_after(response.headers.get("Retry-After")))
        return response

    def close(self) -> None:
        self.session.close()
