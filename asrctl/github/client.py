"""GitHub REST client for the GitOps workflows: one sticky plan comment per pull request,
one drift issue per repository, and the checksum of the plan reviewed on a merged pull request.

Only the few REST endpoints below are used, over requests with the workflow's GITHUB_TOKEN:
issue comments (list, create, update, delete), issues (list, create, update) and the pull
requests of a commit. Every operation is "read, then write" and is retried as a whole on a
transient failure (5xx, secondary rate limit, reset): a retry re-reads first, so a create
whose answer was lost is found and updated, never posted twice.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, ConfigDict, ValidationError

from asrctl import __version__
from asrctl.errors import ConfigError, ServiceError
from asrctl.net.http import is_loopback, parse_retry_after
from asrctl.net.retry import Retryable, RetryPolicy, retry_call
from asrctl.secrets import Secret, redact

log = logging.getLogger("asrctl.github.client")
T = TypeVar("T")

API_VERSION = "2022-11-28"
DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"
# GitHub rejects a comment or issue body over 65,536 characters ("Body is too long").
# Counted here in UTF-16 code units, the strictest reading (an emoji counts twice).
BODY_LIMIT = 65_536
PLAN_MARKER = "asrctl-plan"
APPLY_MARKER = "asrctl-apply"
DRIFT_MARKER = "asrctl-drift"
DRIFT_LABEL = "asrctl-drift"
# The author of comments and issues made with a workflow's GITHUB_TOKEN.
DEFAULT_BOT = "github-actions[bot]"
PLAN_ARTIFACT = "asrctl-plan"    # artifact names the workflows upload under
APPLY_ARTIFACT = "asrctl-apply"
MAX_PAGES = 100          # 100 x 100 items: far beyond any pull request or issue list we read
MAX_META_CHANGES = 300   # employers listed in a plan comment's hidden metadata
_TRANSIENT_STATUS = {500, 502, 503, 504}
_META_RE = re.compile(r"<!-- asrctl-meta (\{.*?\}) -->")


# --- bodies ------------------------------------------------------------------------------


def github_length(text: str) -> int:
    """Length as GitHub's body limit counts it (UTF-16 code units: never less than characters)."""
    return len(text.encode("utf-16-le")) // 2


def marker_line(marker: str) -> str:
    """The hidden first line that identifies our comment or issue: `<!-- asrctl-plan -->`."""
    return f"<!-- {marker} -->"


def has_marker(body: str | None, marker: str) -> bool:
    return bool(body) and body.lstrip().startswith(marker_line(marker))  # type: ignore[union-attr]


def meta_line(meta: Mapping[str, Any]) -> str:
    """Hidden machine-readable data (checksum, commit) carried in a comment, as compact JSON."""
    text = json.dumps(dict(meta), separators=(",", ":"), sort_keys=True)
    return f"<!-- asrctl-meta {text.replace('--', '- -')} -->"  # "--" may not appear in an HTML comment


def read_meta(body: str | None) -> dict[str, Any]:
    match = _META_RE.search(body or "")
    if not match:
        return {}
    try:
        value = json.loads(match.group(1))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _close_open_blocks(text: str) -> str:
    """Close a code fence or <details> cut open by truncation, so the note renders as text."""
    closing = ""
    if sum(1 for line in text.splitlines() if line.lstrip().startswith("```")) % 2:
        closing += "\n```"
    open_details = len(re.findall(r"<details\b", text, re.IGNORECASE)) - len(re.findall(r"</details>", text, re.IGNORECASE))
    closing += "\n</details>" * max(open_details, 0)
    return text + closing


def truncate(text: str, budget: int, note: str) -> str:
    """`text` if it fits in `budget`; otherwise its head, cut at a line end, plus `note`."""
    if github_length(text) <= budget:
        return text
    reserve = github_length(note) + 40  # closers of open blocks and blank lines
    room = budget - reserve
    if room <= 0:
        return note[:budget]
    head = text[:room]
    while github_length(head) > room:  # astral characters count twice
        head = head[: len(head) - (github_length(head) - room)]
    cut = head.rfind("\n")
    if cut > room // 2:
        head = head[:cut]
    return _close_open_blocks(head.rstrip()) + "\n\n" + note


def compose(
    marker: str,
    body: str,
    *,
    meta: Mapping[str, Any] | None = None,
    footer: str = "",
    truncated_note: str,
    limit: int = BODY_LIMIT,
) -> str:
    """Marker + hidden meta + body (truncated with a note if needed) + footer, within `limit`.

    The marker, the meta and the footer always survive truncation: they carry the identity,
    the checksum and the link to the full plan.
    """
    head = marker_line(marker) + "\n" + (meta_line(meta) + "\n" if meta else "")
    tail = ("\n\n" + footer) if footer else ""
    budget = limit - github_length(head) - github_length(tail)
    if budget < 200:
        raise ValueError("marker, metadata and footer leave no room for the body")
    return head + truncate(body.strip("\n"), budget, truncated_note) + tail


# --- plan files --------------------------------------------------------------------------


class _PlanEmployer(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    action: str
    desired_digest: str | None = None


class PlanDigest(BaseModel):
    """The few fields of a JSON plan (DESIGN.md "Plan JSON") the GitHub flow needs."""

    model_config = ConfigDict(extra="ignore")
    checksum: str
    summary: dict[str, int] = {}
    employers: list[_PlanEmployer] = []

    def changes(self) -> dict[str, str]:
        """Employer id -> "action:digest" for every employer the plan would touch or blocks."""
        out = {}
        for employer in self.employers:
            if employer.action != "noop":
                digest = (employer.desired_digest or "").removeprefix("sha256:")[:8]
                out[employer.id] = f"{employer.action}:{digest}" if digest else employer.action
        return out


def read_plan(path: str) -> PlanDigest:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise ConfigError(
            f"cannot read plan file {path}: {exc.strerror or exc.__class__.__name__}",
            hint="write it with `asrctl plan --out plan.json`",
        ) from None
    except ValueError:
        raise ConfigError(f"plan file {path} is not JSON", hint="write it with `asrctl plan --out plan.json`") from None
    try:
        return PlanDigest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top)"
        raise ConfigError(
            f"plan file {path} is not an asrctl plan: {where}: {first['msg']}",
            hint="write it with `asrctl plan --out plan.json` (format_version 1 carries a checksum)",
        ) from None


def plan_meta(plan: PlanDigest, head_sha: str | None) -> dict[str, Any]:
    """What a plan comment remembers: checksum, commit, and the per-employer actions (capped)."""
    changes = plan.changes()
    meta: dict[str, Any] = {"checksum": plan.checksum}
    if head_sha:
        meta["head_sha"] = head_sha
    if len(changes) <= MAX_META_CHANGES:
        meta["changes"] = changes
    else:
        meta["changes_omitted"] = len(changes)
    return meta


def describe_difference(reviewed: Mapping[str, Any], now: PlanDigest) -> list[str]:
    """Per employer, how the plan on main differs from the reviewed one (as far as the meta tells)."""
    before = reviewed.get("changes")
    if not isinstance(before, dict):
        return ["the reviewed plan was too large to compare per employer; read the plan below"]
    after = now.changes()
    lines = []
    for employer_id in sorted(set(before) | set(after)):
        old, new = before.get(employer_id), after.get(employer_id)
        if old == new:
            continue
        old_action = str(old).split(":")[0] if old else "noop"
        new_action = new.split(":")[0] if new else "noop"
        if old_action == new_action:
            lines.append(f"`{employer_id}`: {new_action}, with other values than reviewed")
        else:
            lines.append(f"`{employer_id}`: reviewed {old_action}, now {new_action}")
    if not lines:
        lines.append(
            "every employer has the same action as reviewed, but details differ "
            "(for example a registration's version in the registry)"
        )
    return lines


# --- client ------------------------------------------------------------------------------


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
        data = response.json()
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


@dataclass(frozen=True)
class Outcome:
    """What a sync did: created/updated/unchanged (comment), opened/updated/closed/none (issue)."""

    action: str
    number: int | None = None  # comment id or issue number
    url: str | None = None
    removed_duplicates: int = 0


@dataclass
class GitHubClient:
    api_url: str
    repository: str
    token: Secret
    timeout: float = 30.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.api_url = self.api_url.rstrip("/")
        parts = urlsplit(self.api_url)
        if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(parts.hostname)):
            raise ConfigError(
                f"GitHub API URL {self.api_url!r} must use https",
                hint="leave GITHUB_API_URL unset for github.com; plain http is allowed only on loopback",
            )
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

    def _send(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
              body: Mapping[str, Any] | None = None) -> requests.Response:
        what = f"GitHub {method} {urlsplit(url).path}"
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.token.reveal()}",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"asrctl/{__version__}",
        }
        try:
            response = self.session.request(
                method, url, params=params, json=body, headers=headers, timeout=(10.0, self.timeout)
            )  # requests drops Authorization when a redirect leaves the host
        except (requests.ConnectionError, requests.Timeout) as exc:
            error = ServiceError(
                redact(f"{what}: no answer ({exc.__class__.__name__})"),
                hint="GitHub could not be reached; the workflow can be re-run",
            )
            raise Retryable(error) from None
        except requests.RequestException as exc:
            raise ServiceError(redact(f"{what}: {exc.__class__.__name__}")) from None
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

    def _json(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        response = self._send(method, self._url(path), body=body)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise Retryable(ServiceError(f"GitHub {method} {path}: answer is not JSON")) from None

    def _list(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every item of a paginated list, following Link rel="next" on the same API only."""
        items: list[dict[str, Any]] = []
        url: str | None = self._url(path)
        query: Mapping[str, Any] | None = {"per_page": 100, **(params or {})}
        for _ in range(MAX_PAGES):
            if url is None:
                return items
            response = self._send("GET", url, params=query)
            try:
                page = response.json()
            except ValueError:
                raise Retryable(ServiceError(f"GitHub GET {path}: answer is not JSON")) from None
            if not isinstance(page, list):
                raise ServiceError(f"GitHub GET {path}: expected a list, got {type(page).__name__}")
            items.extend(item for item in page if isinstance(item, dict))
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
        return self._list(f"/issues/{number}/comments")

    def create_comment(self, number: int, body: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("POST", f"/issues/{number}/comments", {"body": body})
        return result

    def update_comment(self, comment_id: int, body: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("PATCH", f"/issues/comments/{comment_id}", {"body": body})
        return result

    def delete_comment(self, comment_id: int) -> None:
        self._json("DELETE", f"/issues/comments/{comment_id}")

    def open_issues(self, creator: str | None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"state": "open"}
        if creator:
            params["creator"] = creator
        # The issues list also holds pull requests; they carry a "pull_request" key.
        return [item for item in self._list("/issues", params) if "pull_request" not in item]

    def create_issue(self, title: str, body: str, labels: list[str]) -> dict[str, Any]:
        result: dict[str, Any] = self._json("POST", "/issues", {"title": title, "body": body, "labels": labels})
        return result

    def update_issue(self, number: int, fields: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._json("PATCH", f"/issues/{number}", fields)
        return result

    def pulls_of_commit(self, sha: str) -> list[dict[str, Any]]:
        return self._list(f"/commits/{sha}/pulls")


def _by_author(item: Mapping[str, Any], author: str | None) -> bool:
    if not author:
        return True
    user = item.get("user")
    return isinstance(user, dict) and user.get("login") == author


# --- operations --------------------------------------------------------------------------


def find_marked_comments(client: GitHubClient, number: int, marker: str, author: str | None) -> list[dict[str, Any]]:
    return [
        c for c in client.issue_comments(number)
        if has_marker(c.get("body"), marker) and _by_author(c, author)
    ]


def sync_comment(
    client: GitHubClient, number: int, body: str, *, marker: str = PLAN_MARKER, author: str | None = DEFAULT_BOT
) -> Outcome:
    """Create or update, in place, the ONE comment on issue/PR `number` that starts with `marker`.

    Extra marked comments (from an older run that raced) are deleted, oldest kept.
    """
    if not has_marker(body, marker):
        raise ValueError("the body must start with the marker line")
    if github_length(body) > BODY_LIMIT:
        raise ValueError("the body is over GitHub's limit; compose() it first")

    def once() -> Outcome:
        found = find_marked_comments(client, number, marker, author)
        if not found:
            created = client.create_comment(number, body)
            return Outcome("created", created.get("id"), created.get("html_url"))
        keep, extra = found[0], found[1:]
        for duplicate in extra:
            client.delete_comment(int(duplicate["id"]))
        if keep.get("body") == body:
            return Outcome("unchanged", keep.get("id"), keep.get("html_url"), len(extra))
        updated = client.update_comment(int(keep["id"]), body)
        return Outcome("updated", updated.get("id"), updated.get("html_url"), len(extra))

    return client.retrying(f"comment on #{number}", once)


def sync_drift_issue(
    client: GitHubClient,
    *,
    drifted: bool,
    title: str,
    body: str,
    resolved_comment: str,
    changed_comment: str | None = None,
    label: str = DRIFT_LABEL,
    author: str | None = DEFAULT_BOT,
    marker: str = DRIFT_MARKER,
) -> Outcome:
    """Keep ONE open drift issue: open or update it when `drifted`, close it (with a comment) when not.

    `changed_comment` is posted when the drift's content (meta "digest") differs from the issue's,
    so watchers get a notification for new drift, not for every night it persists.
    """
    def once() -> Outcome:
        found = sorted(
            (i for i in client.open_issues(author) if has_marker(i.get("body"), marker)),
            key=lambda issue: int(issue["number"]),
        )
        keep = found[0] if found else None
        for duplicate in found[1:]:
            client.update_issue(int(duplicate["number"]), {"state": "closed", "state_reason": "not_planned"})
        if not drifted:
            if keep is None:
                return Outcome("none", removed_duplicates=len(found[1:]))
            client.create_comment(int(keep["number"]), resolved_comment)
            closed = client.update_issue(int(keep["number"]), {"state": "closed", "state_reason": "completed"})
            return Outcome("closed", closed.get("number"), closed.get("html_url"), len(found[1:]))
        if keep is None:
            created = client.create_issue(title, body, [label])
            return Outcome("opened", created.get("number"), created.get("html_url"))
        if keep.get("body") == body and keep.get("title") == title:
            return Outcome("unchanged", keep.get("number"), keep.get("html_url"), len(found[1:]))
        if changed_comment and read_meta(keep.get("body")).get("digest") != read_meta(body).get("digest"):
            client.create_comment(int(keep["number"]), changed_comment)
        updated = client.update_issue(int(keep["number"]), {"title": title, "body": body})
        return Outcome("updated", updated.get("number"), updated.get("html_url"), len(found[1:]))

    return client.retrying("drift issue", once)


@dataclass(frozen=True)
class ReviewedPlan:
    pr: int
    pr_url: str | None
    pr_head_sha: str | None
    checksum: str | None        # None: no plan comment found on the pull request
    planned_sha: str | None     # the head commit the commented plan was made for
    meta: dict[str, Any]


def merged_pull_request(client: GitHubClient, sha: str) -> dict[str, Any] | None:
    """The merged pull request that produced commit `sha` on the default branch, if any."""
    def once() -> dict[str, Any] | None:
        pulls = [p for p in client.pulls_of_commit(sha) if p.get("merged_at")]
        exact = [p for p in pulls if p.get("merge_commit_sha") == sha]
        best = exact or pulls
        return best[0] if best else None

    return client.retrying(f"pull requests of {sha[:12]}", once)


def reviewed_plan(client: GitHubClient, pull: Mapping[str, Any], *, author: str | None = DEFAULT_BOT) -> ReviewedPlan:
    """The plan checksum in the pull request's sticky plan comment (what reviewers saw)."""
    number = int(pull["number"])
    found = client.retrying(
        f"plan comment on #{number}", lambda: find_marked_comments(client, number, PLAN_MARKER, author)
    )
    meta = read_meta(found[0].get("body")) if found else {}
    head = pull.get("head")
    checksum = meta.get("checksum")
    planned = meta.get("head_sha")
    return ReviewedPlan(
        pr=number,
        pr_url=pull.get("html_url"),
        pr_head_sha=head.get("sha") if isinstance(head, dict) else None,
        checksum=checksum if isinstance(checksum, str) else None,
        planned_sha=planned if isinstance(planned, str) else None,
        meta=meta,
    )


# --- the workflow run this is part of -------------------------------------------------------


@dataclass(frozen=True)
class RunContext:
    """What GitHub Actions tells a step about its run (all optional outside Actions)."""

    server_url: str
    repository: str | None
    run_id: str | None
    sha: str | None
    event_name: str | None
    event: dict[str, Any]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RunContext:
        env = os.environ if environ is None else environ
        event: dict[str, Any] = {}
        path = env.get("GITHUB_EVENT_PATH")
        if path:
            try:
                with open(path, encoding="utf-8") as handle:
                    loaded = json.load(handle)
                event = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError) as exc:
                raise ConfigError(
                    f"cannot read the event payload GITHUB_EVENT_PATH={path}: {exc.__class__.__name__}",
                    hint="pass --pr N explicitly",
                ) from None
        return cls(
            server_url=(env.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).rstrip("/"),
            repository=env.get("GITHUB_REPOSITORY"),
            run_id=env.get("GITHUB_RUN_ID"),
            sha=env.get("GITHUB_SHA"),
            event_name=env.get("GITHUB_EVENT_NAME"),
            event=event,
        )

    @property
    def run_url(self) -> str | None:
        if self.repository and self.run_id:
            return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"
        return None

    def pull_request_number(self) -> int | None:
        pull = self.event.get("pull_request")
        if isinstance(pull, dict) and isinstance(pull.get("number"), int):
            return int(pull["number"])
        issue = self.event.get("issue")  # issue_comment on a pull request
        if isinstance(issue, dict) and issue.get("pull_request") and isinstance(issue.get("number"), int):
            return int(issue["number"])
        return None

    def pull_request_head_sha(self) -> str | None:
        pull = self.event.get("pull_request")
        head = pull.get("head") if isinstance(pull, dict) else None
        sha = head.get("sha") if isinstance(head, dict) else None
        return sha if isinstance(sha, str) else None


def artifact_note(run_url: str | None, *, artifact: str = PLAN_ARTIFACT) -> str:
    run = f"[this workflow run]({run_url})" if run_url else "the workflow run"
    return (
        f"> **Truncated**: the full text is longer than GitHub allows in one comment or issue "
        f"({BODY_LIMIT:,} characters). Read all of it in the `{artifact}` artifact of {run}."
    )


def now_utc() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def write_outputs(values: Mapping[str, str], environ: Mapping[str, str] | None = None) -> None:
    """Append step outputs to $GITHUB_OUTPUT (when running in Actions)."""
    env = os.environ if environ is None else environ
    path = env.get("GITHUB_OUTPUT")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as handle:
            for key, value in values.items():
                if "\n" in value:
                    raise ValueError("step outputs are single-line")
                handle.write(f"{key}={value}\n")
    except OSError as exc:
        raise ConfigError(f"cannot write step outputs to GITHUB_OUTPUT={path}: {exc.__class__.__name__}") from None

