"""The workspace's main screens: each is photographed by ``bench/screenshots.py`` and
checked in the browser by ``test_screens.py`` (axe-core, CSP, console, other hosts).
A new screen is one line here."""

from __future__ import annotations

from dataclasses import dataclass

from tests.browser.demo import Demo


@dataclass(frozen=True)
class Screen:
    """A screen: its name (the screenshot's file name), its path (``{demo}`` in it is the
    demo data: ``{demo.appealed[0]}``), and whether it needs an admin signed in (else
    nobody is)."""

    name: str
    path: str
    signed_in: bool = True

    def url(self, demo: Demo) -> str:
        return self.path.format(demo=demo)


SCREENS = [
    Screen("anmelden", "/redaktion/anmelden", signed_in=False),
    Screen("warteschlange", "/redaktion/warteschlange"),
    Screen("gemeldet", "/redaktion/warteschlange?status=reported"),
    Screen("widerspruch", "/redaktion/warteschlange?status=appealed"),
    Screen("kommentar", "/redaktion/kommentare/{demo.reported[0]}"),
    Screen("konto", "/redaktion/konto"),
    Screen("konten", "/redaktion/konten"),
    Screen("webhooks", "/redaktion/webhooks"),
    Screen("schluessel", "/redaktion/schluessel"),
    Screen("protokoll", "/redaktion/protokoll"),
    Screen("datenschutz", "/redaktion/datenschutz"),
    Screen("mails", "/redaktion/mails"),
    Screen("artikel", "/redaktion/artikel"),
    Screen("artikelseite", "/redaktion/artikel/bahnstreik-2026"),
    Screen("richtlinie", "/redaktion/richtlinie"),
    Screen("startliste", "/redaktion/richtlinie/startlisten/drohungen"),
    Screen("richtlinie-verlauf", "/redaktion/richtlinie/verlauf"),
    Screen("kandidat", "/redaktion/richtlinie/kandidat"),
    Screen("modelle", "/redaktion/modelle"),
]
