"""asrctl: declare the employers a payroll office connects to a.s.r.'s payroll coupling, as code."""

__version__ = "0.1.0"
