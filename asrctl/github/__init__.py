"""GitHub: the pull request comment (body), the API client, and the PR flow's decisions (flows)."""

__all__: list[str] = []  # the modules are the interface: import them by name
