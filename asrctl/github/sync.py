"""Read-then-write operations on GitHub: the sticky comment (in parts), the one drift issue,
the reviewed plan of a merged pull request.

Each operation re-reads before it writes and is retried as a whole on a transient failure,
so a create whose answer was lost is found and updated, never posted twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from asrctl.github.body import (
    BODY_LIMIT,
    DRIFT_MARKER,
    ONBOARDING_MARKER,
    PLAN_MARKER,
    compose,
    github_length,
    has_marker,
    part_number,
    read_meta,
)
from asrctl.github.client import DEFAULT_BOT, GitHubClient
from asrctl.github.flows import (
    ReviewedPlan,
    announcements,
    onboarding_body,
    record_announced,
    record_submitted,
)
from asrctl.plan.make import Plan

__all__ = [
    "DRIFT_LABEL",
    "Outcome",
    "announce_once",
    "merged_pull_request",
    "reviewed_plan",
    "sync_comment",
    "sync_comments",
    "sync_drift_issue",
]

DRIFT_LABEL = "asrctl-drift"


@dataclass(frozen=True)
class Outcome:
    """What a sync did: created/updated/unchanged (comment), opened/updated/closed/none (issue)."""

    action: str
    number: int | None = None  # comment id or issue number
    url: str | None = None
    removed_duplicates: int = 0
    parts: int = 1


def _by_author(item: Mapping[str, Any], author: str | None) -> bool:
    if not author:
        return True
    user = item.get("user")
    return isinstance(user, dict) and user.get("login") == author


def _id(item: Mapping[str, Any]) -> int:
    return int(item["id"])


def find_marked_comments(client: GitHubClient, number: int, marker: str, author: str | None) -> list[dict[str, Any]]:
    """Our comments of `marker` on issue/PR `number`, every part, oldest first."""
    return [
        c for c in client.issue_comments(number)
        if part_number(c.get("body"), marker) is not None and _by_author(c, author)
    ]


def sync_comment(
    client: GitHubClient, number: int, body: str, *, marker: str = PLAN_MARKER, author: str | None = DEFAULT_BOT
) -> Outcome:
    """Create or update, in place, the ONE comment on issue/PR `number` that starts with `marker`."""
    return sync_comments(client, number, [body], marker=marker, author=author)


def sync_comments(
    client: GitHubClient, number: int, parts: Sequence[str], *, marker: str = PLAN_MARKER,
    author: str | None = DEFAULT_BOT,
) -> Outcome:
    """Keep the comment of `marker` on `number` equal to `parts` (body.compose_parts): the first part
    updated in place (it is what reviewers link to), continuations updated, added or deleted.

    Extra first parts (from an older run that raced) are deleted, oldest kept.
    """
    if not parts or not has_marker(parts[0], marker):
        raise ValueError("the first part must start with the marker line")
    if any(part_number(p, marker) != n for n, p in enumerate(parts, start=1)):
        raise ValueError("every part must carry its marker line; compose_parts() them")
    if any(github_length(p) > BODY_LIMIT for p in parts):
        raise ValueError("a part is over GitHub's limit; compose_parts() it")

    def once() -> Outcome:
        by_part: dict[int, list[dict[str, Any]]] = {}
        for c in find_marked_comments(client, number, marker, author):
            by_part.setdefault(part_number(c.get("body"), marker) or 0, []).append(c)
        removed = 0
        first: dict[str, Any] | None = None
        action = "unchanged"
        for n, body in enumerate(parts, start=1):
            found = by_part.pop(n, [])
            keep, extra = (found[0], found[1:]) if found else (None, [])
            for duplicate in extra:
                client.delete_comment(_id(duplicate))
                removed += n == 1
            if keep is None:
                keep = client.create_comment(number, body)
                action = "created" if n == 1 else ("updated" if action == "unchanged" else action)
            elif keep.get("body") != body:
                keep = client.update_comment(_id(keep), body)
                action = "updated" if action == "unchanged" else action
            if n == 1:
                first = keep
        for stale in (c for found in by_part.values() for c in found):  # continuations no longer needed
            client.delete_comment(_id(stale))
            action = "updated" if action == "unchanged" else action
        assert first is not None
        return Outcome(action, first.get("id"), first.get("html_url"), removed, len(parts))

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
    firsts = [c for c in found if has_marker(c.get("body"), PLAN_MARKER)]
    meta = read_meta(firsts[0].get("body")) if firsts else {}
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


def announce_once(
    client: GitHubClient, plan: Plan, *, submitted_by: int | None, label: str, author: str | None, run_link: str,
) -> Outcome:
    """Keep the ONE onboarding issue: record who submitted what, and announce each new
    in_setup/active once. The record is written before the announcements are posted: a failure
    in between loses an announcement rather than repeating one."""
    def once() -> Outcome:
        found = sorted(
            (i for i in client.issues(label, author) if has_marker(i.get("body"), ONBOARDING_MARKER)),
            key=lambda issue: int(issue["number"]),
        )
        keep = found[0] if found else None
        meta = read_meta(keep.get("body")) if keep else {}
        announced: dict[str, Any] = _mapping(meta.get("announced"))
        prs: Mapping[str, Any] = _mapping(meta.get("prs"))
        raw_log = meta.get("log")
        log = [x for x in raw_log if isinstance(x, str)] if isinstance(raw_log, list) else []
        if submitted_by is not None:
            prs = record_submitted(prs, plan, submitted_by)
        made = announcements(plan, announced, prs)
        if not made and submitted_by is None:
            return Outcome("unchanged", keep.get("number") if keep else None, keep.get("html_url") if keep else None)
        announced = dict(record_announced(announced, made))
        log = (log + [a.text for a in made])[-50:]
        body = compose(ONBOARDING_MARKER, onboarding_body(announced, log),
                       meta={"announced": announced, "prs": prs, "log": log},
                       truncated_note="> **Truncated**: the record is in the hidden metadata above.")
        if keep is None:
            keep = client.create_issue("asrctl onboarding: a.s.r.'s answers", body, [label])
        elif keep.get("body") != body:
            keep = client.update_issue(int(keep["number"]), {"body": body, "state": "open"})
        number = int(keep["number"])
        for a in made:
            target = a.pr if a.pr is not None else number
            client.create_comment(target, f"{a.text}\n\n<sub>Seen in the nightly plan · {run_link}</sub>")
        return Outcome("announced" if made else "recorded", number, keep.get("html_url"), parts=len(made))

    return client.retrying("onboarding issue", once)


def _mapping(value: object) -> dict[str, Any]:
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}
