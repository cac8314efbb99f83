"""People who sign in to the workspace: accounts made the way an admin makes them, and the
sign-in form filled in the way a person fills it in."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page


@dataclass(frozen=True)
class Person:
    """An account on the service, with the password it signs in with."""

    email: str
    name: str
    password: str
    role: str = "editor"


def create_account(database_url: str, person: Person) -> None:
    """``moderation users create`` for ``person``, the password on standard input."""
    done = subprocess.run(  # noqa: S603
        [str(Path(sys.executable).parent / "moderation"), "users", "create",
         "--email", person.email, "--name", person.name, "--role", person.role,
         "--password-stdin"],
        input=person.password + "\n", text=True, capture_output=True, check=False,
        env={**os.environ, "MODERATION_DATABASE_URL": database_url})
    if done.returncode != 0:
        raise RuntimeError(f"moderation users create failed:\n{done.stdout}{done.stderr}")


def sign_in(page: Page, person: Person) -> None:
    """Sign in through the form; returns once the page shows the person signed in."""
    page.goto("/redaktion/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(person.email)
    page.get_by_label("Passwort").fill(person.password)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("button", name="Abmelden", exact=True).wait_for()
