"""A hostile or broken HTTP peer on loopback: it answers every request with one canned answer.

Raw sockets, so the answer can be anything a proxy, a wrong path or an attacker sends: a redirect,
an HTML page, a DOCTYPE, a 150 MB body, or one byte a second (`trickle`). Every request is recorded
(method, path, headers, body), so a test can assert what reached which host. Bounded: the server
stops trickling when the test leaves the `with` block or the client hangs up.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Self


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def answer(status: int, body: bytes | str = b"", *, reason: str = "X", content_type: str | None = "text/plain",
           headers: dict[str, str] | None = None, length: bool = True) -> bytes:
    """The bytes of one HTTP/1.1 answer (Connection: close)."""
    data = body.encode() if isinstance(body, str) else body
    head = [f"HTTP/1.1 {status} {reason}"]
    if content_type:
        head.append(f"Content-Type: {content_type}")
    if length:
        head.append(f"Content-Length: {len(data)}")
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + data


Respond = Callable[[Seen], Iterable[bytes]]


@dataclass
class Hostile:
    """`with Hostile(respond) as peer:` serves on `peer.url`; `respond(seen)` yields the pieces to send."""

    respond: Respond
    host: str = "127.0.0.1"
    trickle: float = 0.0                 # seconds to wait before each piece
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sock = socket.create_server((self.host, 0))
        self._sock.settimeout(0.05)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.port = self._sock.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> Self:
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()
        self._threads.append(accept)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            worker.start()
            self._threads.append(worker)

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                seen = _read_request(conn)
            except (OSError, ValueError):
                return
            self.seen.append(seen)
            try:
                for piece in self.respond(seen):
                    if self._stop.is_set():
                        return
                    if self.trickle and self._stop.wait(self.trickle):
                        return
                    conn.sendall(piece)
            except OSError:  # the client hung up: what a deadline or a size cap does
                return


def _read_request(conn: socket.socket) -> Seen:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ValueError("no request")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return Seen(method, path, headers, body)


def always(data: bytes) -> Respond:
    """The same answer to every request, in one piece."""
    return lambda seen: [data]


def bytewise(data: bytes) -> Respond:
    """The answer one byte at a time (with `trickle`: one byte per `trickle` seconds)."""
    return lambda seen: (data[i:i + 1] for i in range(len(data)))


def endless(head: bytes, piece: bytes = b"x" * 65536) -> Respond:
    """A head, then body pieces for as long as the client reads (a huge or endless answer)."""

    def respond(seen: Seen) -> Iterator[bytes]:
        yield head
        while True:
            yield piece

    return respond
