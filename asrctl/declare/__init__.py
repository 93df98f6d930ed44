"""What the office declares: asrctl.yaml and the employer files.

model (pydantic, the source of schemas/), yamlpos and load (read with positions), semantics,
schema and schema_problems (validation, located problems), lhn (the loonheffingennummer's 11-test).
"""

__all__: list[str] = []  # the modules are the interface: import them by name
