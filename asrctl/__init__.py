"""asrctl: declare the employers a payroll office connects to a.s.r.'s payroll coupling, as code."""

__all__ = ["__version__"]

__version__ = "0.1.0"
