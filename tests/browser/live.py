"""The service as deployed and the browser that visits it: ``moderation serve`` in a process of
its own on a loopback port, and Debian's Chromium driven by Playwright. Shared by the browser
tests and ``bench/screenshots.py``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Playwright

HOST = "127.0.0.1"
# Debian's package (`apt-get install chromium`); Playwright's own browser downloads are not
# used: the machines that run the tests reach no host but the package registries.
CHROMIUM = os.environ.get("MODERATION_TEST_CHROMIUM", "/usr/bin/chromium")
# Without these Chromium calls home at start-up (updates, sync, safe browsing): third-party
# requests the tests would see, and on a closed network a pile of refused connections.
CHROMIUM_ARGS = ["--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-domain-reliability", "--no-first-run",
                 "--disable-gpu"]
# How the tests run the service: the compact scorer shipped in the package, the embedded
# worker, session cookies over plain HTTP (loopback has no TLS), and webhooks to receivers
# the tests start on loopback.
TEST_SETTINGS = {"SCORER": "compact", "EMBEDDED_WORKER": "1", "SESSION_COOKIE_SECURE": "false",
                 "WORKER_POLL_SECONDS": "0.2", "WEBHOOK_ALLOWED_HOSTS": HOST}
STARTUP_SECONDS = 60


@dataclass(frozen=True)
class LiveServer:
    """A running ``moderation serve``: where it listens and what it writes to."""

    url: str
    database_url: str
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def serving(database_url: str, folder: Path, **settings: str) -> Iterator[LiveServer]:
    """``moderation serve`` on a migrated ``database_url`` with ``TEST_SETTINGS`` and these
    ``MODERATION_*`` settings, until the block ends; its log goes to ``folder``."""
    port = free_port()
    server = LiveServer(f"http://{HOST}:{port}", database_url, folder / f"serve-{port}.log")
    env = {**os.environ, "MODERATION_DATABASE_URL": database_url,
           "MODERATION_INSTANCE_PATH": str(folder),
           **{f"MODERATION_{name.upper()}": value
              for name, value in {**TEST_SETTINGS, **settings}.items()}}
    command = [str(Path(sys.executable).parent / "moderation"), "serve", "--host", HOST,
               "--port", str(port), "--threads", "4"]
    with server.log.open("w") as log:
        process = subprocess.Popen(command, env=env, stdout=log,  # noqa: S603
                                   stderr=subprocess.STDOUT)
    try:
        _wait_until_ready(server, process)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_ready(server: LiveServer, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            with urllib.request.urlopen(f"{server.url}/readyz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"moderation serve did not get ready:\n{server.log_tail()}")
        time.sleep(0.1)


def launch_chromium(playwright: Playwright) -> Browser:
    """Headless Chromium from the system's package."""
    if not Path(CHROMIUM).is_file():
        raise RuntimeError(f"No Chromium at {CHROMIUM}: install Debian's package "
                           "(apt-get install chromium) or set MODERATION_TEST_CHROMIUM.")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)
