"""The a.s.r. registry: data models of the contract, its HTTP client."""

__all__: list[str] = []  # the modules are the interface: import them by name
