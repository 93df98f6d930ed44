"""The one network edge: every client's HTTP session and every request/answer exchange.

`new_session()` makes the requests session of a client (Nmbrs SOAP, registry, GitHub, Nmbrs REST);
`exchange()` makes one request on it under three rules a hostile or broken peer cannot bend:

- No redirects: a 3xx is an error. A client follows none, so a token goes only to the URL it was
  given (requests keeps the body, and zeep's envelope carries the Nmbrs token, across a 307/308).
- A total deadline: connect, send, headers and body together, not only a per-read timeout (a peer
  sending one byte a second never trips a read timeout). A watchdog shuts the socket down when the
  deadline passes, wherever the exchange is blocked.
- A size cap on the answer: streamed, stopped at the cap, never held in memory beyond it.

The errors are ServiceErrors (exit 1) with a neutral message; clients add which call it was.
"""

from __future__ import annotations

import heapq
import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, ProxyManager
from urllib3.connection import HTTPConnection, HTTPSConnection

from asrctl import __version__
from asrctl.errors import ServiceError
from asrctl.i18n import _

CHUNK_BYTES = 64 * 1024
CONNECT_TIMEOUT = 10.0  # seconds; never more than the deadline


@dataclass(frozen=True)
class Limits:
    """Per client: how long one exchange may take in all, and how large an answer may be."""

    deadline: float   # seconds: connect + send + the whole answer
    max_bytes: int    # the answer's body, as decoded
    connect: float = CONNECT_TIMEOUT  # of that, at most this for the TCP/TLS connect


class ExchangeError(ServiceError):
    """The peer answered in a way asrctl refuses, or not in time."""


class RedirectRefused(ExchangeError):
    def __init__(self, status: int, location: str | None) -> None:
        host = urlsplit(location).hostname if location else None
        super().__init__(
            _("answered {status}, a redirect to {host}; asrctl follows no redirect, so the token is not sent on",
              status=status, host=host) if host else
            _("answered {status}, a redirect; asrctl follows no redirect, so the token is not sent on", status=status),
            hint=_("Set the service's own address in the configuration (the one it would redirect to, if that is "
                   "really the service)."),
        )
        self.status = status
        self.location_host = host


class AnswerTooLarge(ExchangeError):
    def __init__(self, limit: int) -> None:
        super().__init__(_("sent an answer over {size}: refused, not read further", size=_size(limit)),
                         hint=_("A proxy or a wrong address may be answering; check the URL."))
        self.limit = limit


class DeadlineExceeded(ExchangeError):
    def __init__(self, seconds: float) -> None:
        shown = f"{seconds:g}"
        super().__init__(_("gave no complete answer within {seconds} s", seconds=shown),
                         hint=_("The service is slow or unreachable; try again later."))
        self.seconds = seconds


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 and n % (1024 * 1024) == 0 else f"{n // 1024} KiB"


# --- the deadline watchdog -----------------------------------------------------------------------


class _Watch:
    """One exchange's deadline; the connection it runs on registers itself and its socket here."""

    __slots__ = ("conn", "done", "fired", "lock", "sock")

    def __init__(self) -> None:
        self.conn: HTTPConnection | None = None
        self.sock: socket.socket | None = None
        self.done = False
        self.fired = False
        self.lock = threading.Lock()

    def fire(self) -> None:
        with self.lock:
            if self.done:
                return
            self.fired = True
            sock, conn = self.sock, self.conn
            # A kept-alive connection may be back in the pool, serving another call on the same socket.
            reused = conn is not None and getattr(conn, "_asrctl_watch", None) is not self
            if reused and getattr(conn, "sock", None) is sock:
                return
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked recv/send: the exchange fails now
            except OSError:
                pass

    def disarm(self) -> None:
        with self.lock:
            self.done = True


class _Watchdog:
    """One daemon thread firing watches at their deadlines (not a timer thread per request)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Watch]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float) -> _Watch:
        watch = _Watch()
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + seconds, next(self._order), watch))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="asrctl-deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()
        return watch

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                watch = heapq.heappop(self._heap)[2]
            watch.fire()


_WATCHDOG = _Watchdog()
_current = threading.local()  # the watch of the exchange running in this thread


class _WatchedConnection(HTTPConnection):
    """Tells the exchange's watch which socket to shut down: set on connect and on every request."""

    def _watch(self) -> _Watch | None:
        return getattr(self, "_asrctl_watch", None)

    def connect(self) -> None:
        super().connect()
        watch = self._watch()
        if watch is not None:
            with watch.lock:
                watch.sock = self.sock
            if watch.fired:  # the deadline passed while connecting
                raise TimeoutError("deadline")

    def request(self, *args: Any, **kwargs: Any) -> None:
        watch: _Watch | None = getattr(_current, "watch", None)
        self._asrctl_watch = watch
        if watch is not None:
            with watch.lock:
                watch.conn, watch.sock = self, self.sock
        super().request(*args, **kwargs)

    def getresponse(self) -> Any:
        watch = self._watch()
        if watch is not None and watch.fired:  # the deadline passed while sending
            raise TimeoutError("deadline")
        return super().getresponse()


class _WatchedTlsConnection(_WatchedConnection, HTTPSConnection):
    pass


class _Pool(HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


class _TlsPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedTlsConnection


_POOLS = {"http": _Pool, "https": _TlsPool}


class _Adapter(HTTPAdapter):
    """requests' adapter with connections the watchdog can reach; no retries of its own."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if type(manager) is ProxyManager:  # not SOCKS: that one has pools of its own
            manager.pool_classes_by_scheme = _POOLS
        return manager


# --- the factory and the exchange ----------------------------------------------------------------


def new_session(*, trust_env: bool, pool_maxsize: int = 10) -> requests.Session:
    """A client's session: TLS verified, no proxy from the environment unless `trust_env`, no adapter retries.

    `trust_env=False` for loopback (the sandbox): an HTTP(S)_PROXY must not see its traffic.
    """
    session = requests.Session()
    session.trust_env = trust_env
    session.verify = True
    adapter = _Adapter(pool_connections=4, pool_maxsize=max(pool_maxsize, 1), max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = f"asrctl/{__version__}"
    return session


def exchange(session: requests.Session, method: str, url: str, *, limits: Limits, **kwargs: Any) -> requests.Response:
    """One request and its whole answer under `limits`; the response comes back with its body read.

    Raises RedirectRefused, AnswerTooLarge, DeadlineExceeded, or requests' own exceptions for
    everything else (connection refused, TLS), which the caller translates.
    """
    watch = _WATCHDOG.arm(limits.deadline)
    _current.watch = watch
    started = time.monotonic()
    refusal: ExchangeError | None = None
    try:
        response, refusal = _exchange(session, method, url, limits, started, kwargs)
    except (requests.Timeout, requests.RequestException, OSError) as exc:
        if not (watch.fired or isinstance(exc, requests.ReadTimeout)):
            raise
        response, refusal = None, DeadlineExceeded(limits.deadline)
    finally:
        _current.watch = None
        watch.disarm()
    if refusal is None and watch.fired:
        refusal = DeadlineExceeded(limits.deadline)
    if refusal is not None:  # raised here, outside the except: no requests exception as its __context__
        if response is not None:
            response.close()
        raise refusal
    assert response is not None
    return response


def _exchange(session: requests.Session, method: str, url: str, limits: Limits, started: float,
              kwargs: dict[str, Any]) -> tuple[requests.Response, ExchangeError | None]:
    response = session.request(
        method, url, allow_redirects=False, stream=True,
        timeout=(min(limits.connect, limits.deadline), limits.deadline), **kwargs,
    )
    status = response.status_code
    if 300 <= status < 400:
        return response, RedirectRefused(status, response.headers.get("Location"))
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        return response, AnswerTooLarge(limits.max_bytes)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(CHUNK_BYTES):
        size += len(chunk)
        if size > limits.max_bytes:
            return response, AnswerTooLarge(limits.max_bytes)
        if time.monotonic() - started > limits.deadline:
            return response, DeadlineExceeded(limits.deadline)
        chunks.append(chunk)
    response._content = b"".join(chunks)
    response._content_consumed = True  # type: ignore[attr-defined]  # requests' own flag: body read
    return response, None


def read_json(content: bytes) -> Any:
    """An answer's JSON; ValueError when it is not UTF-8 JSON or nested beyond what a parser should recurse."""
    try:
        return json.loads(content.decode("utf-8"))
    except RecursionError:  # `[[[[...` a hundred thousand deep: no answer of any service looks like that
        raise ValueError("JSON nested too deeply") from None
    except UnicodeDecodeError as exc:
        raise ValueError("not UTF-8") from exc
