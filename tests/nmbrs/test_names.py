"""Company name near misses (only exact counts) and lenient DGA name matching."""

from __future__ import annotations

import pytest

from asrctl.nmbrs.names import describe_difference, near_misses, same_person

DECLARED = "Bakkerij De Vries B.V."


@pytest.mark.parametrize(
    ("found", "how"),
    [
        ("Bakkerij de Vries B.V.", "differs in case"),
        ("Bakkerij De Vries BV", "differs in punctuation: '.'"),
        ("Bakkerij De Vries B.V", "differs in punctuation: '.'"),
        ("Bakkerij  De Vries B.V.", "differs in spaces"),
        ("Bakkerij De Vries B.V. ", "differs in spaces"),
        ("bakkerij de vries bv", "differs in case and punctuation: '.'"),
        ("Bakkerij De Vries, B.V.", "differs in punctuation: ','"),
        ("Bakkerij De Vreis B.V.", "differs in spelling (2 characters)"),
        ("Bakery De Vries B.V.", "differs in spelling (3 characters)"),       # the most that counts
        ("Bakkerij De Vris BV", "differs in spelling (1 character) and punctuation: '.'"),
        ("Bakkerij De-Vries B.V.", "differs in spaces and punctuation: '-'"),
        ("BAKKERIJ DE VRIES B.V.", "differs in case"),
        ("Bakkerij De Vries B.V.", None),        # exact: not a near miss
        ("Slagerij De Vries B.V.", None),        # 4 letters apart
        ("Garage Jansen", None),
    ],
)
def test_describe_difference(found: str, how: str | None) -> None:
    assert describe_difference(DECLARED, found) == how


def test_short_names_need_to_be_closer() -> None:
    assert describe_difference("ABC BV", "XYZ BV") is None
    assert describe_difference("ABC BV", "ABD BV") == "differs in spelling (1 character)"


def test_near_misses_closest_first_and_bounded() -> None:
    candidates = ["Garage", "Bakkerij De Vries BV", "Bakkerij de Vries B.V.", "bakkerij de vries bv",
                  "Bakkerij De Vreis B.V.", "Bakkerij de Vries B.V."]
    found = near_misses(DECLARED, candidates)
    # same letters first (by edit distance), spelling differences after; at most three
    assert [name for name, _ in found] == ["Bakkerij de Vries B.V.", "Bakkerij De Vries BV", "bakkerij de vries bv"]
    assert near_misses(DECLARED, ["Bakkerij De Vreis B.V.", "Garage"]) == [
        ("Bakkerij De Vreis B.V.", "differs in spelling (2 characters)")
    ]


@pytest.mark.parametrize(
    ("declared", "in_nmbrs", "same"),
    [
        ("J. de Vries", "J. de Vries", True),
        ("J. de Vries", "Jan de Vries", True),
        ("J. de Vries", "Vries, J. de", True),
        ("J.P. de Vries", "Jan Pieter de Vries", True),
        ("j. DE VRIES", "J. de Vries", True),
        ("J. de Vries", "Jan Pieter de Vries", False),
        ("K. de Vries", "J. de Vries", False),
        ("P. Jansen", "J. de Vries", False),
    ],
)
def test_same_person(declared: str, in_nmbrs: str, same: bool) -> None:
    assert same_person(declared, in_nmbrs) is same
