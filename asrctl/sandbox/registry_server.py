"""The reference a.s.r. registry on a loopback port: HTTP around `registry_app.RegistryApp`.

Stdlib `ThreadingHTTPServer` (keep-alive, one thread per connection) with fault
injection in front of the application, like a gateway (registry_faults). Use
in-process (`RegistryServer`: tests and the sandbox) or standalone:

    python -m asrctl.sandbox.registry_server --db FILE [--port N] --grant ENV_NAME=TENANT:SCOPE ...

where each token is read from the environment variable ENV_NAME (tokens never
go on a command line). Nothing here logs a request body, header or token.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self, TextIO
from urllib.parse import urlsplit

from asrctl.sandbox.registry_app import LIST, ONE, STATUS, Body, RegistryApp, Reply, TokenGrant, problem
from asrctl.sandbox.registry_contract import ContractChecker
from asrctl.sandbox.registry_faults import CallCounter, Fault, FaultInjector
from asrctl.sandbox.registry_store import RegistryStore, StoreClosed

__all__ = [
    "LIST",
    "ONE",
    "STATUS",
    "RegistryServer",
    "TokenGrant",
    "grants_from_env",
    "main",
    "serve_registry",
]

log = logging.getLogger("asrctl.sandbox.registry")

MAX_BODY = 1024 * 1024

# --- HTTP ---------------------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], owner: RegistryServer, family: int) -> None:
        self.address_family = family
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._busy = 0  # requests being handled
        self._idle = threading.Condition()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._idle:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._idle:
            self._connections.discard(request)
        super().shutdown_request(request)

    @contextmanager
    def busy(self) -> Iterator[None]:
        with self._idle:
            self._busy += 1
        try:
            yield
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def close_connections(self, grace: float) -> None:
        """Let requests in progress finish (up to `grace` seconds), then end every kept-alive connection."""
        with self._idle:
            self._idle.wait_for(lambda: self._busy == 0, timeout=grace)
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints tracebacks to stderr; a client that hung up is routine here.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        log.error("registry: request from %s failed", client_address[0], exc_info=error)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can hang without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections
    timeout = 60  # an idle keep-alive connection is dropped after a minute
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    server: _HTTPServer

    def do_GET(self) -> None:
        self._dispatch()

    do_PUT = do_DELETE = do_POST = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _dispatch(self) -> None:
        with self.server.busy():
            self._dispatch_busy()

    def _dispatch_busy(self) -> None:
        owner = self.server.owner
        routed = owner.app.route(urlsplit(self.path).path)
        template = routed[0] if routed else "other"
        owner.calls.add(self.command, template)
        body = self._read_body()
        if body is None:
            # RFC 9112 §6.3: a body closed short of its length is an incomplete message, not a request.
            # Nobody waits for an answer, and evaluating it would remember that answer under its
            # Idempotency-Key: the client's re-run with the whole body would then meet 422.
            self.close_connection = True
            return
        owner.faults.delay()
        fault = owner.faults.take(self.command, template)
        if fault is not None and not fault.after:
            if fault.kind == "reset":
                self._reset()
                return
            reply = self._fault_reply(fault)
            if not fault.html:  # a gateway's HTML page is deliberately not the registry's answer
                self._check(reply)
            self._send(reply)
            return
        try:
            reply = owner.app.handle(self.command, self.path, self.headers, body)
        except StoreClosed:
            reply = problem(503, "unavailable", "the registry is shutting down")
        except Exception:
            log.exception("registry: %s %s failed", self.command, template)
            reply = problem(500, "internal", "the registry failed; the request was not carried out")
        self._check(reply)
        if fault is not None and fault.kind == "reset":
            self._reset()
            return
        self._send(reply)

    def _check(self, reply: Reply) -> None:
        checker = self.server.owner.checker
        if checker is not None:
            headers = {"Content-Type": reply.content_type, **reply.headers}
            checker.check(self.command, self.path, reply.status, headers, reply.body)

    @staticmethod
    def _fault_reply(fault: Fault) -> Reply:
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        if fault.html:
            page = f"<html><body><h1>{fault.status} {HTTPStatus(fault.status).phrase}</h1></body></html>"
            return Reply(fault.status, page.encode(), "text/html; charset=utf-8", headers)
        detail = "too many requests; try again later" if fault.status == 429 else "injected fault"
        return problem(
            fault.status, "rate-limited" if fault.status == 429 else "unavailable", detail, headers=headers
        )

    def _read_body(self) -> Body | None:
        """The request body; None when the connection ended before the whole body arrived."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return Body(b"")
        if not length_text.strip().isdigit():
            self.close_connection = True
            return Body(b"", "Content-Length is not a number")
        length = int(length_text)
        if length > MAX_BODY:
            self.close_connection = True  # not read: the connection cannot be reused
            return Body(b"", f"the body is larger than {MAX_BODY} bytes")
        raw = self.rfile.read(length)
        return Body(raw) if len(raw) == length else None

    def _read_chunked(self) -> Body | None:
        chunks: list[bytes] = []
        total = 0
        try:
            while True:
                line = self.rfile.readline(100)
                if not line:
                    return None
                size = int(line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(1000) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return Body(b"".join(chunks))
                total += size
                if total > MAX_BODY:
                    self.close_connection = True
                    return Body(b"", f"the body is larger than {MAX_BODY} bytes")
                chunk = self.rfile.read(size)
                if len(chunk) < size or not self.rfile.readline(10):
                    return None
                chunks.append(chunk)
        except ValueError:
            self.close_connection = True
            return Body(b"", "the chunked body cannot be read")

    def _send(self, reply: Reply) -> None:
        try:
            self._write_reply(reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (e.g. its read timeout): nothing to answer

    def _write_reply(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def _reset(self) -> None:
        # SO_LINGER 0 makes close() send a TCP RST instead of a FIN: the client sees "connection reset".
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        # The request line holds no secret; bodies and headers are never logged.
        log.debug("registry: " + format, *args)


class RegistryServer:
    """The reference registry on a loopback port (0 = ephemeral). `url` ends in the base path, e.g. /v1."""

    def __init__(
        self,
        db_path: Path,
        tokens: Mapping[str, TokenGrant],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        base_path: str = "/v1",
        clock: Callable[[], float] = time.time,
        checker: ContractChecker | None = None,
    ) -> None:
        """`checker` (tests; give it raise_now=False) checks every answer against the contract as it
        is sent, also those a fault then loses (a reset after the request was carried out)."""
        self.checker = checker
        self.host = host
        self.port = port
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self.faults = FaultInjector()
        self.calls = CallCounter()
        self.store = RegistryStore(Path(db_path), clock=clock)
        self.app = RegistryApp(self.store, tokens, base_path=self.base_path)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the registry server is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.base_path}"

    def start(self) -> None:
        if self._httpd is not None:
            return
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._httpd = _HTTPServer((self.host, self.port), self, family)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="asr-registry", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
            httpd.close_connections(grace=5.0)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.store.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- standalone ---------------------------------------------------------------------------------


def grants_from_env(
    specs: list[str], environ: Mapping[str, str] | None = None
) -> tuple[dict[str, TokenGrant], dict[str, str]]:
    """Parse ENV_NAME=TENANT:SCOPE specs; the tokens come from the environment.

    Returns (token -> grant, token -> printable label such as "$ASR_REGISTRY_TOKEN (office-a, write)").
    """
    env = os.environ if environ is None else environ
    tokens: dict[str, TokenGrant] = {}
    labels: dict[str, str] = {}
    for spec in specs:
        name, _, grant_text = spec.partition("=")
        tenant, _, scope = grant_text.partition(":")
        if not name or not tenant or scope not in ("read", "write", "asr"):
            raise ValueError(
                f"--grant {spec!r}: expected ENV_NAME=TENANT:SCOPE with SCOPE read, write or asr"
            )
        token = env.get(name, "").strip()
        if not token:
            raise ValueError(f"--grant {name}: environment variable {name} is not set")
        tokens[token] = TokenGrant(tenant, scope)  # type: ignore[arg-type]
        labels[token] = f"${name} ({tenant}, {scope})"
    return tokens, labels


def serve_registry(
    db_path: Path,
    tokens: Mapping[str, TokenGrant],
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    labels: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run the registry until Ctrl-C (or `stop` is set): prints its URL and the tokens' labels, never a token."""
    out = out or sys.stdout
    server = RegistryServer(db_path, tokens, host=host, port=port)
    server.start()
    try:
        print(f"a.s.r. registry (reference server): {server.url}", file=out, flush=True)
        print(f"  database: {db_path}", file=out, flush=True)
        for token, grant in tokens.items():
            label = (labels or {}).get(token) or f"a token of {grant.tenant} ({grant.scope})"
            print(f"  token: {label}", file=out, flush=True)
        print("  stop with Ctrl-C", file=out, flush=True)
        waiter = stop or threading.Event()
        while not waiter.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        print("a.s.r. registry stopped", file=out, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m asrctl.sandbox.registry_server", description="Reference a.s.r. registry server."
    )
    parser.add_argument("--db", required=True, type=Path, help="SQLite file (created when missing)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port (printed)")
    parser.add_argument(
        "--grant",
        action="append",
        default=[],
        metavar="ENV=TENANT:SCOPE",
        help="a token read from environment variable ENV, for TENANT with SCOPE read, write or asr",
    )
    args = parser.parse_args(argv)
    try:
        tokens, labels = grants_from_env(args.grant)
    except ValueError as error:
        parser.error(str(error))
    if not tokens:
        parser.error("give at least one --grant")

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    serve_registry(args.db, tokens, args.host, args.port, labels=labels)
    return 0


if __name__ == "__main__":
    sys.exit(main())
