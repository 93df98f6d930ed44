"""Nmbrs: the provider interface plan code depends on, its SOAP v3 implementation, and the nmbrs.* checks.

Entry points: `observe.observe_nmbrs` (plan) and `discover.discover_companies` (import).
Importing this package is cheap: zeep, lxml and requests load only with the SOAP provider.
"""

__all__: list[str] = []  # the modules are the interface: import them by name
