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


@pytest.mark.parametrize(
    ("found", "how"),
    [
        ("Bakkerij\u00a0De Vries B.V.",
         ("differs in a look-alike or invisible character: U+00A0 no-break space at position 9 "
         "where the declared name has U+0020 space")),
        ("Bakkerij\u200b De Vries B.V.",
         ("differs in a look-alike or invisible character: U+200B zero width space at position 9, "
         "not in the declared name")),
        ("B\u0430kkerij De Vries B.V.",
         ("differs in a look-alike or invisible character: U+0430 cyrillic small letter a at position 2 "
         "where the declared name has 'a'")),
        ("B\u0430kk\u0435rij D\u0435 Vri\u0435s B.V.",  # four Cyrillic letters: still named, not "too different"
         ("differs in look-alike or invisible characters: U+0430 cyrillic small letter a at position 2 "
         "where the declared name has 'a'; U+0435 cyrillic small letter ie at position 5 where the declared "
         "name has 'e'; U+0435 cyrillic small letter ie at position 11 where the declared name has 'e'; "
         "and 1 more")),
        ("Bakkerij De Vries B\u2024V.",
         ("differs in a look-alike or invisible character: U+2024 one dot leader at position 20 "
         "where the declared name has '.'")),
        ("bakkerij\u00a0De Vries B.V.",  # a look-alike and a plain difference: both said
         ("differs in a look-alike or invisible character: U+00A0 no-break space at position 9 "
         "where the declared name has U+0020 space, and in case")),
    ],
)
def test_look_alike_characters_are_named(found: str, how: str) -> None:
    assert describe_difference(DECLARED, found) == how


def test_a_look_alike_in_the_declared_name_is_named_too() -> None:
    assert describe_difference("Garage\u00a0Jansen", "Garage Jansen") == (
        "differs in a look-alike or invisible character: U+0020 space at position 7 "
        "where the declared name has U+00A0 no-break space")
    assert describe_difference("Garage Jansen\u200b", "Garage Jansen") == (
        "differs in a look-alike or invisible character: the declared name has U+200B zero width space "
        "at position 14, not in Nmbrs")
