"""The workspace's main screens: each is photographed by ``bench/screenshots.py`` and
checked in the browser by ``test_screens.py`` (axe-core, CSP, console, other hosts).
A new screen is one line here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Screen:
    """A screen: its name (the screenshot's file name), its path, and whether it needs an
    admin signed in (else nobody is)."""

    name: str
    path: str
    signed_in: bool = True


SCREENS = [
    Screen("anmelden", "/redaktion/anmelden", signed_in=False),
    Screen("start", "/redaktion/"),
    Screen("konto", "/redaktion/konto"),
    Screen("konten", "/redaktion/konten"),
]
