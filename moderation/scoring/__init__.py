"""Scorer backends behind one protocol. Leaves: they know nothing of the database."""
