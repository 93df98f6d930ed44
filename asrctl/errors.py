"""One base error class; the CLI's single handler maps it to an exit code.

Foreign errors (zeep faults, requests exceptions, OSError) are translated into
these at the boundary where they happen, so nothing above the clients needs to
know which library raised them.
"""

from __future__ import annotations

__all__ = ["AsrctlError", "ConfigError", "SafetyError", "SecretError", "ServiceError", "StalePlanError"]


class AsrctlError(Exception):
    """An error the user can act on: printed as one plain message (+ hint), exit 1."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(AsrctlError):
    """asrctl.yaml or an employer file cannot be used (missing, unreadable, invalid)."""


class SecretError(AsrctlError):
    """A secret reference cannot be resolved (env var unset, file missing)."""


class ServiceError(AsrctlError):
    """A remote service (Nmbrs, the registry) failed or could not be reached."""


class StalePlanError(AsrctlError):
    """The plan no longer matches the inputs or the registry: run plan again."""


class SafetyError(AsrctlError):
    """apply refused because a safety rule (threshold, withdraw, checksum, TTY) says no."""
