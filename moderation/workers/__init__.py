"""Background entry points: they claim jobs and feed them to the domain."""
