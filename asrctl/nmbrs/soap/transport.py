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
from zeep.transports import Transport

from asrctl.net.budget import CallBudget
from asrctl.net.http import parse_retry_after
from asrctl.net.session import Limits, exchange, new_session
from asrctl.nmbrs.soap.calls import WSDL_PLACEHOLDERS
from asrctl.secrets import redact

log = logging.getLogger("asrctl.nmbrs.soap.transport")

# The Token element of either auth header, whatever its prefix: blanked even when the token is too
# short for `redact` to know it.
_TOKEN_ELEMENT = re.compile(r"(<([\w.-]+:)?Token>)[^<]*(</)")

WSDL_DIR = Path(__file__).parent / "wsdl"
# The largest answers (a company's employees, a run's wage codes) are a few MB; beyond this it is
# not Nmbrs answering, and it is not read further.
MAX_ANSWER_BYTES = 32 * 1024 * 1024


class _ConversionFailures(logging.Handler):
    """zeep logs a typed value it cannot convert (an Id of "twelve") with a traceback at ERROR, and
    reads it as None. Here those records stay off stderr and are counted per thread, so the call
    that got such an answer fails loudly instead of reading "no value"."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self._seen = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        self._seen.count = self.count() + 1

    def count(self) -> int:
        return int(getattr(self._seen, "count", 0))


CONVERSION_FAILURES = _ConversionFailures()
for _name in ("zeep.xsd.types.simple", "zeep.xsd.elements.attribute"):
    logging.getLogger(_name).addHandler(CONVERSION_FAILURES)
    logging.getLogger(_name).propagate = False  # the traceback quotes the value: Nmbrs data stays out of logs


def wsdl_path(service: str) -> Path:
    return WSDL_DIR / f"{service}.wsdl"


class TransientHttpError(Exception):
    """HTTP 429 or a 5xx that is not a SOAP fault (proxy page, overload): worth another try."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


class EndpointGone(Exception):
    """HTTP 404 or 410 on a SOAP endpoint: the service is not there (any more). Not handed to zeep, which
    would try to read a JSON or HTML page as XML."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class NmbrsTransport(Transport):
    """Shared by the zeep clients of all four services, all accounts and all threads of a run."""

    def __init__(self, *, parallelism: int, timeout: float, trust_env: bool = True,
                 budget: CallBudget | None = None) -> None:
        # trust_env False: no proxy from the environment for the loopback sandbox
        session = new_session(trust_env=trust_env, pool_maxsize=max(parallelism, 4))
        super().__init__(session=session, timeout=timeout, operation_timeout=timeout)  # type: ignore[no-untyped-call]
        self._limits = Limits(deadline=timeout, max_bytes=MAX_ANSWER_BYTES)
        self._slots = threading.BoundedSemaphore(parallelism)  # Nmbrs calls in flight at once
        self._budget = budget  # calls started per second, shared with REST and every thread of the run
        self._lock = threading.Lock()
        self._calls = 0
        self._answered = threading.local()

    @property
    def calls(self) -> int:
        return self._calls

    def expect_answer(self) -> None:
        """Before a call in this thread: `answered()` tells afterwards whether an answer came back."""
        self._answered.value = False

    def answered(self) -> bool:
        return bool(getattr(self._answered, "value", False))

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
            if self._budget is not None:
                self._budget.acquire()
            # No redirect (the envelope carries the token), a total deadline, a size cap: net.session.
            response = exchange(self.session, "POST", address, limits=self._limits, data=message, headers=headers)
        self._answered.value = True
        status = response.status_code
        log.debug("HTTP %d from %s for %s", status, address, action)
        content_type = response.headers.get("Content-Type", "")
        if status in (404, 410):
            raise EndpointGone(status)
        if status == 429 or status >= 502 or (status >= 500 and "xml" not in content_type):
            raise TransientHttpError(status, parse_retry_after(response.headers.get("Retry-After")))
        return response

    def close(self) -> None:
        self.session.close()
