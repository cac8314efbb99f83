"""The OpenID provider of the single sign-on tests: the certified ``oidc-provider`` from the
npm registry (tests/oidc/provider/, versions pinned by its package-lock.json), run by Node.js
on loopback, with one client (the service) and the test people below.

``npm ci`` runs once, where tests/oidc/provider/node_modules is missing or holds other
versions than the lock file; without Node.js, npm or the registry the tests fail, loudly,
and never skip. One provider serves the whole test session (``shared``); a person signs in
on its login form with plain HTTP (``sign_in_at_provider``) or in Chromium.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

PROVIDER_DIR = Path(__file__).resolve().parent / "provider"
NPM_CI_SECONDS = 300
STARTUP_SECONDS = 30

CLIENT_ID = "moderation-redaktion"
CLIENT_SECRET = "geheimnis-der-redaktion-nur-fuer-tests"
# Registered without a port: the client is native (RFC 8252), so any loopback port matches
# (the browser tests' service listens where it can).
REDIRECT_URI = "http://127.0.0.1/redaktion/anmelden/sso/zurueck"
PASSWORD = "Passwort beim Anbieter"
PROVIDER_NAME = "Keycloak"


def _person(email: str, name: str, groups: list[str], verified: bool = True) -> dict:
    return {"password": PASSWORD, "claims": {"email": email, "email_verified": verified,
                                             "name": name, "groups": groups}}


# Logins at the provider, and what it says about each.
PEOPLE = {
    "jana": _person("jana.krueger@zeitung.de", "Jana Krüger", ["redaktion"]),
    "petra": _person("petra.chefin@zeitung.de", "Petra Chefin", ["redaktion", "chefredaktion"]),
    "anna": _person("Anna@Zeitung.DE", "Anna Schmidt", ["chefredaktion"]),
    "lena": _person("lena.vogel@zeitung.de", "Lena Vogel", ["redaktion"]),
    "gesperrt": _person("gesperrt@zeitung.de", "Gesperrt", ["redaktion"]),
    "max": _person("max@fremd.example", "Max Fremd", ["redaktion"]),
    "praktikant": _person("praktikant@zeitung.de", "Paul Praktikant", ["praktikum"]),
    "ungeprueft": _person("ungeprueft@zeitung.de", "Uwe Ungeprüft", ["redaktion"],
                          verified=False),
}
# The service's settings for this provider (MODERATION_OIDC_* without the prefix).
SETTINGS = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "scopes": "openid,email,profile,groups", "provider_name": PROVIDER_NAME,
            "email_domains": "zeitung.de", "group_claim": "groups",
            "editor_groups": "redaktion", "admin_groups": "chefredaktion"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _locked_version() -> str:
    lock = json.loads((PROVIDER_DIR / "package-lock.json").read_text())
    return lock["packages"]["node_modules/oidc-provider"]["version"]


def _installed_version() -> str | None:
    manifest = PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.is_file() else None


def install() -> None:
    """``npm ci`` where node_modules is missing or out of date with the lock file."""
    if _installed_version() == _locked_version():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("The single sign-on tests need Node.js and npm (Debian: apt-get "
                           "install nodejs npm).")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR,  # noqa: S603
                          capture_output=True, text=True, timeout=NPM_CI_SECONDS, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"npm ci failed in {PROVIDER_DIR}:\n{done.stdout}\n{done.stderr}")


@dataclass
class Provider:
    """A running provider: its issuer (http://localhost:<port>) and its log."""

    issuer: str
    process: subprocess.Popen
    log: Path

    def settings(self) -> dict[str, str]:
        """The service's MODERATION_OIDC_* settings (without the prefix) for this provider."""
        return {"issuer": self.issuer, **SETTINGS}

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def start(folder: Path) -> Provider:
    install()
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("The single sign-on tests need Node.js (apt-get install nodejs).")
    port = _free_port()
    issuer = f"http://localhost:{port}"
    settings = folder / "provider.json"
    settings.write_text(json.dumps({
        "issuer": issuer, "port": port, "people": PEOPLE,
        "clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                     "application_type": "native", "redirect_uris": [REDIRECT_URI],
                     "response_types": ["code"], "grant_types": ["authorization_code"],
                     "token_endpoint_auth_method": "client_secret_basic"}]}))
    log = folder / "provider.log"
    with log.open("w") as output:
        process = subprocess.Popen([node, str(PROVIDER_DIR / "provider.mjs"),  # noqa: S603
                                    str(settings)], cwd=PROVIDER_DIR, stdout=output,
                                   stderr=subprocess.STDOUT)
    provider = Provider(issuer, process, log)
    _wait_until_ready(provider)
    return provider


def _wait_until_ready(provider: Provider) -> None:
    discovery = provider.issuer + "/.well-known/openid-configuration"
    for _ in range(STARTUP_SECONDS * 10):
        if provider.process.poll() is not None:
            break
        try:
            if requests.get(discovery, timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    provider.stop()
    raise RuntimeError(f"The OpenID provider did not start:\n{provider.log.read_text()}")


_shared: Provider | None = None


def shared(config: pytest.Config, folder: Path) -> Provider:
    """The session's provider: started for the first test that needs it, stopped when the
    session ends (the browser tests and tests/oidc use the same one)."""
    global _shared
    if _shared is None:
        _shared = start(folder)
        config.add_cleanup(_stop_shared)
    return _shared


def _stop_shared() -> None:
    global _shared
    if _shared is not None:
        _shared.stop()
        _shared = None


FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


def sign_in_at_provider(authorization_url: str, login: str, password: str = PASSWORD) -> str:
    """Follow the service's authorization URL as a browser would, sign in on the provider's
    form, and return where the provider sends the browser back to (the callback URL)."""
    browser = requests.Session()
    provider = urlsplit(authorization_url).netloc
    url, answer = _follow(browser, provider, authorization_url,
                          browser.get(authorization_url, allow_redirects=False, timeout=10))
    form = FORM_ACTION.search(answer.text)
    assert answer.status_code == 200 and form, f"no login form: {answer.text[:500]}"
    action = urljoin(url, form.group(1))
    url, answer = _follow(browser, provider, action, browser.post(
        action, data={"login": login, "password": password}, allow_redirects=False,
        timeout=10))
    assert urlsplit(url).netloc != provider, (
        f"the provider did not send the browser back: {answer.status_code} {answer.text[:500]}")
    return url


def _follow(browser: requests.Session, provider: str, url: str,
            answer: requests.Response) -> tuple[str, requests.Response]:
    """Follow redirects within the provider; stop at the first that leaves it."""
    while answer.is_redirect:
        url = urljoin(url, answer.headers["Location"])
        if urlsplit(url).netloc != provider:
            break
        answer = browser.get(url, allow_redirects=False, timeout=10)
    return url, answer
