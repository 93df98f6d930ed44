"""Name comparison: near misses of company names (only exact counts) and lenient DGA name matching."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from rapidfuzz.distance import Levenshtein

from asrctl.i18n import N_, Message, _, join
from asrctl.printable import char_name, looks_like_another

MAX_DISTANCE = 3
MAX_NEAR_MISSES = 3


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P")


def _without_punct(text: str) -> str:
    return "".join(ch for ch in text if not _is_punct(ch))


def _key(text: str) -> str:
    """Case, whitespace and punctuation removed: names equal under this key are near misses."""
    return "".join(_without_punct(text).casefold().split())


def describe_difference(wanted: str, found: str) -> str | None:
    """How `found` differs from `wanted` ("differs in case", ...), or None when it is not a near miss.

    Exact equality is not a near miss (None too): callers handle the exact match first.
    """
    if wanted == found:
        return None
    alike, plain = _look_alikes(wanted, found)
    if alike:
        rest = describe_difference(wanted, plain)
        if plain != wanted and rest is None:
            return None
        if rest is None:
            return alike
        reasons = rest.params.get("reasons", rest) if isinstance(rest, Message) else rest
        return _("{alike}, and in {reasons}", alike=alike, reasons=reasons)
    key_wanted, key_found = _key(wanted), _key(found)
    reasons = []
    if key_wanted != key_found:
        allowed = min(MAX_DISTANCE, max(1, min(len(key_wanted), len(key_found)) // 3))
        distance = Levenshtein.distance(key_wanted, key_found, score_cutoff=allowed)
        if distance > allowed:
            return None
        reasons.append(N_("spelling ({n} character)", "spelling ({n} characters)", distance))
    else:
        if "".join(_without_punct(wanted).split()) != "".join(_without_punct(found).split()):
            reasons.append(_("case"))
        if _without_punct(wanted).casefold() != _without_punct(found).casefold():
            reasons.append(_("spaces"))
    punct_wanted = Counter(ch for ch in wanted if _is_punct(ch))
    punct_found = Counter(ch for ch in found if _is_punct(ch))
    marks = sorted(set((punct_wanted - punct_found) + (punct_found - punct_wanted)))
    if marks:
        reasons.append(_("punctuation: {marks}", marks=", ".join(f"'{m}'" for m in marks)))
    listed = (reasons or [_("spaces")])[0]
    for reason in reasons[1:]:
        listed = _("{a} and {b}", a=listed, b=reason)
    return _("differs in {reasons}", reasons=listed)


def near_misses(wanted: str, candidates: Iterable[str], limit: int = MAX_NEAR_MISSES) -> list[tuple[str, str]]:
    """The closest candidate names with how each differs, closest first, at most `limit`."""
    found: list[tuple[bool, int, str, str]] = []
    for name in dict.fromkeys(candidates):  # unique, order kept
        how = describe_difference(wanted, name)
        if how is not None:
            # Same letters (only case, spaces or punctuation differ) before spelling differences.
            found.append((_key(wanted) != _key(name), Levenshtein.distance(wanted, name), name, how))
    found.sort()
    return [(name, how) for _, _, name, how in found[:limit]]


def _tokens(name: str) -> list[str]:
    spaced = "".join(" " if _is_punct(ch) else ch for ch in name.casefold())
    return [t for t in re.split(r"\s+", spaced) if t]


def same_person(declared: str, in_nmbrs: str) -> bool:
    """Lenient: order, case and punctuation do not matter, and an initial matches a name ("J." ~ "Jan").

    Every word on each side must be matched, so "J. de Vries" is not "Jan Pieter de Vries".
    """
    left, right = _tokens(declared), _tokens(in_nmbrs)
    if len(left) != len(right):
        return False
    remaining = list(right)
    # Whole words first, then initials, so "J. Jansen" vs "Jansen, Jan" pairs jansen=jansen and j~jan.
    pending = []
    for token in left:
        if token in remaining:
            remaining.remove(token)
        else:
            pending.append(token)
    for token in pending:
        match = next(
            (r for r in remaining if (len(token) == 1 and r.startswith(token)) or (len(r) == 1 and token.startswith(r))),
            None,
        )
        if match is None:
            return False
        remaining.remove(match)
    return not remaining


def _look_alikes(wanted: str, found: str, shown: int = 3) -> tuple[str, str]:
    """Name each edit that involves a look-alike or invisible character ("U+00A0 no-break space at
    position 9", 1-based); and `found` with those edits undone, for the ordinary comparison."""
    said: list[str] = []
    plain: list[str] = []
    at = 0
    for op in Levenshtein.editops(wanted, found):
        plain.append(wanted[at:op.src_pos])
        at = op.src_pos
        was = wanted[op.src_pos] if op.tag != "insert" else ""
        now = found[op.dest_pos] if op.tag != "delete" else ""
        if not any(looks_like_another(ch) for ch in was + now):
            plain.append(now)
            at += op.tag != "insert"
            continue
        if op.tag == "replace":
            said.append(_("{char} at position {position} where the declared name has {was}", char=_char(now),
                          position=op.dest_pos + 1, was=_char(was)))
        elif op.tag == "insert":
            said.append(_("{char} at position {position}, not in the declared name", char=char_name(now),
                          position=op.dest_pos + 1))
        else:
            said.append(_("the declared name has {char} at position {position}, not in Nmbrs", char=char_name(was),
                          position=op.src_pos + 1))
    plain.append(wanted[at:])
    if not said:
        return "", found
    listed: str = join(said[:shown], "; ")
    if len(said) > shown:
        listed = _("{listed}; and {more} more", listed=listed, more=len(said) - shown)
    message = N_("differs in a look-alike or invisible character: {listed}",
                 "differs in look-alike or invisible characters: {listed}", len(said), listed=listed)
    return message, "".join(plain)


def _char(ch: str) -> str:
    return f"'{ch}'" if ch.isascii() and ch.isprintable() and ch != " " else char_name(ch)
