"""The message catalogue (asrctl/i18n.py): complete, compiled from the committed .po, chosen as documented."""

from __future__ import annotations

import ast
import io
import json
import pickle
import string
from copy import deepcopy
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from asrctl import i18n
from asrctl.i18n import N_, Message, _, choose_language, localize

PACKAGE = Path(i18n.__file__).parent
POT = PACKAGE / "locale" / "asrctl.pot"
PO_NL = PACKAGE / "locale" / "nl" / "LC_MESSAGES" / "asrctl.po"
MO_NL = PO_NL.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": (1, 2)}  # as the Makefile's `catalogue` target: --keyword _ --keyword N_:1,2


def _catalogue(path: Path):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        return read_po(handle, locale="nl" if path == PO_NL else None)


def _extracted() -> dict[str, str]:
    """msgid → `file:line` of every message in the source tree, as `pybabel extract` finds them now."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        PACKAGE, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, f"asrctl/{filename}:{lineno}")
    return found


def _placeholders(text: str) -> set[str]:
    return {field for _lit, field, _spec, _conv in string.Formatter().parse(text) if field is not None}


def test_every_message_in_the_code_has_a_dutch_translation() -> None:
    po = _catalogue(PO_NL)
    missing, untranslated = [], []
    for msgid, where in _extracted().items():
        entry = po.get(msgid)
        if entry is None:
            missing.append(f"{where}: {msgid!r}")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.fuzzy or not all(strings):
            untranslated.append(f"{where}: {msgid!r}")
    assert not missing, "not in asrctl/locale/nl/LC_MESSAGES/asrctl.po (run `make catalogue`):\n" + "\n".join(missing)
    assert not untranslated, "no Dutch translation (empty or fuzzy):\n" + "\n".join(untranslated)


def test_the_template_is_the_extraction_of_the_code() -> None:
    template = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue(POT) if m.id}
    extracted = set(_extracted())
    assert extracted - template == set(), "new messages: run `make catalogue`"
    assert template - extracted == set(), "messages no longer in the code: run `make catalogue`"


def test_every_catalogue_entry_has_both_languages_and_the_same_placeholders() -> None:
    po = _catalogue(PO_NL)
    entries = [m for m in po if m.id]
    assert len(entries) >= 200
    assert not po.obsolete, "obsolete entries: run `make catalogue`"
    for m in entries:
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        assert all(ids) and all(strings) and not m.fuzzy, f"{m.id!r} lacks a language"
        wanted = set().union(*(_placeholders(i) for i in ids)) - ({"n"} if len(ids) > 1 else set())
        for text in strings:
            assert _placeholders(text) - {"n"} <= wanted | {"n"} and wanted <= _placeholders(text) | {"n"}, (
                f"placeholders differ: {m.id!r} → {text!r}")


def test_messages_are_literals_so_extraction_sees_them() -> None:
    """`_(f"...")` or `_(variable)` would be English forever: extraction cannot see it."""
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS:
                count = 2 if node.func.id == "N_" else 1
                args = node.args[:count]
                if len(args) < count or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                    bad.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not bad, "message ids must be string literals:\n" + "\n".join(bad)


def test_the_loaded_catalogue_is_the_compiled_po() -> None:
    """No drift between the committed .po and the .mo gettext loads (build output, never committed)."""
    assert MO_NL.exists(), "compile the catalogue: make install"
    compiled = io.BytesIO()
    write_mo(compiled, _catalogue(PO_NL), use_fuzzy=False)
    assert MO_NL.read_bytes() == compiled.getvalue(), "asrctl.mo is stale: run make install"


# --- Message: English for the machine, the chosen language at render time -----------------------

def test_a_message_is_its_english_text_and_localizes_at_render_time() -> None:
    message = _("{field} must not be empty", field="payroll.frequency")
    assert message == "payroll.frequency must not be empty"
    assert localize(message, "en") == "payroll.frequency must not be empty"
    assert localize(message, "nl") == "payroll.frequency mag niet leeg zijn"
    assert json.dumps({"message": message}) == '{"message": "payroll.frequency must not be empty"}'


def test_nested_messages_and_plurals_are_translated_values_are_not() -> None:
    nested = _("did you mean '{close}'? {more}", close="kantoor", more=_("accounts in asrctl.yaml: {names}",
                                                                        names="kantoor"))
    assert localize(nested, "nl") == "bedoel je 'kantoor'? accounts in asrctl.yaml: kantoor"
    assert localize(N_("{n} error", "{n} errors", 1), "nl") == "1 fout"
    assert localize(N_("{n} error", "{n} errors", 3), "nl") == "3 fouten"
    assert N_("{n} error", "{n} errors", 3) == "3 errors"
    # a user's value that happens to be a catalogue word stays what the user wrote
    assert localize(_("the text {value}", value="error"), "nl") == "de tekst error"


def test_a_plain_english_string_is_recognised_by_its_catalogue_pattern() -> None:
    """A message that lost its Message on the way (a plan file read back) still shows in Dutch."""
    assert localize("loonheffingennummer 123456782L01 fails the 11-test: its first 9 digits are not a "
                    "valid RSIN/BSN", "nl").startswith("loonheffingennummer 123456782L01 voldoet niet aan de elfproef")
    assert localize("the file is empty", "nl") == "het bestand is leeg"
    assert localize("Bakkerij De Vries B.V.", "nl") == "Bakkerij De Vries B.V."


@dataclass(frozen=True)
class _Holder:
    message: str


def test_messages_survive_copies_and_pickling() -> None:
    message = _("{name} not found", name="asrctl.yaml")
    for copy in (deepcopy(message), asdict(_Holder(message))["message"], pickle.loads(pickle.dumps(message))):
        assert copy == "asrctl.yaml not found" and localize(copy, "nl") == "asrctl.yaml niet gevonden"


# --- choosing the language ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("option", "environ", "config", "expected"),
    [
        ("nl", {"ASRCTL_LANG": "en", "LANG": "en_US.UTF-8"}, "en", "nl"),   # --lang first
        (None, {"ASRCTL_LANG": "nl", "LANG": "en_US.UTF-8"}, "en", "nl"),   # then ASRCTL_LANG
        (None, {"ASRCTL_LANG": "de", "LANG": "en_US.UTF-8"}, "nl", "nl"),   # an unknown value is no choice
        (None, {"LANG": "en_US.UTF-8"}, "nl", "nl"),                        # then asrctl.yaml
        (None, {"LANG": "nl_NL.UTF-8"}, None, "nl"),                        # then the locale
        (None, {"LC_ALL": "en_GB.UTF-8", "LANG": "nl_NL.UTF-8"}, None, "en"),  # LC_ALL before LANG
        (None, {"LC_MESSAGES": "nl_BE.UTF-8"}, None, "nl"),
        (None, {}, None, "en"),                                             # else English
        (None, {"LANG": "fr_FR.UTF-8"}, None, "en"),
    ],
)
def test_language_precedence(option: str | None, environ: dict[str, str], config: str | None, expected: str,
                             tmp_path: Path) -> None:
    path = tmp_path / "asrctl.yaml"
    path.write_text("organisation:\n  name: X\n" + (f"language: {config}  # taal\n" if config else ""))
    assert choose_language(option, path, environ) == expected


def test_a_missing_config_is_no_choice(tmp_path: Path) -> None:
    assert choose_language(None, tmp_path / "absent.yaml", {"LANG": "nl_NL"}) == "nl"


def test_message_type_is_str() -> None:
    assert isinstance(_("the file is empty"), str) and isinstance(_("the file is empty"), Message)
