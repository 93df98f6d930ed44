"""What every HTTP client shares: the TLS rule and Retry-After (http), the one retry policy (retry)."""

__all__: list[str] = []  # the modules are the interface: import them by name
