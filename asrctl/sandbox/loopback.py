"""What every simulator here shares: an HTTP server on a loopback port in a daemon thread, and a call log."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar, Generic, Self, TypeVar, cast

log = logging.getLogger("asrctl.sandbox.loopback")
E = TypeVar("E")
F = TypeVar("F")
H = TypeVar("H", bound=BaseHTTPRequestHandler)


class LoopbackServer:
    """start()/stop() (and `with`) for a handler class; subclasses say which class and thread name."""

    host: str
    port: int
    thread_name = "sandbox"
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("simulator not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> None:
        if self._server is not None:
            return
        server = ThreadingHTTPServer((self.host, self.port), self.handler_class())
        server.daemon_threads = True
        server.handle_error = lambda request, client_address: log.debug("connection error")  # type: ignore[method-assign]
        self._server = server
        # A short poll interval keeps stop() fast (tests start and stop many simulators).
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Log(Generic[E]):
    """Every request a simulator received, in order. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[E] = []

    def add(self, entry: E) -> None:
        with self._lock:
            self._entries.append(entry)

    @property
    def entries(self) -> list[E]:
        with self._lock:
            return list(self._entries)

    @property
    def total(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class Injections(Generic[F]):
    """Faults waiting for the next calls of an operation, in order. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, list[F]] = {}

    def add(self, operation: str, fault: F, times: int = 1) -> None:
        with self._lock:
            self._waiting.setdefault(operation, []).extend([fault] * times)

    def take(self, operation: str) -> F | None:
        with self._lock:
            queue = self._waiting.get(operation)
            return queue.pop(0) if queue else None


def bound(handler: type[H], server: object) -> type[H]:
    """A subclass of `handler` whose requests reach `server` as `self.sim` (one per server: tests run many)."""
    return cast(type[H], type(handler.__name__, (handler,), {"sim": server}))


class SimHandler(BaseHTTPRequestHandler):
    """Keep-alive (so clients' connection pools are exercised), no Nagle stall, logging at debug only."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    content_type = "text/plain; charset=utf-8"
    always_headers: ClassVar[dict[str, str]] = {}

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _send(self, status: int, body: str | bytes, content_type: str | None = None,
              headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type or self.content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in {**self.always_headers, **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
