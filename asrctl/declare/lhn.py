"""The loonheffingennummer: the one home of its shape and of the 11-test.

Nine digits (an RSIN or BSN), the letter L and a two-digit sub-number, e.g. 123456782L01.
The nine digits pass the 11-test: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is divisible by 11.
000000000 passes that sum but is no RSIN or BSN (none is ever issued), so it is refused.
Validation (declare.semantics), the registry models and the reference registry all ask here,
so a number is accepted or refused alike everywhere.
"""

from __future__ import annotations

import re

__all__ = ["PATTERN", "example_payroll_tax_number", "is_payroll_tax_number", "passes_eleven_test", "well_formed"]

PATTERN = r"^[0-9]{9}L[0-9]{2}$"  # the shape alone (the JSON Schema and the contract's `pattern`)

_SHAPE = re.compile(r"[0-9]{9}L[0-9]{2}")
_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def passes_eleven_test(nine_digits: str) -> bool:
    """True for the nine digits of a real RSIN/BSN (ASCII digits, 11-test, not all zeros)."""
    if len(nine_digits) != 9 or not nine_digits.isascii() or not nine_digits.isdigit():
        return False
    total = sum(weight * int(digit) for weight, digit in zip(_WEIGHTS, nine_digits, strict=True))
    return total % 11 == 0 and nine_digits != "000000000"


def well_formed(value: str) -> bool:
    """The shape: 9 digits, L, 2 digits (a lower-case l or spaces are not it)."""
    return _SHAPE.fullmatch(value) is not None


def is_payroll_tax_number(value: str) -> bool:
    """A loonheffingennummer a.s.r. accepts: the shape and the 11-test."""
    return well_formed(value) and passes_eleven_test(value[:9])


def example_payroll_tax_number(n: int, sub: int = 1) -> str:
    """The n-th (0 <= n < 9,000,000) valid loonheffingennummer of a fixed series: for samples and tests."""
    if not 0 <= n < 9_000_000 or not 0 <= sub <= 99:
        raise ValueError("n must be in 0..8,999,999 and sub in 0..99")
    seven = f"{1_000_000 + n:07d}"
    partial = sum(w * int(d) for w, d in zip(_WEIGHTS, seven, strict=False))
    # Choose the eighth digit so that the check digit (ninth) is a single digit.
    for eighth in range(10):
        check = (partial + 2 * eighth) % 11
        if check < 10:
            return f"{seven}{eighth}{check}L{sub:02d}"
    raise AssertionError("unreachable: two consecutive eighth digits give different check digits")
