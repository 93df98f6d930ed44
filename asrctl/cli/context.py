"""Global options shared by all subcommands, and logging set-up with redaction."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from asrctl.secrets import install_log_redaction


@dataclass
class Settings:
    config_path: Path
    verbose: int
    debug: bool
    color: bool

    @classmethod
    def create(cls, *, config_path: str, verbose: int, debug: bool, no_color: bool) -> Settings:
        color = (not no_color) and "NO_COLOR" not in os.environ and sys.stderr.isatty()
        return cls(config_path=Path(config_path), verbose=verbose, debug=debug, color=color)

    @property
    def repo_root(self) -> Path:
        """The directory of asrctl.yaml: employers/ and schemas/ live beside it."""
        return self.config_path.resolve().parent

    def setup_logging(self) -> None:
        level = logging.DEBUG if self.debug else (logging.INFO if self.verbose else logging.WARNING)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        install_log_redaction(handler)
        root = logging.getLogger()
        for old in list(root.handlers):
            root.removeHandler(old)
        root.addHandler(handler)
        root.setLevel(level)
        if not self.debug:
            # Transport chatter is noise at -v; at --debug it is shown, redacted.
            for name in ("urllib3", "zeep", "requests"):
                logging.getLogger(name).setLevel(logging.WARNING)
