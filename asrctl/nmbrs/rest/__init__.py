"""The Nmbrs REST provider: OAuth consent and grant store, the JSON client, the provider (REST-FACTS.md)."""
