"""Desired vs observed → Plan: pure, no I/O (make; desired builds the registration a file asks for)."""

__all__: list[str] = []  # the modules are the interface: import them by name
