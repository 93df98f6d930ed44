"""The a.s.r. registry: data models of the contract, its HTTP client."""
