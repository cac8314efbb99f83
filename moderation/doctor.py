"""Why the widget would not work on the publisher's pages, found from the settings alone.

A browser refuses the widget's requests without a word to the reader when the page's
origin is not allowed (CORS), and refuses to load an ``http://`` service into an
``https://`` page at all (mixed content). ``moderation doctor`` and the admin's ``/readyz``
tell the operator before readers find out.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from moderation import migrate
from moderation.config import Config
from moderation.db import UNAVAILABLE, Database, unavailable_reason
from moderation.origins import origin_of
from moderation.services import model_versions

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class Level(enum.StrEnum):
    ERROR = "error"  # the widget cannot work
    WARNING = "warning"  # it works, but not as it should
    HINT = "hint"  # worth a look


@dataclass(frozen=True)
class Finding:
    level: Level
    code: str
    message: str


def widget_findings(config: Config, pages: Iterable[str] = ()) -> list[Finding]:
    """What stands in the widget's way, the worst first; ``pages`` are URLs of pages that
    are to embed it (each is checked against the allowed origins)."""
    findings = [*_origin_findings(config), *_service_findings(config),
                *(finding for page in pages for finding in _page_findings(config, page))]
    order = list(Level)
    return sorted(findings, key=lambda finding: order.index(finding.level))


def database_findings(config: Config) -> list[Finding]:
    """Whether the service's database is reachable and migrated."""
    try:
        current = migrate.is_current(config.database_url)
    except UNAVAILABLE as error:
        return [Finding(Level.ERROR, "database_unreachable", (
            f"The database is not reachable ({unavailable_reason(error)}): check "
            "MODERATION_DATABASE_URL."))]
    if not current:
        return [Finding(Level.ERROR, "database_not_migrated", (
            "The database is not migrated to this version: run `moderation db upgrade`."))]
    return []


def model_findings(config: Config) -> list[Finding]:
    """A detoxify model fetched into the cache that scores nothing: ``auto`` combines
    compact-de only with a registered partner (or one the settings name), and fetches made
    before fetching installed one are in no model version."""
    from moderation.scoring.cache import cached_model

    if config.scorer != "auto" or config.detoxify_checkpoint or config.transformer_model:
        return []
    if cached_model(config.detoxify_model, config.model_cache) is None:
        return []
    try:
        with Database(config.database_url) as database, database.transaction() as session:
            partner = model_versions.live_versions(session).get(model_versions.TRANSFORMER)
            candidate = model_versions.candidate_model(session)
    except UNAVAILABLE:
        return []  # database_findings says so
    if partner or (candidate and candidate[1].kind == model_versions.TRANSFORMER):
        return []
    name = config.detoxify_model
    return [Finding(Level.HINT, "detoxify_not_registered", (
        f"detoxify's {name} model is fetched into {config.model_cache} but no partner model "
        "is registered: compact-de scores alone. Install it as the candidate with `moderation "
        f"model install --detoxify {name}`, compare with `moderation model report`, then "
        "`moderation model promote`."))]


def _origin_findings(config: Config) -> Iterable[Finding]:
    if not config.cors_origins:
        yield Finding(Level.ERROR, "no_origins", (
            "MODERATION_CORS_ORIGINS is empty: browsers refuse the widget's requests from "
            "every page of another origin. Set the origins of the pages that embed it, "
            "e.g. https://www.zeitung.de."))
    for origin in config.cors_origins:
        if origin == "*":
            yield Finding(Level.WARNING, "any_origin", (
                "MODERATION_CORS_ORIGINS allows every origin (*): any site can embed the "
                "widget and post comments in your name. Name your own origins."))
        elif origin_of(origin) != origin:
            yield Finding(Level.ERROR, "malformed_origin", (
                f"{origin!r} in MODERATION_CORS_ORIGINS is not an origin: browsers send "
                f"scheme://host[:port], lower case, without path or trailing slash "
                f"({origin_of(origin) or 'e.g. https://www.zeitung.de'}), so it never "
                "matches."))
        elif origin.startswith("http://") and urlsplit(origin).hostname not in LOOPBACK:
            yield Finding(Level.WARNING, "insecure_origin", (
                f"{origin} is served over plain http: readers' names, emails and tokens "
                "would travel unencrypted."))


def _service_findings(config: Config) -> Iterable[Finding]:
    base = config.public_base_url
    if base is None:
        yield Finding(Level.WARNING, "no_public_base_url", (
            "MODERATION_PUBLIC_BASE_URL is not set: links in mails are paths without a host, "
            "and whether https pages may load the widget cannot be checked."))
        return
    secure_pages = [origin for origin in config.cors_origins if origin.startswith("https://")]
    if _plain_http(base) and secure_pages:
        yield Finding(Level.ERROR, "mixed_content", (
            f"The service is reached over http ({base}) but {secure_pages[0]} is an https "
            "page: browsers block an http script and http requests on https pages "
            "(mixed content). Serve the service over https."))
    if base.startswith("https://") and config.proxy_count == 0:
        yield Finding(Level.HINT, "no_proxy_count", (
            "If TLS ends at a reverse proxy in front of the service, set "
            "MODERATION_PROXY_COUNT: until then every reader counts as the proxy's address "
            "and all share one rate limit."))
    if config.smtp_host is None:
        yield Finding(Level.HINT, "no_mail", (
            "No SMTP server (MODERATION_SMTP_HOST): the widget offers readers no email "
            "notifications."))


def _page_findings(config: Config, page: str) -> Iterable[Finding]:
    origin = origin_of(page)
    if origin is None:
        yield Finding(Level.ERROR, "bad_page", f"{page!r} is not an http(s) URL.")
        return
    if origin not in config.cors_origins and "*" not in config.cors_origins:
        yield Finding(Level.ERROR, "origin_not_allowed", (
            f"{page} has the origin {origin}, which MODERATION_CORS_ORIGINS does not "
            "allow: the widget shows nothing there and cannot post."))
    base = config.public_base_url
    # An allowed origin's mixed content is told of once, with the settings.
    if (origin.startswith("https://") and origin not in config.cors_origins
            and base is not None and _plain_http(base)):
        yield Finding(Level.ERROR, "page_mixed_content", (
            f"{page} is an https page and the service is reached over http ({base}): the "
            "browser blocks the widget (mixed content)."))


def _plain_http(url: str) -> bool:
    """Served without TLS, beyond the loopback (where browsers trust plain http)."""
    return url.startswith("http://") and urlsplit(url).hostname not in LOOPBACK
