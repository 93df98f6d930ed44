"""A local fake of the few GitHub REST endpoints asrctl uses, on loopback, ephemeral port.

Endpoints (under /repos/{owner}/{name}):
  GET/POST   /issues/{n}/comments        list (paginated, Link header) / create
  PATCH/DELETE /issues/comments/{id}     update / delete
  GET/POST   /issues                     list open/closed (paginated; pull requests included,
                                         as GitHub does) / create
  PATCH      /issues/{n}                 update title, body, state, state_reason, labels
  GET        /commits/{sha}/pulls        pull requests of a commit
  GET        /actions/secrets/public-key, /environments/{env}/secrets/public-key
  PUT        /actions/secrets/{name}, /environments/{env}/secrets/{name}   (sealed boxes; `secret()` opens them)

Like GitHub it answers 401 for a wrong token, 422 for a body over 65,536 characters,
and pages with `Link: <...>; rel="next"`. Faults are queued: the next matching request
gets a 5xx / a secondary-rate-limit 403 / a lost answer (the write happens, the client
sees 502). Every request is recorded (method, path, query, Authorization header).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

BOT = "github-actions[bot]"
LIMIT = 65_536


def _length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Fault:
    method: str | None             # None: any method
    path_re: str                   # regex searched in the path
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = '{"message": "Server Error"}'
    lost_answer: bool = False      # do the request, then answer `status` anyway


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str | None


class FakeGitHub:
    def __init__(self, *, token: str, repository: str = "voorbeeld/werkgevers", identity: str = BOT) -> None:
        self.token = token
        self.repository = repository
        self.identity = identity
        self.lock = threading.Lock()
        self.comments: dict[int, dict[str, Any]] = {}
        self.issues: dict[int, dict[str, Any]] = {}
        self.commit_pulls: dict[str, list[int]] = {}
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.foreign_next_link = False     # answer list pages with a "next" link to another host
        self.environments: set[str] = {"production"}
        self.secrets: dict[tuple[str | None, str], dict[str, str]] = {}  # (environment, name) -> PUT body
        from nacl.public import PrivateKey

        self._secret_key = PrivateKey.generate()  # one per fake: GitHub's key pair of the repository
        self._next_comment = 1000
        self._server: ThreadingHTTPServer | None = None

    # -- seeding --

    def add_issue(self, *, title: str = "", body: str = "", user: str = "payroll-clerk",
                  pull: bool = False, head_sha: str | None = None, merge_commit_sha: str | None = None,
                  merged: bool = False, state: str = "open", labels: tuple[str, ...] = ()) -> int:
        with self.lock:
            number = max(self.issues, default=0) + 1
            issue: dict[str, Any] = {
                "number": number, "title": title, "body": body, "state": state, "state_reason": None,
                "user": {"login": user}, "labels": [{"name": n} for n in labels],
                "html_url": f"https://github.example/{self.repository}/issues/{number}",
            }
            if pull:
                issue["pull_request"] = {"url": f"/pulls/{number}"}
                issue["head"] = {"sha": head_sha}
                issue["merge_commit_sha"] = merge_commit_sha
                issue["merged_at"] = "2026-01-05T10:00:00Z" if merged else None
                issue["html_url"] = f"https://github.example/{self.repository}/pull/{number}"
                if merge_commit_sha:
                    self.commit_pulls.setdefault(merge_commit_sha, []).append(number)
            self.issues[number] = issue
            return number

    def add_comment(self, number: int, body: str, *, user: str = "payroll-clerk") -> int:
        with self.lock:
            return self._add_comment(number, body, user)

    def _add_comment(self, number: int, body: str, user: str) -> int:
        self._next_comment += 1
        cid = self._next_comment
        self.comments[cid] = {
            "id": cid, "issue": number, "body": body, "user": {"login": user},
            "html_url": f"https://github.example/{self.repository}/issues/{number}#issuecomment-{cid}",
        }
        return cid

    def fail(self, status: int, *, method: str | None = None, path: str = "", times: int = 1,
             headers: dict[str, str] | None = None, body: str | None = None, lost_answer: bool = False) -> None:
        with self.lock:
            for _ in range(times):
                self.faults.append(Fault(method, path, status, dict(headers or {}),
                                         body if body is not None else '{"message": "Server Error"}', lost_answer))

    # -- views --

    def secret(self, name: str, environment: str | None = None) -> str:
        """The value stored under a secret, opened with the fake's private key (only GitHub can do this)."""
        import base64

        from nacl.public import SealedBox

        with self.lock:
            stored = self.secrets[(environment, name)]
        return SealedBox(self._secret_key).decrypt(base64.b64decode(stored["encrypted_value"])).decode()

    def comments_on(self, number: int) -> list[dict[str, Any]]:
        with self.lock:
            return [c for c in sorted(self.comments.values(), key=lambda c: c["id"]) if c["issue"] == number]

    def calls(self, method: str | None = None, path_re: str = "") -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if (method is None or r.method == method) and re.search(path_re, r.path)]

    # -- server --

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @contextmanager
    def running(self) -> Iterator[FakeGitHub]:
        fake = self

        class Handler(_Handler):
            github = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="fake-github", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    github: FakeGitHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PUT(self) -> None:
        self._handle("PUT")

    # -- plumbing --

    def _send(self, status: int, payload: Any = None, headers: dict[str, str] | None = None,
              raw: str | None = None) -> None:
        data = (raw if raw is not None else ("" if payload is None else json.dumps(payload))).encode()
        self.send_response(status)
        content_type = "application/json; charset=utf-8"
        if raw is not None and raw.lstrip().startswith("<"):
            content_type = "text/html"
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        gh = self.github
        split = urlsplit(self.path)
        query = parse_qs(split.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        with gh.lock:
            gh.requests.append(Recorded(method, split.path, query, self.headers.get("Authorization")))
            fault = next(
                (f for f in gh.faults if (f.method in (None, method)) and re.search(f.path_re, split.path)), None
            )
            if fault is not None:
                gh.faults.remove(fault)
        if self.headers.get("Authorization") != f"Bearer {gh.token}":
            self._send(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
            return
        if fault is not None and not fault.lost_answer:
            self._send(fault.status, headers=fault.headers, raw=fault.body)
            return
        prefix = f"/repos/{gh.repository}"
        if not split.path.startswith(prefix + "/"):
            self._send(404, {"message": "Not Found"})
            return
        try:
            body = json.loads(raw_body) if raw_body else {}
        except ValueError:
            self._send(400, {"message": "Problems parsing JSON"})
            return
        status, payload, headers = self._route(method, split.path[len(prefix):], query, body)
        if fault is not None:  # the write happened; the answer is lost on the way back
            self._send(fault.status, headers=fault.headers, raw=fault.body)
            return
        self._send(status, payload, headers)

    def _too_long(self, body: Any) -> tuple[int, Any, dict[str, str]] | None:
        if isinstance(body, str) and _length(body) > LIMIT:
            return 422, {"message": "Validation Failed", "errors": [
                {"resource": "IssueComment", "code": "custom", "field": "body",
                 "message": f"body is too long (maximum is {LIMIT} characters)"}]}, {}
        return None

    def _page(self, path: str, query: dict[str, list[str]], items: list[dict[str, Any]]
              ) -> tuple[int, Any, dict[str, str]]:
        per_page = min(int(query.get("per_page", ["30"])[0]), 100)
        page = int(query.get("page", ["1"])[0])
        chunk = items[(page - 1) * per_page: page * per_page]
        headers: dict[str, str] = {}
        if page * per_page < len(items):
            host = "http://evil.example" if self.github.foreign_next_link else f"http://{self.headers['Host']}"
            rest = {k: v[0] for k, v in query.items() if k != "page"}
            link = f"{host}/repos/{self.github.repository}{path}?{urlencode({**rest, 'page': page + 1})}"
            headers["Link"] = f'<{link}>; rel="next"'
        return 200, chunk, headers

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any]
               ) -> tuple[int, Any, dict[str, str]]:
        gh = self.github
        with gh.lock:
            if m := re.fullmatch(r"/issues/(\d+)/comments", path):
                number = int(m.group(1))
                if number not in gh.issues:
                    return 404, {"message": "Not Found"}, {}
                if method == "GET":
                    items = [dict(c) for c in sorted(gh.comments.values(), key=lambda c: c["id"])
                             if c["issue"] == number]
                    return self._page(path, query, items)
                if method == "POST":
                    if error := self._too_long(body.get("body")):
                        return error
                    cid = gh._add_comment(number, str(body.get("body", "")), gh.identity)
                    return 201, dict(gh.comments[cid]), {}
            if m := re.fullmatch(r"/issues/comments/(\d+)", path):
                cid = int(m.group(1))
                comment = gh.comments.get(cid)
                if comment is None:
                    return 404, {"message": "Not Found"}, {}
                if comment["user"]["login"] != gh.identity:
                    return 403, {"message": "Resource not accessible by integration"}, {}
                if method == "PATCH":
                    if error := self._too_long(body.get("body")):
                        return error
                    comment["body"] = str(body.get("body", ""))
                    return 200, dict(comment), {}
                if method == "DELETE":
                    del gh.comments[cid]
                    return 204, None, {}
            if path == "/issues":
                if method == "GET":
                    state = query.get("state", ["open"])[0]
                    creator = query.get("creator", [None])[0]
                    # GitHub: a comma-separated list of labels, all of which an issue must carry.
                    wanted = {n for n in query.get("labels", [""])[0].split(",") if n}
                    items = [dict(i) for n, i in sorted(gh.issues.items())
                             if (state == "all" or i["state"] == state)
                             and (creator is None or i["user"]["login"] == creator)
                             and wanted <= {label["name"] for label in i["labels"]}]
                    return self._page(path, query, items)
                if method == "POST":
                    if error := self._too_long(body.get("body")):
                        return error
                    number = max(gh.issues, default=0) + 1
                    gh.issues[number] = {
                        "number": number, "title": body.get("title", ""), "body": body.get("body", ""),
                        "state": "open", "state_reason": None, "user": {"login": gh.identity},
                        "labels": [{"name": n} for n in body.get("labels", [])],
                        "html_url": f"https://github.example/{gh.repository}/issues/{number}",
                    }
                    return 201, dict(gh.issues[number]), {}
            if m := re.fullmatch(r"/issues/(\d+)", path):
                issue = gh.issues.get(int(m.group(1)))
                if issue is None:
                    return 404, {"message": "Not Found"}, {}
                if method == "PATCH":
                    if error := self._too_long(body.get("body")):
                        return error
                    for key in ("title", "body", "state", "state_reason"):
                        if key in body:
                            issue[key] = body[key]
                    if "labels" in body:
                        issue["labels"] = [{"name": n} for n in body["labels"]]
                    return 200, dict(issue), {}
            if m := re.fullmatch(r"(?:/environments/([^/]+))?/(?:actions/)?secrets/([^/]+)", path):
                import base64

                environment, name = m.group(1), m.group(2)
                if (environment is None) != path.startswith("/actions/") or (
                        environment is not None and environment not in gh.environments):
                    return 404, {"message": "Not Found"}, {}
                key_id = f"key-{environment or 'repo'}"
                if name == "public-key" and method == "GET":
                    return 200, {"key_id": key_id, "key": base64.b64encode(
                        bytes(gh._secret_key.public_key)).decode()}, {}
                if method == "PUT":
                    if body.get("key_id") != key_id or not isinstance(body.get("encrypted_value"), str):
                        return 422, {"message": "Bad request: key_id or encrypted_value"}, {}
                    created = (environment, name) not in gh.secrets
                    gh.secrets[(environment, name)] = {"encrypted_value": body["encrypted_value"],
                                                       "key_id": body["key_id"]}
                    return (201 if created else 204), None, {}
            if (m := re.fullmatch(r"/commits/([0-9a-f]+)/pulls", path)) and method == "GET":
                pulls = [dict(gh.issues[n]) for n in gh.commit_pulls.get(m.group(1), [])]
                return self._page(path, query, pulls)
            return 404, {"message": "Not Found"}, {}
