"""Use cases. Each runs in the caller's session as one transaction and raises domain errors."""
