"""The editors' workspace: server-rendered pages under ``/redaktion/``, in the same process
and on the same database as the API.

A plain Flask blueprint (it serves HTML, not an OpenAPI resource): German and English
message catalogues (Flask-Babel), static files from the package with Subresource Integrity,
a strict Content-Security-Policy, CSRF tokens on every form and fetch, and error pages of
its own. Like ``api/`` it calls services and decides nothing itself.
"""

from __future__ import annotations

from flask import Flask


def init_workspace(app: Flask) -> None:
    """Mount the workspace on ``app``: its views, catalogues, assets, headers, error pages."""
    # The views attach themselves to the blueprint when imported: import every one first.
    from moderation.workspace import (  # noqa: F401
        account,
        accounts_admin,
        article_views,
        assets,
        audit_views,
        candidate_views,
        comment_views,
        csrf,
        decision_views,
        errors,
        headers,
        i18n,
        key_views,
        mail_views,
        model_views,
        navigation,
        policy_history_views,
        policy_views,
        present,
        privacy_views,
        queue_views,
        reasons,
        sessions,
        signin,
        sso,
        views,
        webhook_views,
    )
    from moderation.workspace.blueprint import blueprint

    i18n.init_babel(app)
    reasons.init_reasons(app)
    sessions.init_sessions(app)
    signin.init_signin(app)
    sso.init_sso(app)
    assets.init_assets(app)
    navigation.init_navigation(app)
    errors.init_errors(app)
    headers.init_headers(app)
    app.register_blueprint(blueprint)
