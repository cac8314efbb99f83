"""Personal accounts of the editors' workspace: passwords, second factor, sessions, sign-in.

Use cases in the services' style: they take a database session and the time, write to the
audit log in the caller's transaction, and raise domain errors. Nothing here knows HTTP.
"""
