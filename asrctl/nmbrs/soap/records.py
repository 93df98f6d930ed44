"""Nmbrs records read by element name, whatever their order and whatever else they hold.

v2.1 and v3 answer the same records with different element sets and orders (SOAP-AUDIT F1), and
zeep stops filling an `xs:sequence` type at the first element it does not expect. So the bundled
WSDL declares each record the checks read as `xs:any` (zeep hands over the raw elements), and this
module picks the fields by local name with strict typing. A record that lacks a field a check needs,
or holds a value that is not of its type, raises `Unreadable` naming the call and the field: a check
that cannot read is said to be unverified, never taken for "no data".
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from asrctl.i18n import _
from asrctl.nmbrs.errors import UNREADABLE, UNREADABLE_HINT, Unreadable
from asrctl.nmbrs.soap.calls import capability_of, screen_name

_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_WHOLE_NUMBER = _("a whole number")
_TRUE_OR_FALSE = _("true or false")


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _is_nil(element: Any) -> bool:
    return element is not None and element.get(_XSI_NIL) in ("true", "1")


class Record:
    """One record (e.g. an Employee) of a call's answer; fields by local name, first occurrence wins."""

    def __init__(self, call: str, kind: str, elements: Any) -> None:
        self.call = call
        self.kind = kind
        self.fields: dict[str, Any] = {}
        for element in elements or ():
            name = _local(getattr(element, "tag", None))
            if name and name not in self.fields:
                self.fields[name] = element

    @classmethod
    def of(cls, call: str, kind: str, value: Any) -> Record | None:
        """The record in zeep's value of an `xs:any` type (or an lxml element); None for no data (nil, empty)."""
        if value is None:
            return None
        if isinstance(value, etree._Element):
            if _is_nil(value):
                return None
            elements: Any = list(value)
        elif isinstance(value, list):  # zeep unwraps a result whose type holds only xs:any
            elements = value
        else:
            elements = getattr(value, "_value_1", None)
        if not elements:
            return None
        return cls(call, kind, elements)

    def fail(self, field: str, value: str | None = None, expected: str | None = None) -> Unreadable:
        """Unreadable: the message in payroll words, the call, record and field (and value) in the hint."""
        where = screen_name(self.call)
        if value is None:
            message = UNREADABLE
            detail = _("{call}, record {kind} without field {field}", call=where, kind=self.kind, field=field)
        else:
            message = _("Nmbrs answered a value this check cannot read")
            detail = _("{call}, record {kind}, field {field} is {value}, not {expected}", call=where,
                       kind=self.kind, field=field, value=repr(value[:40]), expected=expected)
        return Unreadable(message, call=self.call, capability=capability_of(self.call), detail=detail,
                          hint=UNREADABLE_HINT)

    def has(self, field: str) -> bool:
        return field in self.fields

    def text(self, field: str, *, required: bool = False) -> str | None:
        element = self.fields.get(field)
        if element is None or _is_nil(element):
            if required:
                raise self.fail(field)
            return None
        return (element.text or "").strip()

    def whole(self, field: str, *, required: bool = False) -> int | None:
        raw = self.text(field, required=required)
        if raw is None:
            return None
        try:
            return int(raw)
        except ValueError:
            raise self.fail(field, raw, _WHOLE_NUMBER) from None

    def need_int(self, field: str) -> int:
        value = self.whole(field, required=True)
        assert value is not None
        return value

    def flag(self, field: str, *, required: bool = False) -> bool | None:
        raw = self.text(field, required=required)
        if raw is None:
            return None
        if raw.lower() in ("true", "1"):
            return True
        if raw.lower() in ("false", "0"):
            return False
        raise self.fail(field, raw, _TRUE_OR_FALSE)

    def children(self, field: str, item: str) -> list[Record]:
        """The records nested in `field` (e.g. EmployeeSVWSettings > EmployeeSVWSettings*)."""
        element = self.fields.get(field)
        if element is None or _is_nil(element):
            return []
        records = [Record.of(self.call, item, child) for child in element if _local(child.tag) == item]
        return [r for r in records if r is not None]
