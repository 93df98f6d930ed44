"""Names of the Nmbrs SOAP v3 API in one place: services, namespaces, calls, a.s.r.'s rights lists,
and which call serves which Capability.

A *call* is named "Service.Operation" the way Nmbrs' webservice-rights screen (Instellingen >
Gebruikers > Template Users > API-icoon) shows it; that is the name a payroll office activates.
For ReportService the SOAP operation may be spelled differently from the rights list
(API-FACTS.md §5 marks it unverified), so the SOAP names and parameters live here and nowhere
else: the bundled ReportService WSDL is filled in from `WSDL_PLACEHOLDERS`, and the simulator
serves the same names.
"""

from __future__ import annotations

from asrctl.declare.model import AccountModel
from asrctl.i18n import _
from asrctl.nmbrs.provider import Capability

NAMESPACE_BASE = "https://api.nmbrs.nl/soap/v3/"
SERVICES: tuple[str, ...] = ("DebtorService", "CompanyService", "EmployeeService", "ReportService")


def namespace(service: str) -> str:
    """The service's XML namespace, also the SOAPAction prefix."""
    return NAMESPACE_BASE + service


def split_call(call: str) -> tuple[str, str]:
    service, _, right = call.partition(".")
    return service, right


# --- ReportService spelling (unverified; see module docstring) --------------------------------------
# The rights list says "Report_...", public client code calls the SOAP operations "Reports_..." with
# lower-case parameters and one wage code per task; we follow the client code.
REPORT_BACKGROUND_RIGHT = "Report_GetWageCodesByRunCompany_FilterByWageCode_Background"
REPORT_RESULT_RIGHT = "Report_BackgroundTask_Result"
REPORT_BACKGROUND_OPERATION = "Reports_GetWageCodesByRunCompany_FilterByWageCode_Background"
REPORT_BACKGROUND_PARAMS = ("companyId", "runId", "year", "wageCode")  # int, int, int, int
REPORT_RESULT_OPERATION = "Reports_BackgroundTask_Result"
REPORT_RESULT_PARAMS = ("TaskId",)  # string

WSDL_PLACEHOLDERS: dict[str, str] = {
    "report_background_operation": REPORT_BACKGROUND_OPERATION,
    "report_background_company": REPORT_BACKGROUND_PARAMS[0],
    "report_background_run": REPORT_BACKGROUND_PARAMS[1],
    "report_background_year": REPORT_BACKGROUND_PARAMS[2],
    "report_background_wagecode": REPORT_BACKGROUND_PARAMS[3],
    "report_result_operation": REPORT_RESULT_OPERATION,
    "report_result_taskid": REPORT_RESULT_PARAMS[0],
}

# rights-list name -> SOAP operation, where they differ
_SOAP_OPERATION: dict[str, str] = {
    f"ReportService.{REPORT_BACKGROUND_RIGHT}": REPORT_BACKGROUND_OPERATION,
    f"ReportService.{REPORT_RESULT_RIGHT}": REPORT_RESULT_OPERATION,
}
_RIGHT_OF_OPERATION: dict[str, str] = {
    f"{split_call(call)[0]}.{op}": call for call, op in _SOAP_OPERATION.items()
}


def soap_operation(call: str) -> str:
    """The SOAP operation name of a call (rights-list name)."""
    return _SOAP_OPERATION.get(call, split_call(call)[1])


def right_of(service: str, operation: str) -> str:
    """The rights-list name ("Service.Operation") of a SOAP operation."""
    name = f"{service}.{operation}"
    return _RIGHT_OF_OPERATION.get(name, name)


def rights_name(call: str) -> str:
    """A call named either way ("ReportService.Reports_..." or "ReportService.Report_...") as the rights list names it."""
    return right_of(*split_call(call))


# The services as the rights screen ("Webservices rights edit") and a.s.r.'s manual name them.
SCREEN_SERVICES: dict[str, str] = {
    "DebtorService": "Debtor Services", "CompanyService": "Company Services",
    "EmployeeService": "Employee Services", "ReportService": "Report Services",
}


def screen_name(call: str) -> str:
    """A call as the rights screen shows it: "EmployeeService.Partner_Get" → "Employee Services > Partner_Get"."""
    service, operation = split_call(rights_name(call))
    return f"{SCREEN_SERVICES.get(service, service)} > {operation}" if operation else call


# --- calls asrctl makes ----------------------------------------------------------------------------
ENVIRONMENT_GET = "DebtorService.Environment_Get"  # needs no right (API-FACTS.md §6)
COMPANY_LIST = "CompanyService.List_GetAll"
EMPLOYEE_LIST = "EmployeeService.List_GetByCompany"
EMPLOYEE_SVW = "EmployeeService.SVW_GetCurrent"

COMPANY_PERIOD = "CompanyService.Company_GetCurrentPeriod"
# Optional: outside a.s.r.'s lists. A 1002 on these makes the dependent check a note.
DEBTOR_LIST = "DebtorService.List_GetAll"
DEBTOR_TAGS = "DebtorService.Tags_Get"
COMPANY_LIST_BY_DEBTOR = "CompanyService.List_GetByDebtor"
EMPLOYEE_TYPES = "EmployeeService.EmployeeType_GetList"
EMPLOYEE_SVW_BULK = "EmployeeService.SVW_GetAll_AllEmployeesByCompany"  # shape assumed, see WSDL

CALL_OF: dict[Capability, str] = {
    Capability.ENVIRONMENT: ENVIRONMENT_GET,
    Capability.LIST_COMPANIES: COMPANY_LIST,
    Capability.LIST_DEBTORS: DEBTOR_LIST,
    Capability.DEBTOR_TAGS: DEBTOR_TAGS,
    Capability.COMPANIES_BY_DEBTOR: COMPANY_LIST_BY_DEBTOR,
    Capability.EMPLOYEE_TYPES: EMPLOYEE_TYPES,
    Capability.EMPLOYEES: EMPLOYEE_LIST,
    Capability.INSURANCE_BULK: EMPLOYEE_SVW_BULK,
    Capability.INSURANCE_PER_EMPLOYEE: EMPLOYEE_SVW,
    Capability.PAY_PERIOD: COMPANY_PERIOD,
}
_CAPABILITY_OF_CALL = {call: capability for capability, call in CALL_OF.items()}


def capability_of(call: str) -> Capability | None:
    return _CAPABILITY_OF_CALL.get(rights_name(call))

EMPLOYMENTS = "EmployeeService.Employment_GetAll_AllEmployeesByCompany"  # on a.s.r.'s list

# EmployeeType for List_GetByCompany. The ids are not published (SOAP-AUDIT F2); Nmbrs's types are
# applicant, new hire, payroll, former payroll, external, former external, rejected applicant. When
# EmployeeType_GetList answers, the payroll type is picked by description (PAYROLL_TYPE, then
# EMPLOYEE_TYPE, never a FORMER_TYPE). When it does not, asrctl learns the id once per login: it lists
# each id of EMPLOYEE_TYPE_SCAN for a company and takes the one whose employees are currently employed
# (Employment_GetAll_AllEmployeesByCompany, on a.s.r.'s list). Never a fixed guess.
PAYROLL_TYPE = r"(?i)payroll|loonlijst|salaris"
EMPLOYEE_TYPE = r"(?i)werknemer|medewerker|employee|personeel"
FORMER_TYPE = r"(?i)former|voormalig|\boud|\bex\b|ex-|rejected|afgewezen|applicant|sollicitant|new hire|nieuw"
EMPLOYEE_TYPE_SCAN = range(1, 8)
EMPLOYEE_TYPE_LEARN_COMPANIES = 3  # companies tried to learn the payroll id from

# --- a.s.r.'s lists (API-FACTS.md §6; the manual's "minimaal onderstaande calls op Active") ---------
_EMPLOYEE_CALLS = (
    "Address_GetListCurrent",
    "BankAccount_GetListCurrent",
    "Children_Get",
    "Contract_GetCurrentPeriod",
    "List_GetByCompany",
    "Partner_Get",
    "PersonalInfo_GetCurrent",
    "Salary_GetAll_AllEmployeesByCompany",
    "Schedule_GetCurrent",
    "Schedule_GetList",
    "SVW_GetCurrent",
    "WageComponentFixed_GetCurrent",
    "WageComponentVar_GetCurrent",
    "Employment_GetAll_AllEmployeesByCompany",
)

REQUIRED_CALLS: dict[AccountModel, tuple[str, ...]] = {
    "overarching": (
        *(f"CompanyService.{op}" for op in ("Company_GetCurrentPeriod", "List_GetAll", "Run_GetList")),
        *(f"EmployeeService.{op}" for op in _EMPLOYEE_CALLS),
        f"ReportService.{REPORT_BACKGROUND_RIGHT}",
        f"ReportService.{REPORT_RESULT_RIGHT}",
    ),
    "per_debtor": (
        *(
            f"CompanyService.{op}"
            for op in (
                "Company_GetCurrentPeriod",
                "List_GetAll",
                "Reports_GetWageCodesByRunCompany_FilterByWageCode",
                "Reports_GetWageCodesByRunCompany_v2",
                "Run_GetList",
            )
        ),
        *(f"EmployeeService.{op}" for op in _EMPLOYEE_CALLS),
    ),
}

# Where a payroll employee switches calls on and sets the login's scope (a.s.r.'s manual, per model):
# an accountant login's template user is kept at office level, a master company login's at debtor level.
RIGHTS_SCREEN: dict[AccountModel, str] = {
    # Nmbrs's own screen words, the same in Dutch: in the catalogue, so the Dutch output owns them too.
    "overarching": _("Instellingen > Gebruikers > Template Users > API-icoon"),
    "per_debtor": _("the debtor (Debiteur) > Gebruikersaccounts > User templates > API-icoon"),
}
TEMPLATE_OF: dict[AccountModel, str] = {
    "overarching": _("the template user of this login"),
    "per_debtor": _("the user template of this master company login"),
}
LOGINS_SCREEN: dict[AccountModel, str] = {
    "overarching": _("Instellingen > Gebruikers > Logins"),
    "per_debtor": _("the debtor (Debiteur) > Gebruikersaccounts > Klant Logins"),
}
