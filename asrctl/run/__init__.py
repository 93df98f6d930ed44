"""The orchestration of commands: services (I/O edges), plan, apply (its gates in order), status, import."""

__all__: list[str] = []  # the modules are the interface: import them by name
