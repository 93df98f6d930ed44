"""Local stand-ins for the remote services: the Nmbrs simulator and the reference a.s.r. registry."""

__all__: list[str] = []  # the modules are the interface: import them by name
