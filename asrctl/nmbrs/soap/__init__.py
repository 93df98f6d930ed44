"""The Nmbrs SOAP v3 provider: zeep clients, transport and the WSDLs (loaded only when used)."""

__all__: list[str] = []  # the modules are the interface: import them by name
