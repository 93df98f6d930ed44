"""The Nmbrs REST provider: OAuth consent and grant store, the JSON client, the provider (REST-FACTS.md)."""

__all__: list[str] = []  # the modules are the interface: import them by name
