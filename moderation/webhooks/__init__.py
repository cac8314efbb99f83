"""Webhook delivery's leaves: signing, the SSRF check, the HTTP sender. No database, no Flask."""
