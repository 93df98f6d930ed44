"""zeep over the bundled v3 WSDL: auth headers, fault mapping and retries for one Nmbrs call.

One `SoapClient` per run: parsing the four WSDLs is the slow part, so the zeep clients are built
once and shared by every account and thread (the auth header is passed per call).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import zeep
import zeep.exceptions

from asrctl.i18n import _
from asrctl.net.budget import CallBudget
from asrctl.net.http import is_loopback, require_tls
from asrctl.net.retry import Retryable, RetryPolicy, retry_call
from asrctl.net.session import AnswerTooLarge, DeadlineExceeded, RedirectRefused
from asrctl.nmbrs.errors import (
    UNAVAILABLE_HINT,
    NmbrsRequestError,
    NmbrsUnavailable,
    NotPermitted,
)
from asrctl.nmbrs.provider import Login
from asrctl.nmbrs.soap.calls import (
    ENVIRONMENT_GET,
    SERVICES,
    capability_of,
    namespace,
    screen_name,
    soap_operation,
    split_call,
)
from asrctl.nmbrs.soap.faults import FAULTS, NOT_ACTIVE, error_for_fault, retries_of
from asrctl.nmbrs.soap.transport import (
    CONVERSION_FAILURES,
    EndpointGone,
    NmbrsTransport,
    TransientHttpError,
    wsdl_path,
)

log = logging.getLogger("asrctl.nmbrs.soap.client")


class _Service:
    def __init__(self, name: str, endpoint_url: str, transport: NmbrsTransport, settings: zeep.Settings) -> None:
        ns = namespace(name)
        self.client = zeep.Client(str(wsdl_path(name)), transport=transport, settings=settings)
        self.proxy = self.client.create_service(f"{{{ns}}}{name}Soap", f"{endpoint_url}{name}.asmx")
        self.auth = self.client.get_element(f"{{{ns}}}AuthHeader")
        self.auth_with_domain = self.client.get_element(f"{{{ns}}}AuthHeaderWithDomain")


class SoapClient:
    """Makes one Nmbrs SOAP call: headers, retries, typed errors. Memoization is the provider's."""

    def __init__(self, endpoint_url: str, *, parallelism: int, timeout: float, retry: RetryPolicy,
                 budget: CallBudget | None = None) -> None:
        if not endpoint_url.endswith("/"):
            endpoint_url += "/"
        require_tls(endpoint_url, "nmbrs.endpoint")
        self.endpoint_url = endpoint_url
        self.transport = NmbrsTransport(
            parallelism=parallelism, timeout=timeout, budget=budget,
            trust_env=not is_loopback(urlsplit(endpoint_url).hostname),
        )
        settings = zeep.Settings(strict=False, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        self._services = {name: _Service(name, endpoint_url, self.transport, settings) for name in SERVICES}
        self._retry = retry
        self._inactive: set[tuple[tuple[str, str, str], str]] = set()
        self._inactive_lock = threading.Lock()

    @property
    def calls(self) -> int:
        return self.transport.calls

    def close(self) -> None:
        self.transport.close()

    def call(self, login: Login, call: str, args: Mapping[str, Any] | None = None) -> Any:
        """Call "Service.Operation" (rights-list name) for a login; returns zeep's result object.

        A call that answered 1002 once for this login is not sent again in this run.
        """
        with self._inactive_lock:
            if (login.key, call) in self._inactive:
                meaning = FAULTS[NOT_ACTIVE].meaning
                raise NotPermitted(_("Nmbrs refused: {meaning}", meaning=meaning), call=call, code=NOT_ACTIVE,
                                   capability=capability_of(call), reason=meaning,
                                   detail=_("{call}, fault {code}", call=screen_name(call), code=NOT_ACTIVE))
        service_name, _operation = split_call(call)
        service = self._services[service_name]
        operation = getattr(service.proxy, soap_operation(call))
        if call == ENVIRONMENT_GET:
            header = service.auth(Username=login.username, Token=login.token.reveal())
        else:
            header = service.auth_with_domain(
                Username=login.username, Token=login.token.reveal(), Domain=login.domain
            )
        params = dict(args or {})
        faults_retried = 0

        def attempt() -> Any:
            nonlocal faults_retried
            try:
                failures = CONVERSION_FAILURES.count()
                self.transport.expect_answer()
                result = operation(**params, _soapheaders=[header])
                if CONVERSION_FAILURES.count() != failures:
                    raise _unreadable(call, _("Nmbrs gave a value that does not fit its field (a number or date that is none)"))
                return result
            except RedirectRefused as exc:
                raise NmbrsRequestError(
                    _("the Nmbrs endpoint {problem}", problem=exc.message), call=call, capability=capability_of(call),
                    detail=screen_name(call), hint=_ENDPOINT_HINT,
                ) from None
            except AnswerTooLarge as exc:
                raise _unreadable(call, _("Nmbrs {problem}", problem=exc.message)) from None
            except DeadlineExceeded as exc:
                seconds = f"{exc.seconds:g}"
                late = _("no complete answer within nmbrs.timeout_seconds ({seconds} s)", seconds=seconds)
                raise Retryable(_unavailable(call, late)) from None
            except (zeep.exceptions.DTDForbidden, zeep.exceptions.EntitiesForbidden,
                    zeep.exceptions.ExternalReferenceForbidden):
                raise _unreadable(call, _("Nmbrs gave an answer with a DOCTYPE or entities (refused: Nmbrs sends none)")) from None
            except zeep.exceptions.Fault as fault:
                client_fault = "client" in str(fault.code or "").lower()
                error = error_for_fault(call, fault.message, client_fault=client_fault)
                # 1006 is retried as the policy allows, 9999 once more (the table in faults.py says how often).
                if not client_fault and faults_retried < retries_of(error.code):
                    faults_retried += 1
                    raise Retryable(error) from None
                raise error from None
            except TransientHttpError as exc:
                raise Retryable(_unavailable(call, f"HTTP {exc.status}"), retry_after=exc.retry_after) from None
            except EndpointGone as exc:
                raise NmbrsRequestError(
                    _("the Nmbrs endpoint answered HTTP {status}", status=exc.status),
                    call=call, capability=capability_of(call), detail=screen_name(call),
                    hint=_("Check nmbrs.endpoint in asrctl.yaml: normally https://api.nmbrs.nl/soap/v3/ (Nmbrs ends "
                           "SOAP on 2027-03-01)."),
                ) from None
            except zeep.exceptions.TransportError as exc:
                status = exc.status_code or 0
                if status >= 500 or status in (0, 200, 429):
                    raise Retryable(_unavailable(call, _("an unusable answer (HTTP {status})", status=status))) from None
                raise NmbrsRequestError(
                    _("the Nmbrs endpoint answered HTTP {status}", status=status),
                    call=call, capability=capability_of(call), detail=screen_name(call), hint=_ENDPOINT_HINT,
                ) from None
            except (zeep.exceptions.XMLSyntaxError, zeep.exceptions.XMLParseError) as exc:
                raise Retryable(_unavailable(call, _("a response that is not valid SOAP ({kind})",
                                                     kind=exc.__class__.__name__))) from None
            except requests.exceptions.SSLError:
                # Not transient: a certificate that does not verify will not verify on a retry.
                raise NmbrsUnavailable(
                    _("the TLS certificate of the Nmbrs endpoint could not be verified"),
                    call=call, detail=screen_name(call),
                    hint=_("Check nmbrs.endpoint (normally https://api.nmbrs.nl/soap/v3/); asrctl always verifies "
                           "certificates."),
                ) from None
            except requests.Timeout:
                raise Retryable(_unavailable(call, _("no answer within the timeout"))) from None
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                raise Retryable(_unavailable(call, _("a connection failure ({kind})", kind=_reason(exc)))) from None
            except (zeep.exceptions.Error, IndexError, AttributeError, KeyError, TypeError, ValueError) as exc:
                if not self.transport.answered():
                    raise  # before any answer: a bug in how asrctl calls zeep, not Nmbrs's doing
                # zeep trips over an answer that is XML but no SOAP answer (an empty soap:Body, a page).
                raise _unreadable(call, _("Nmbrs gave an answer that is no SOAP answer to this call ({kind})",
                                          kind=exc.__class__.__name__)) from None

        try:
            return retry_call(attempt, self._retry, what=f"Nmbrs {call}")
        except NotPermitted:
            with self._inactive_lock:
                self._inactive.add((login.key, call))
            raise


_ENDPOINT_HINT = _("Check nmbrs.endpoint in asrctl.yaml: normally https://api.nmbrs.nl/soap/v3/.")


def _unavailable(call: str, what: str) -> NmbrsUnavailable:
    return NmbrsUnavailable(_("Nmbrs gave {what}", what=what), call=call, hint=UNAVAILABLE_HINT,
                            capability=capability_of(call), detail=screen_name(call))


def _unreadable(call: str, message: str) -> NmbrsUnavailable:
    """Not retried: the same request would get the same answer."""
    return NmbrsUnavailable(
        message, call=call, capability=capability_of(call), detail=screen_name(call),
        hint=_("Check nmbrs.endpoint in asrctl.yaml (normally https://api.nmbrs.nl/soap/v3/): a proxy or a wrong "
               "address may be answering."),
    )


def _reason(exc: BaseException) -> str:
    """A short cause without URLs or bodies (requests' messages can be long)."""
    inner: BaseException = exc
    for _depth in range(10):
        if inner.__context__ is None:
            break
        inner = inner.__context__
    return inner.__class__.__name__
