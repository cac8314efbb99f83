"""moderation: a self-hosted comment moderation service."""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

from moderation import logs
from moderation.clock import Clock, utcnow
from moderation.config import Config
from moderation.db import Database
from moderation.planner_statistics import keep_current


def create_app(config: Config | None = None, clock: Clock = utcnow) -> Flask:
    """The only way to get the Flask app; configuration comes from the environment by default."""
    from moderation.api import docs, init_api
    from moderation.api.context import AppState, close_session
    from moderation.api.cors import init_cors
    from moderation.api.fast_intake import FastIntake
    from moderation.api.fast_reads import FastThreadReads
    from moderation.api.limits import init_limits
    from moderation.api.metrics import init_metrics
    from moderation.api.request_ids import init_request_ids
    from moderation.services.policies import configured
    from moderation.widget import init_widget
    from moderation.workspace import init_workspace

    config = config or Config.from_env()
    configured(config)  # thresholds the policy cannot use stop the start, not the first comment
    app = Flask(__name__, instance_path=str(config.instance_path))
    app.config.update(
        MAX_CONTENT_LENGTH=config.max_body_bytes,
        TESTING=config.testing,
        JSON_SORT_KEYS=False,
        API_TITLE="moderation",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
    )
    app.json.ensure_ascii = False  # "Grüße", not "Gr\u00fc\u00dfe"
    database = Database(config.database_url)
    # PostgreSQL's generic plans, made on a nearly empty table, replanned once it grew.
    keep_current(database, config.statistics_check_seconds)
    app.extensions["moderation"] = AppState(config, database, clock)
    app.teardown_appcontext(close_session)
    init_limits(app, config)
    init_api(app)
    app.register_blueprint(docs.blueprint)
    init_workspace(app)
    init_widget(app, config)
    init_cors(app, config)
    # In front of Flask: the widget's busiest requests (each hands Flask what it cannot answer).
    app.wsgi_app = FastIntake(app, app.wsgi_app)  # type: ignore[method-assign]
    app.wsgi_app = FastThreadReads(app, app.wsgi_app)  # type: ignore[method-assign]
    if config.proxy_count > 0:
        # Only then is X-Forwarded-For believed, and only as many hops as there are proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxy_count,
                                x_proto=config.proxy_count)
    app.after_request(_security_headers)
    init_metrics(app)
    init_request_ids(app)  # last: its hook runs first
    if not app.debug and not config.testing:
        logs.configure(config.log_format)
    return app


# The API answers data, never pages to render: nothing in it may load, run or be framed.
# The interactive docs page sets its own, only a little wider (moderation/api/docs.py).
API_CSP = "default-src 'none'; frame-ancestors 'none'"


# What every answer carries unless its view set its own.
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "X-Frame-Options": "DENY", "Content-Security-Policy": API_CSP}


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
