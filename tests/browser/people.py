"""People who sign in to the workspace: their accounts, and the sign-in form filled in the
way a person fills it in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from playwright.sync_api import Page

from moderation.accounts import manage
from moderation.db import Database
from moderation.domain import Role
from moderation.services import audit


@dataclass(frozen=True)
class Person:
    """An account on the service, with the password it signs in with."""

    email: str
    name: str
    password: str
    role: str = "editor"


def create_account(database_url: str, person: Person) -> None:
    """An account for ``person``, made by the service ``moderation users create`` calls
    (the command itself is tested in tests/test_cli.py; in-process is seconds faster)."""
    with Database(database_url) as database, database.transaction() as session:
        manage.create_account(session, email=person.email, name=person.name,
                              role=Role(person.role), password=person.password, locale="de",
                              actor=audit.CLI, now=datetime.now(UTC))


def sign_in(page: Page, person: Person) -> None:
    """Sign in through the form; returns once the page shows the person signed in."""
    page.goto("/redaktion/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(person.email)
    page.get_by_label("Passwort").fill(person.password)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("button", name="Abmelden", exact=True).wait_for()
