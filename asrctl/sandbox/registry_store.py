"""SQLite persistence of the reference registry: registrations and idempotency records.

- WAL with synchronous=FULL: a commit is on disk before the server answers, so
  neither a killed process nor a power cut loses an acknowledged write (NORMAL
  would survive kill -9 but may lose the last commits on power loss).
- Every write is one `BEGIN IMMEDIATE` transaction holding the idempotency
  lookup, the precondition check and the change, so concurrent writers are
  serialised by SQLite itself (also across processes on one file) and an
  If-Match can never let two writers both win. A process-wide lock in front of
  it hands the write lock over without SQLite's busy polling.
- The Nmbrs token is not stored, only its fingerprint: nothing in the
  reference registry reads the token, and a sandbox file then never holds one.
  Idempotency records keep a digest of the request body, not the body.
"""

from __future__ import annotations

import dataclasses
import json
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asrctl.errors import ConfigError

SCHEMA_VERSION = 2  # 2: idempotency.request holds a digest, not the request body
IDEMPOTENCY_TTL = 24 * 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS registrations (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,  -- creation order: lists are oldest first
    payroll_tax_number  TEXT NOT NULL UNIQUE,
    tenant              TEXT NOT NULL,
    data                TEXT NOT NULL,   -- the submitted RegistrationInput, without nmbrs.token (JSON)
    token_fingerprint   TEXT NOT NULL,
    version             INTEGER NOT NULL,
    status              TEXT NOT NULL,
    status_detail       TEXT,
    first_exchange_date TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS registrations_by_tenant ON registrations (tenant, seq);
CREATE TABLE IF NOT EXISTS idempotency (
    tenant       TEXT NOT NULL,
    key          TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    request      TEXT NOT NULL,      -- digest of the request body (registry_app.request_digest)
    status       INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    etag         TEXT,
    location     TEXT,
    body         BLOB NOT NULL,
    created      REAL NOT NULL,
    PRIMARY KEY (tenant, key)
);
CREATE INDEX IF NOT EXISTS idempotency_by_age ON idempotency (created);
"""


@dataclass(frozen=True)
class Row:
    seq: int
    payroll_tax_number: str
    tenant: str
    data: dict[str, Any]
    token_fingerprint: str
    version: int
    status: str
    status_detail: str | None
    first_exchange_date: str | None
    created_at: str
    updated_at: str

    def registration(self) -> dict[str, Any]:
        """The contract's Registration."""
        return {
            "payroll_tax_number": self.payroll_tax_number,
            **self.data,
            "version": self.version,
            "status": self.status,
            "status_detail": self.status_detail,
            "first_exchange_date": self.first_exchange_date,
            "token_fingerprint": self.token_fingerprint,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class Remembered:
    """A first answer kept for an Idempotency-Key."""

    method: str
    path: str
    request: str
    status: int
    content_type: str
    etag: str | None
    location: str | None
    body: bytes


_COLUMNS = (
    "seq, payroll_tax_number, tenant, data, token_fingerprint, version, status, status_detail, "
    "first_exchange_date, created_at, updated_at"
)


# What a create or a change writes, in the order of `_written` (an insert adds the number, tenant, created_at).
_WRITTEN = ("data", "token_fingerprint", "version", "status", "status_detail", "first_exchange_date", "updated_at")


def _written(row: Row) -> tuple[Any, ...]:
    return (_dump(row.data), row.token_fingerprint, row.version, row.status, row.status_detail,
            row.first_exchange_date, row.updated_at)


def _row(values: tuple[Any, ...]) -> Row:
    seq, number, tenant, data, fp, version, status, detail, first, created, updated = values
    return Row(seq, number, tenant, json.loads(data), fp, version, status, detail, first, created, updated)


class Tx:
    """Operations inside one transaction (a write) or on a plain connection (a read)."""

    def __init__(self, conn: sqlite3.Connection, now: float) -> None:
        self.conn = conn
        self.now = now

    def get(self, payroll_tax_number: str) -> Row | None:
        found = self.conn.execute(
            f"SELECT {_COLUMNS} FROM registrations WHERE payroll_tax_number = ?", (payroll_tax_number,)
        ).fetchone()
        return _row(found) if found else None

    def page(self, tenant: str | None, status: str | None, after: int, limit: int) -> list[Row]:
        """Registrations after `seq` in creation order; `tenant` None = every office's."""
        sql = f"SELECT {_COLUMNS} FROM registrations WHERE seq > ?"
        args: list[Any] = [after]
        if tenant is not None:
            sql += " AND tenant = ?"
            args.append(tenant)
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        sql += " ORDER BY seq LIMIT ?"
        args.append(limit)
        return [_row(r) for r in self.conn.execute(sql, args).fetchall()]

    def insert(self, row: Row) -> Row:
        columns = ("payroll_tax_number", "tenant", "created_at", *_WRITTEN)
        cursor = self.conn.execute(
            f"INSERT INTO registrations ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            (row.payroll_tax_number, row.tenant, row.created_at, *_written(row)),
        )
        return dataclasses.replace(row, seq=int(cursor.lastrowid or 0))

    def update(self, row: Row) -> None:
        self.conn.execute(
            f"UPDATE registrations SET {', '.join(f'{c} = ?' for c in _WRITTEN)} WHERE seq = ?",
            (*_written(row), row.seq),
        )

    def remembered(self, tenant: str, key: str) -> Remembered | None:
        found = self.conn.execute(
            "SELECT method, path, request, status, content_type, etag, location, body FROM idempotency"
            " WHERE tenant = ? AND key = ? AND created > ?",
            (tenant, key, self.now - IDEMPOTENCY_TTL),
        ).fetchone()
        if found is None:
            return None
        method, path, request, status, content_type, etag, location, body = found
        return Remembered(method, path, request, status, content_type, etag, location, bytes(body))

    def remember(self, tenant: str, key: str, answer: Remembered) -> None:
        # REPLACE: an expired record with the same key gives way to the new one.
        self.conn.execute(
            "INSERT OR REPLACE INTO idempotency (tenant, key, method, path, request, status, content_type,"
            " etag, location, body, created) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                tenant,
                key,
                answer.method,
                answer.path,
                answer.request,
                answer.status,
                answer.content_type,
                answer.etag,
                answer.location,
                answer.body,
                self.now,
            ),
        )

    def forget_expired(self) -> None:
        self.conn.execute("DELETE FROM idempotency WHERE created <= ?", (self.now - IDEMPOTENCY_TTL,))


def _forget_request_bodies(conn: sqlite3.Connection) -> None:
    """Schema 1 kept request bodies, Nmbrs tokens included, for Idempotency-Keys: drop them for good.

    secure_delete overwrites the freed pages, VACUUM rewrites the file and the TRUNCATE
    checkpoint empties the WAL, so no copy of a token stays behind. A digest of schema 2
    would never equal such a record anyway: the keys are simply forgotten (as after 24 h).
    """
    conn.execute("PRAGMA secure_delete=ON")
    conn.execute("DELETE FROM idempotency")
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA secure_delete=OFF")


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class StoreClosed(Exception):
    pass


class RegistryStore:
    """One SQLite file; a small pool of connections shared by the server's request threads."""

    def __init__(self, path: Path, *, clock: Callable[[], float]) -> None:
        self.path = Path(path)
        self.clock = clock
        self._pool: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._write_lock = threading.Lock()
        self._closed = False
        self._writes = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        version = 0
        try:
            conn = self._connect()
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version <= SCHEMA_VERSION:
                    conn.executescript(_SCHEMA)
                    if 0 < version < 2:
                        _forget_request_bodies(conn)
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            finally:
                self._release(conn)
        except sqlite3.DatabaseError:
            # Not echoed: whatever the file holds is not ours to print.
            raise ConfigError(f"{self.path} is not a sandbox registry database",
                              hint="point registry.url at another file, or delete this one: the sandbox "
                                   "makes a new one") from None
        if version > SCHEMA_VERSION:
            raise ConfigError(f"{self.path} was written by a newer asrctl (registry schema {version})",
                              hint="use that asrctl version, or delete the file: the sandbox makes a new one")

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    def _acquire(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreClosed("the registry store is closed")
        try:
            return self._pool.get_nowait()
        except queue.Empty:
            return self._connect()

    def _release(self, conn: sqlite3.Connection) -> None:
        if self._closed:
            conn.close()
        else:
            self._pool.put(conn)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        conn = self._acquire()
        try:
            yield Tx(conn, self.clock())
        finally:
            self._release(conn)

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """One write transaction; committed (durably) when the block ends without an exception."""
        with self._write_lock:
            conn = self._acquire()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    tx = Tx(conn, self.clock())
                    yield tx
                    self._writes += 1
                    if self._writes % 200 == 1:
                        tx.forget_expired()
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            finally:
                self._release(conn)

    def close(self) -> None:
        """Close the idle connections; one still serving a request is closed when it is released."""
        self._closed = True
        while True:
            try:
                conn = self._pool.get_nowait()
            except queue.Empty:
                return
            conn.close()
