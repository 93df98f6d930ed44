"""One way to read from a provider without a try/except ladder at every call site.

`attempt(read)` gives the value, or a `Failed` whose `kind` says what went wrong in the terms the
checks decide on; the caller turns that into a finding in one place (employer.py `_Findings.fail`,
account.py `AccountView._failed`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from asrctl.nmbrs.errors import (
    NmbrsAuthError,
    NmbrsError,
    NmbrsFault,
    NmbrsSubscriptionError,
    NmbrsUnavailable,
    NotPermitted,
    OperationGone,
    Unreadable,
)

T = TypeVar("T")


class Kind(Enum):
    REFUSED = "refused"              # the login itself: token, user, domain or subscription
    NOT_PERMITTED = "not_permitted"  # the login may not use this read
    NO_DATA = "no_data"              # Nmbrs refused or could not give the data (the read is permitted)
    UNAVAILABLE = "unavailable"      # no usable answer after retries
    REJECTED = "rejected"            # the request was refused as such (malformed)
    GONE = "gone"                    # Nmbrs no longer offers this read
    UNREADABLE = "unreadable"        # an answer without what the check needs


@dataclass(frozen=True)
class Failed:
    error: NmbrsError

    @property
    def kind(self) -> Kind:
        error = self.error
        if isinstance(error, (NmbrsAuthError, NmbrsSubscriptionError)):
            return Kind.REFUSED
        if isinstance(error, NotPermitted):
            return Kind.NOT_PERMITTED
        if isinstance(error, NmbrsFault):
            return Kind.NO_DATA
        if isinstance(error, NmbrsUnavailable):
            return Kind.UNAVAILABLE
        if isinstance(error, Unreadable):
            return Kind.UNREADABLE
        if isinstance(error, OperationGone):
            return Kind.GONE
        return Kind.REJECTED


def attempt(read: Callable[[], T]) -> T | Failed:
    try:
        return read()
    except NmbrsError as error:
        return Failed(error)
