"""What GitHub Actions tells a step about its run, and what a step hands back (outputs, summary)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from asrctl.errors import ConfigError
from asrctl.i18n import _, localize

__all__ = ["DEFAULT_SERVER_URL", "RunContext", "write_outputs"]

DEFAULT_SERVER_URL = "https://github.com"


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

    @property
    def run_link(self) -> str:
        return localize(_("[workflow run]({url})", url=self.run_url) if self.run_url else _("workflow run"))

    def blob_url(self, sha: str | None) -> str | None:
        """Where files of commit `sha` are shown: `<server>/<repo>/blob/<sha>/`."""
        if self.repository and sha:
            return f"{self.server_url}/{self.repository}/blob/{sha}/"
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
