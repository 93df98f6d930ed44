"""GitHub REST client: the few endpoints the GitOps workflows use, over requests.

Issue comments (list, create, update, delete), issues (list, create, update) and the pull
requests of a commit, with the workflow's GITHUB_TOKEN. Each method is one attempt; a
transient failure (5xx, secondary rate limit, reset) raises Retryable, and callers retry a
whole read-then-write operation with `retrying` (asrctl.github.sync).

The requests exception of a failed call is never chained to the error raised (neither as
cause nor as context): it holds the prepared request, and with it the Authorization header.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, ConfigDict, ValidationError

from asrctl.errors import ConfigError, ServiceError
from asrctl.net.http import parse_retry_after, require_tls
from asrctl.net.retry import Retryable, RetryPolicy, retry_call
from asrctl.net.session import DeadlineExceeded, ExchangeError, Limits, exchange, new_session, read_json
from asrctl.secrets import Secret, redact

__all__ = ["API_VERSION", "DEFAULT_API_URL", "DEFAULT_BOT", "GitHubClient", "RetryPolicy"]

T = TypeVar("T")

API_VERSION = "2022-11-28"
DEFAULT_API_URL = "https://api.github.com"
# The author of comments and issues made with a workflow's GITHUB_TOKEN.
DEFAULT_BOT = "github-actions[bot]"
MAX_PAGES = 100          # 100 x 100 items: far beyond any pull request or issue list we read
# A page of 100 comments of at most 65,536 characters each, JSON-escaped: well under this.
MAX_ANSWER_BYTES = 32 * 1024 * 1024
_TRANSIENT_STATUS = {500, 502, 503, 504}


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is not None:
        return parse_retry_after(value)
    if response.headers.get("X-RateLimit-Remaining") == "0":
        try:
            return max(float(response.headers["X-RateLimit-Reset"]) - time.time(), 0.0)
        except (KeyError, ValueError):
            return None
    return None


def _github_message(response: requests.Response) -> str:
    try:
        data = read_json(response.content)
    except ValueError:
        return response.reason or ""
    if not isinstance(data, dict):
        return response.reason or ""
    message = str(data.get("message") or response.reason or "")
    details = [str(e.get("message") or e.get("code")) for e in data.get("errors") or [] if isinstance(e, dict)]
    return message + (f" ({'; '.join(details)})" if details else "")


_HINTS = {
    401: "GITHUB_TOKEN was not accepted: in the workflow step set `env: GITHUB_TOKEN: ${{ github.token }}`",
    403: (
        "the token lacks a permission: give the job `permissions: pull-requests: write` "
        "(plan comments) or `issues: write` (drift issue)"
    ),
    404: "check GITHUB_REPOSITORY (owner/name), the pull request number, and that the token can see the repository",
    422: "GitHub refused the content; run again with --debug and report it if it persists",
}


@dataclass
class GitHubClient:
    api_url: str
    repository: str
    token: Secret
    timeout: float = 30.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session = field(default_factory=lambda: new_session(trust_env=True))

    def __post_init__(self) -> None:
        self.api_url = self.api_url.rstrip("/")
        if require_tls(self.api_url, "GitHub API URL",
                       hint="leave GITHUB_API_URL unset for github.com; plain http is allowed only on loopback"):
            self.session.trust_env = False  # a local fake: no proxy from the environment
        if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", self.repository):
            raise ConfigError(
                f"GITHUB_REPOSITORY {self.repository!r} is not owner/name",
                hint="GitHub Actions sets it; elsewhere export GITHUB_REPOSITORY=owner/name",
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> GitHubClient:
        env = os.environ if environ is None else environ
        token = (env.get("GITHUB_TOKEN") or "").strip()
        if not token:
            raise ConfigError(
                "GITHUB_TOKEN is not set",
                hint="in the workflow step add `env: GITHUB_TOKEN: ${{ github.token }}`",
            )
        repository = (env.get("GITHUB_REPOSITORY") or "").strip()
        if not repository:
            raise ConfigError(
                "GITHUB_REPOSITORY is not set",
                hint="GitHub Actions sets it; elsewhere export GITHUB_REPOSITORY=owner/name",
            )
        api_url = (env.get("GITHUB_API_URL") or "").strip() or DEFAULT_API_URL
        return cls(api_url=api_url, repository=repository, token=Secret(token, "env GITHUB_TOKEN"), **kwargs)

    # -- transport: one attempt; transient failures raise Retryable --

    def _url(self, path: str) -> str:
        return f"{self.api_url}/repos/{self.repository}{path}"

    def _headers(self) -> dict[str, str]:
        return {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.token.reveal()}",
            "X-GitHub-Api-Version": API_VERSION,
        }

    def _request(self, method: str, url: str, params: Mapping[str, Any] | None,
                 body: Mapping[str, Any] | None) -> requests.Response | ExchangeError | str:
        """The response, asrctl's refusal of it, or the name of the requests exception (never the exception)."""
        failure: str
        try:
            # No redirect, a total deadline, a size cap: asrctl.net.session.
            return exchange(self.session, method, url, limits=Limits(self.timeout, MAX_ANSWER_BYTES),
                            params=params, json=body, headers=self._headers())
        except ExchangeError as refused:
            return refused
        except (requests.ConnectionError, requests.Timeout) as exc:
            failure = "transient:" + exc.__class__.__name__
        except requests.RequestException as exc:
            failure = exc.__class__.__name__
        return failure  # returned, not raised here: an error raised in the except block would chain exc

    def _send(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
              body: Mapping[str, Any] | None = None) -> requests.Response:
        what = f"GitHub {method} {urlsplit(url).path}"
        response = self._request(method, url, params, body)
        if isinstance(response, ExchangeError):
            error = ServiceError(f"{what}: GitHub {response.message}", hint=response.hint)
            if isinstance(response, DeadlineExceeded):
                raise Retryable(error)
            raise error
        if isinstance(response, str):
            if response.startswith("transient:"):
                error = ServiceError(
                    redact(f"{what}: no answer ({response.removeprefix('transient:')})"),
                    hint="GitHub could not be reached; the workflow can be re-run",
                )
                raise Retryable(error)
            raise ServiceError(redact(f"{what}: {response}"))
        status = response.status_code
        if status < 300:
            return response
        message = redact(_github_message(response))
        error = ServiceError(f"{what}: HTTP {status} {message}".rstrip(), hint=_HINTS.get(status))
        rate_limited = status == 429 or (status == 403 and (
            "rate limit" in message.lower()
            or "Retry-After" in response.headers
            or response.headers.get("X-RateLimit-Remaining") == "0"
        ))
        if status in _TRANSIENT_STATUS or rate_limited:
            if rate_limited:
                error.hint = "GitHub's rate limit was hit; re-run the workflow later"
            raise Retryable(error, _retry_after(response))
        raise error

    def _json(self, method: str, path: str, body: Mapping[str, Any] | None = None,
              shape: type[BaseModel] | None = None) -> Any:
        response = self._send(method, self._url(path), body=body)
        if response.status_code == 204 or not response.content:
            return None
        try:
            data = read_json(response.content)
        except ValueError:
            raise Retryable(ServiceError(f"GitHub {method} {path}: answer is not JSON")) from None
        return _checked(data, shape, f"GitHub {method} {path}") if shape is not None else data

    def _list(self, path: str, params: Mapping[str, Any] | None = None, *,
              shape: type[BaseModel]) -> list[dict[str, Any]]:
        """Every item of a paginated list, following Link rel="next" on the same API only."""
        items: list[dict[str, Any]] = []
        url: str | None = self._url(path)
        query: Mapping[str, Any] | None = {"per_page": 100, **(params or {})}
        for _ in range(MAX_PAGES):
            if url is None:
                return items
            response = self._send("GET", url, params=query)
            try:
                page = read_json(response.content)
            except ValueError:
                raise Retryable(ServiceError(f"GitHub GET {path}: answer is not JSON")) from None
            if not isinstance(page, list):
                raise ServiceError(f"GitHub GET {path}: expected a list, got {type(page).__name__}")
            items.extend(_checked(item, shape, f"GitHub GET {path}: item {len(items) + n + 1}")
                         for n, item in enumerate(page))
            next_url = response.links.get("next", {}).get("url")
            if next_url and not next_url.startswith(self.api_url + "/"):
                # Never send the token anywhere but the API it was meant for.
                raise ServiceError(
                    f"GitHub GET {path}: next page points outside {self.api_url}",
                    hint="check GITHUB_API_URL",
                )
            url, query = next_url, None  # the next link carries the query itself
        raise ServiceError(f"GitHub GET {path}: more than {MAX_PAGES} pages", hint="report this as a bug")

    def retrying(self, what: str, operation: Callable[[], T]) -> T:
        """Run a whole read-then-write operation under the one retry policy."""
        return retry_call(operation, self.policy, what=what, sleep=self.sleep)

    # -- endpoints (single attempt; call them inside `retrying`) --

    def issue_comments(self, number: int) -> list[dict[str, Any]]:
        return self._list(f"/issues/{number}/comments", shape=_Comment)

    def create_comment(self, number: int, body: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("POST", f"/issues/{number}/comments", {"body": body}, _Comment)
        return result

    def update_comment(self, comment_id: int, body: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("PATCH", f"/issues/comments/{comment_id}", {"body": body}, _Comment)
        return result

    def delete_comment(self, comment_id: int) -> None:
        self._json("DELETE", f"/issues/comments/{comment_id}")

    def open_issues(self, creator: str | None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"state": "open"}
        if creator:
            params["creator"] = creator
        # The issues list also holds pull requests; they carry a "pull_request" key.
        return [item for item in self._list("/issues", params, shape=_Issue) if "pull_request" not in item]

    def issues(self, label: str, creator: str | None) -> list[dict[str, Any]]:
        """Open and closed issues with `label` (not pull requests)."""
        params: dict[str, Any] = {"state": "all", "labels": label}
        if creator:
            params["creator"] = creator
        return [item for item in self._list("/issues", params, shape=_Issue) if "pull_request" not in item]

    def create_issue(self, title: str, body: str, labels: list[str]) -> dict[str, Any]:
        result: dict[str, Any] = self._json("POST", "/issues", {"title": title, "body": body, "labels": labels},
                                            _Issue)
        return result

    def update_issue(self, number: int, fields: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._json("PATCH", f"/issues/{number}", fields, _Issue)
        return result

    def pulls_of_commit(self, sha: str) -> list[dict[str, Any]]:
        return self._list(f"/commits/{sha}/pulls", shape=_Pull)


# --- the shapes of GitHub's answers that asrctl reads (the rest of each item passes through) -----------------


class _Answer(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class _User(_Answer):
    login: str | None = None


class _Comment(_Answer):
    id: int
    body: str | None = None
    html_url: str | None = None
    user: _User | None = None


class _Issue(_Answer):
    number: int
    title: str | None = None
    body: str | None = None
    html_url: str | None = None
    user: _User | None = None


class _Head(_Answer):
    sha: str | None = None


class _Pull(_Answer):
    number: int
    html_url: str | None = None
    merged_at: str | None = None
    merge_commit_sha: str | None = None
    head: _Head | None = None


def _checked(item: Any, shape: type[BaseModel], what: str) -> dict[str, Any]:
    """The item as a dict, if it has the shape asrctl reads; a ServiceError naming the fields otherwise."""
    try:
        shape.model_validate(item)
    except ValidationError as exc:
        fields = ", ".join(sorted({".".join(str(p) for p in e["loc"]) or "(item)"
                                   for e in exc.errors(include_input=False)}))
        raise ServiceError(f"{what}: GitHub sent an answer asrctl cannot read (fields: {fields})",
                           hint="GitHub's API answered unlike its documentation: a proxy, or GITHUB_API_URL "
                                "points at something else") from None
    assert isinstance(item, dict)
    return item
