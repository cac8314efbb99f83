"""What every page must pass in the browser: no console error, no script error, no
Content-Security-Policy violation, no request to another host, and no serious
accessibility violation (axe-core)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, WebError

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
# URLs a page may make without asking any host.
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})
FAILING_IMPACTS = frozenset({"serious", "critical"})

# Reports each violation to the test through a binding: the page's own CSP cannot stop it
# (Playwright injects both), and it also catches violations Chromium does not log.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` (${event.sourceFile || event.documentURI}:${event.lineNumber})`);
});
"""


@dataclass
class PageWatch:
    """Everything the pages of one browser context did wrong, gathered as it happens."""

    console_errors: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)

    @classmethod
    def attach(cls, context: BrowserContext) -> PageWatch:
        """Watch every page ``context`` opens from now on."""
        watch = cls()
        context.expose_function("__reportCspViolation", watch._csp_violation)
        context.add_init_script(CSP_LISTENER)
        context.on("console", watch._console)
        context.on("weberror", watch._script_error)
        context.on("request", watch._request)
        return watch

    def expect_console_error(self, text: str) -> None:
        """Allow console errors containing ``text``: a test that provokes a refusal sees
        Chromium log the status it asked for."""
        self.expected.append(text)

    def problems(self) -> list[str]:
        """Each thing that went wrong, one line each."""
        unexpected = [message for message in self.console_errors
                      if not any(text in message for text in self.expected)]
        return ([f"console error: {message}" for message in unexpected]
                + [f"script error: {message}" for message in self.script_errors]
                + [f"CSP violation: {message}" for message in self.csp_violations]
                + [f"request to another host: {url}" for url in self.foreign_requests])

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, "The page misbehaved:\n" + "\n".join(problems)

    def _console(self, message: ConsoleMessage) -> None:
        # Chromium asks every site for /favicon.ico on its own; the pages ask for nothing.
        if message.type == "error" and not message.location.get("url", "").endswith(
                "/favicon.ico"):
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def _script_error(self, error: WebError) -> None:
        self.script_errors.append(f"{error.error.name}: {error.error.message} "
                                  f"({error.page.url if error.page else ''})")

    def _csp_violation(self, description: str) -> None:
        self.csp_violations.append(description)

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme not in LOCAL_SCHEMES and parts.hostname not in LOOPBACK:
            self.foreign_requests.append(request.url)


def axe_violations(page: Page, context: Any = None) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (``context``: what to check, in axe's
    terms, e.g. ``{"exclude": [".swagger-ui"]}``; the whole document by default)."""
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate(
        "([context]) => axe.run(context ?? document, {resultTypes: ['violations']})",
        [context])
    return results["violations"]


def assert_accessible(page: Page, context: Any = None) -> None:
    """No serious or critical axe-core violation on the page (see ``axe_violations``)."""
    failing = [violation for violation in axe_violations(page, context)
               if violation["impact"] in FAILING_IMPACTS]
    assert not failing, (f"axe-core: {len(failing)} serious or critical violation(s) on "
                         f"{page.url}:\n{describe(failing)}")


def describe(violations: list[dict[str, Any]]) -> str:
    """One readable block per violation: rule, impact, help, and the elements it found."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} "
                     f"[{violation['helpUrl'].split('?')[0]}]")
        for node in violation["nodes"][:5]:
            summary = node.get("failureSummary", "").replace("\n", " ")
            lines.append(f"    {', '.join(map(str, node['target']))}: {summary}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)
