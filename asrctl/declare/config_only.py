"""asrctl.yaml on its own, for commands that need no employer file (import, sandbox serve).

`asrctl import` must run while earlier imported files still hold TODOs (the repo is then not
valid), and serving the sandbox needs only the URLs. The full check runs as always; only
problems of asrctl.yaml itself stop these commands.
"""

from __future__ import annotations

import os
from pathlib import Path

from asrctl.declare.load import Repo, check_repo
from asrctl.declare.model import Config
from asrctl.declare.yamlpos import decode, parse
from asrctl.errors import ConfigError


def load_config_repo(config_path: Path) -> Repo:
    """A Repo whose config is asrctl.yaml (valid) and whose employers are the valid repo's, or none."""
    result = check_repo(config_path)
    if result.repo is not None:
        return result.repo
    target = Path(os.path.abspath(config_path))
    errors = [p for p in result.problems if p.severity == "error" and Path(os.path.abspath(p.path)) == target]
    if errors:
        first = errors[0]
        count = len(errors)
        raise ConfigError(
            f"{count} problem{'s' if count != 1 else ''} in {target.name}; run asrctl validate",
            hint=f"first: {first.location()}: {first.message}",
        )
    # Only employer files have problems; asrctl.yaml passed every check, so this cannot fail.
    text, _ = decode(target.read_bytes())
    doc, _ = parse(text or "")
    config = Config.model_validate(doc.data if doc is not None else None)
    return Repo(target.parent, target.name, config, [], "")
