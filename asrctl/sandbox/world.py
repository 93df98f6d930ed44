"""The Nmbrs simulator's world: who can log in, which calls are Active, and the payroll data they see.

World YAML format (all keys below; unknown keys are an error)::

    environment: voorbeeld            # optional default subdomain for logins (default "sandbox")
    employee_types:                   # optional; what EmployeeType_GetList answers. Default: Nmbrs's seven types,
      - {id: 3, description: Payroll, employed: current}   # ids 1-7 in the REST enum's order (payroll = 3).
                                      # employed: current | ended | none (what Employment_GetAll answers)
    logins:
      - username: api-asr@voorbeeld.nl           # the Nmbrs login (e-mail)
        token: sandbox-token-kantoor             # its API token (a fake: the simulator's only "secret")
        domain: voorbeeld                        # environment subdomain; full domain is <domain>.nmbrs.nl
        model: overarching                       # overarching (accountant login) | per_debtor (master company login)
        rights: asr-overarching                  # optional; see below. Default: a.s.r.'s list for the model
        extra_rights: [DebtorService.List_GetAll]       # optional, added to `rights`
        missing_rights: [EmployeeService.Partner_Get]   # optional, removed from `rights`
        tag: a.s.r.                              # overarching: sees only debtors with this tag (omit: all debtors)
        debtor: "1042"                           # per_debtor: the debtor number the login belongs to
        companies: [2001]                        # per_debtor, optional: only these company ids of that debtor
        active: true                             # false: the user was deactivated (every call: fault 1001)
        subscription: true                       # false: no valid subscription (every call after login: fault 1004)
        password: geheim                         # REST only: for the simulator's login form (default: the token)
        name: Kantoor API                        # REST only: the user's name in GET /api/user/info
        rest_scopes: [company.info.read, ...]    # REST only: the scopes this user's consent can grant (default: all asked)
    debtors:
      - {id: 101, number: "1042", name: Bakkerij De Vries Holding, tags: [a.s.r.]}
    companies:
      - id: 2001                                 # optional; ids are assigned when omitted
        number: 1                                # optional; assigned per debtor when omitted
        name: Bakkerij De Vries B.V.
        debtor: "1042"                           # debtor number
        loonaangifte_tijdvak: Month              # None | Month | Week4 | Month6 | Year (alias LoonaangifteTijdvak)
        employees:
          - id: 30001                            # optional
            number: 1                            # personeelsnummer; optional, assigned in order
            display_name: J. de Vries            # alias: name
            type: 3                              # EmployeeType id (default: the first type employed: current)
            rest_type: payroll                   # REST employeeType (default payroll)
            svw: {ww: false, zw: false, wao_wia: false}   # aliases Ww/Zw/Wao_Wia; default all true; null: no SVW data

`rights` is a list of "Service.Operation" names as Nmbrs' rights screen shows them, or one of the
shorthands `asr-overarching` / `asr-per-debtor` (exactly a.s.r.'s list of API-FACTS.md §6) or
`all` (every call the simulator serves). DebtorService.Environment_Get needs no right.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

import yaml
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, model_validator

from asrctl.errors import ConfigError
from asrctl.nmbrs.soap.calls import REQUIRED_CALLS, SERVICES, rights_name

PayPeriod = Literal["None", "Month", "Week4", "Month6", "Year"]

# Every call the simulator serves, as rights-list names (the bundled WSDL's operations).
SERVED_CALLS: tuple[str, ...] = (
    "DebtorService.Environment_Get",
    "DebtorService.List_GetAll",
    "DebtorService.Tags_Get",
    "CompanyService.List_GetAll",
    "CompanyService.List_GetByDebtor",
    "CompanyService.Company_GetCurrentPeriod",
    "CompanyService.Run_GetList",
    "CompanyService.Reports_GetWageCodesByRunCompany_v2",
    "CompanyService.Reports_GetWageCodesByRunCompany_FilterByWageCode",
    *sorted({c for c in REQUIRED_CALLS["overarching"] if not c.startswith("CompanyService.")}),
    "EmployeeService.EmployeeType_GetList",
    "EmployeeService.SVW_GetAll_AllEmployeesByCompany",
)
RIGHT_SHORTHANDS: dict[str, tuple[str, ...]] = {
    "asr-overarching": REQUIRED_CALLS["overarching"],
    "asr-per-debtor": REQUIRED_CALLS["per_debtor"],
    "all": SERVED_CALLS,
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Svw(_Model):
    ww: bool = Field(default=True, validation_alias=AliasChoices("ww", "Ww"))
    zw: bool = Field(default=True, validation_alias=AliasChoices("zw", "Zw"))
    wao_wia: bool = Field(default=True, validation_alias=AliasChoices("wao_wia", "Wao_Wia"))


class WorldEmployee(_Model):
    id: int | None = None
    number: int | None = None
    display_name: str = Field(validation_alias=AliasChoices("display_name", "name", "DisplayName"))
    type: int | None = None  # None: the world's payroll type
    rest_type: Literal[
        "applicant", "newHire", "payroll", "formerPayroll", "external", "formerExternal", "rejectedApplicant"
    ] = "payroll"
    svw: Svw | None = Field(default_factory=Svw)


class WorldCompany(_Model):
    id: int | None = None
    number: int | None = None
    name: str
    debtor: str
    loonaangifte_tijdvak: PayPeriod = Field(
        default="Month", validation_alias=AliasChoices("loonaangifte_tijdvak", "LoonaangifteTijdvak")
    )
    employees: list[WorldEmployee] = Field(default_factory=list)


class WorldDebtor(_Model):
    id: int | None = None
    number: str
    name: str
    tags: list[str] = Field(default_factory=list)


class EmployeeTypeDef(_Model):
    id: int
    description: str
    employed: Literal["current", "ended", "none"] = "none"


# Nmbrs's employee types (NM-types; REST enum order). The SOAP ids are unpublished: these are the
# simulator's guess, configurable per world, so tests can put the payroll type at any id.
NMBRS_EMPLOYEE_TYPES: tuple[tuple[str, Literal["current", "ended", "none"]], ...] = (
    ("Applicant", "none"), ("New hire", "none"), ("Payroll", "current"), ("Former payroll", "ended"),
    ("External", "none"), ("Former external", "ended"), ("Rejected applicant", "none"),
)


class WorldLogin(_Model):
    username: str
    token: str = Field(min_length=1)
    domain: str | None = None
    model: Literal["overarching", "per_debtor"] = "overarching"
    rights: str | list[str] | None = None
    extra_rights: list[str] = Field(default_factory=list)
    missing_rights: list[str] = Field(default_factory=list)
    tag: str | None = None
    debtor: str | None = None
    companies: list[int] | None = None
    active: bool = True
    subscription: bool = True
    password: str | None = None
    name: str | None = None
    rest_scopes: list[str] | None = None

    def active_calls(self) -> frozenset[str]:
        """The calls set Active in this login's template (rights-list names)."""
        rights = self.rights
        if rights is None:
            base: tuple[str, ...] = REQUIRED_CALLS[self.model]
        elif isinstance(rights, str):
            base = RIGHT_SHORTHANDS[rights]
        else:
            base = tuple(rights)
        norm = {rights_name(c) for c in (*base, *self.extra_rights)}
        return frozenset(norm - {rights_name(c) for c in self.missing_rights})


class World(_Model):
    environment: str = "sandbox"
    employee_types: list[EmployeeTypeDef] = Field(
        default_factory=lambda: [
            EmployeeTypeDef(id=i, description=d, employed=e) for i, (d, e) in enumerate(NMBRS_EMPLOYEE_TYPES, 1)
        ]
    )
    logins: list[WorldLogin] = Field(default_factory=list)
    debtors: list[WorldDebtor] = Field(default_factory=list)
    companies: list[WorldCompany] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> World:
        """Assign missing ids and numbers, then check references and uniqueness."""
        _assign(self.debtors, start=100)
        _assign(self.companies, start=2000)
        next_employee_id = count(max([e.id or 0 for c in self.companies for e in c.employees] + [30000]) + 1)
        payroll = next((t.id for t in self.employee_types if t.employed == "current"), None)
        per_debtor_number: dict[str, int] = {}
        for company in self.companies:
            if company.number is None:
                per_debtor_number[company.debtor] = per_debtor_number.get(company.debtor, 0) + 1
                company.number = per_debtor_number[company.debtor]
            numbers = count(max([e.number or 0 for e in company.employees] + [0]) + 1)
            for employee in company.employees:
                if employee.id is None:
                    employee.id = next(next_employee_id)
                if employee.number is None:
                    employee.number = next(numbers)
                if employee.type is None:
                    employee.type = payroll if payroll is not None else 1
        debtor_numbers = {d.number for d in self.debtors}
        problems: list[str] = []
        for kind, ids in (
            ("debtor id", [d.id for d in self.debtors]),
            ("debtor number", [d.number for d in self.debtors]),
            ("company id", [c.id for c in self.companies]),
            ("employee id", [e.id for c in self.companies for e in c.employees]),
            ("login username", [login.username for login in self.logins]),
        ):
            seen: set[object] = set()
            for value in ids:
                if value in seen:
                    problems.append(f"duplicate {kind} {value!r}")
                seen.add(value)
        for company in self.companies:
            if company.debtor not in debtor_numbers:
                problems.append(f"company {company.name!r}: unknown debtor {company.debtor!r}")
            if len({e.number for e in company.employees}) != len(company.employees):
                problems.append(f"company {company.name!r}: duplicate employee numbers")
        for login in self.logins:
            if login.domain is None:
                login.domain = self.environment
            if isinstance(login.rights, str) and login.rights not in RIGHT_SHORTHANDS:
                problems.append(
                    f"login {login.username}: rights must be a list or one of {', '.join(RIGHT_SHORTHANDS)}"
                )
            listed = login.rights if isinstance(login.rights, list) else []
            for call in (*listed, *login.extra_rights, *login.missing_rights):
                if rights_name(call) not in SERVED_CALLS or call.partition(".")[0] not in SERVICES:
                    problems.append(f"login {login.username}: unknown call {call!r} (write Service.Operation)")
            if login.model == "per_debtor" and login.debtor not in debtor_numbers:
                problems.append(f"login {login.username}: per_debtor needs `debtor:` naming a known debtor number")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # --- lookups the simulator uses -------------------------------------------------------------

    def employed(self, employee: WorldEmployee) -> Literal["current", "ended", "none"]:
        return next((t.employed for t in self.employee_types if t.id == employee.type), "none")

    def login(self, username: str | None) -> WorldLogin | None:
        return next((login for login in self.logins if login.username == username), None)

    def visible_debtors(self, login: WorldLogin) -> list[WorldDebtor]:
        if login.model == "per_debtor":
            return [d for d in self.debtors if d.number == login.debtor]
        if login.tag is not None:
            return [d for d in self.debtors if login.tag in d.tags]
        return list(self.debtors)

    def visible_companies(self, login: WorldLogin) -> list[WorldCompany]:
        numbers = {d.number for d in self.visible_debtors(login)}
        companies = [c for c in self.companies if c.debtor in numbers]
        if login.model == "per_debtor" and login.companies is not None:
            companies = [c for c in companies if c.id in login.companies]
        return companies


K = TypeVar("K")
Kind = Literal["debtor", "company", "employee"]


@dataclass(frozen=True)
class LoginScope(Generic[K]):
    """What one login can see, indexed by the ids its API uses (a world of thousands of companies
    answers in O(1) per call)."""

    debtors: list[WorldDebtor]
    companies: list[WorldCompany]
    debtor_by_id: dict[K, WorldDebtor]
    company_by_id: dict[K, WorldCompany]
    employee_by_id: dict[K, WorldEmployee]


class LoginScopes(Generic[K]):
    """Each login's LoginScope, made once per login, and the lookups a simulator answers with.

    The simulators differ only in how their API names a world id (`key`: SOAP the int itself, REST a
    uuid made of it) and in what they answer for an id the login cannot see (`hidden` makes the error).
    The world is read when a login first calls: do not change it while a simulator runs.
    """

    def __init__(self, world: World, key: Callable[[Kind, int], K], hidden: Callable[[Kind], Exception]) -> None:
        self._world = world
        self._key = key
        self._hidden = hidden
        self._lock = threading.Lock()
        self._scopes: dict[str, LoginScope[K]] = {}

    def of(self, login: WorldLogin) -> LoginScope[K]:
        with self._lock:
            scope = self._scopes.get(login.username)
            if scope is None:
                scope = self._scopes[login.username] = self._make(login)
            return scope

    def _make(self, login: WorldLogin) -> LoginScope[K]:
        key = self._key
        debtors = self._world.visible_debtors(login)
        companies = self._world.visible_companies(login)
        return LoginScope(
            debtors=debtors,
            companies=companies,
            debtor_by_id={key("debtor", d.id): d for d in debtors if d.id is not None},
            company_by_id={key("company", c.id): c for c in companies if c.id is not None},
            employee_by_id={key("employee", e.id): e for c in companies for e in c.employees if e.id is not None},
        )

    def debtor(self, login: WorldLogin, debtor_id: K) -> WorldDebtor:
        found = self.of(login).debtor_by_id.get(debtor_id)
        if found is None:
            raise self._hidden("debtor")
        return found

    def company(self, login: WorldLogin, company_id: K) -> WorldCompany:
        found = self.of(login).company_by_id.get(company_id)
        if found is None:
            raise self._hidden("company")
        return found

    def employee(self, login: WorldLogin, employee_id: K) -> WorldEmployee:
        found = self.of(login).employee_by_id.get(employee_id)
        if found is None:
            raise self._hidden("employee")
        return found


def _assign(items: list[WorldDebtor] | list[WorldCompany], *, start: int) -> None:
    ids = count(max([item.id or 0 for item in items] + [start]) + 1)
    for item in items:
        if item.id is None:
            item.id = next(ids)


def load_world(path: Path | str) -> World:
    """Read and check a world YAML file; problems raise ConfigError naming the file and the place.

    Never the file's text: a `sandbox:` URL may name any file, and its lines are not ours to print.
    """
    path = Path(path)
    hint = "see the format in asrctl/sandbox/world.py"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read world file {path}: {exc.strerror or exc.__class__.__name__}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"world file {path} is not UTF-8 text", hint=hint) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{at}: the world file is not valid YAML", hint=hint) from None
    if not isinstance(data, dict):
        raise ConfigError(f"world file {path} is not a world (a mapping with logins, debtors, companies)",
                          hint=hint)
    try:
        return World.model_validate(data)
    except ValidationError as exc:
        details = "; ".join(_place(err) for err in exc.errors(include_input=False)[:5])
        raise ConfigError(f"world file {path} is invalid: {details}", hint=hint) from None


def _place(err: Any) -> str:
    # Keys come from the file: a short identifier is shown (a misspelt field), anything else is not.
    loc = [p if isinstance(p, int) or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", str(p)) else "?"
           for p in err["loc"]]
    where = ".".join(str(p) for p in loc) or "(top)"
    if err["type"] == "extra_forbidden":
        return f"{where}: an unknown key"
    return f"{where}: {err['msg']}"