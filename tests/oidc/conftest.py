"""Single sign-on against a real OpenID provider on loopback (see ``idp``): the app signs in
through it, the test plays the browser with Flask's test client and plain HTTP."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from moderation.config import Config
from moderation.db import Database
from moderation.domain import Role
from moderation.models import Account
from tests.accounts.support import add_account
from tests.conftest import FrozenClock
from tests.oidc import idp

ONWARDS = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)">')


@pytest.fixture(scope="session")
def oidc_provider(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> idp.Provider:
    return idp.shared(request.config, tmp_path_factory.mktemp("oidc-provider"))


@pytest.fixture
def config(config: Config, oidc_provider: idp.Provider) -> Config:
    """The test app with single sign-on at the provider; its callback on 127.0.0.1, where
    the provider's client is registered."""
    settings = oidc_provider.settings()
    return config.replace(
        oidc_issuer=settings["issuer"], oidc_client_id=idp.CLIENT_ID,
        oidc_client_secret=idp.CLIENT_SECRET,
        oidc_scopes=["openid", "email", "profile", "groups"],
        oidc_provider_name=idp.PROVIDER_NAME, oidc_email_domains=frozenset({"zeitung.de"}),
        oidc_group_claim="groups", oidc_editor_groups=frozenset({"redaktion"}),
        oidc_admin_groups=frozenset({"chefredaktion"}),
        public_base_url="http://127.0.0.1")


@pytest.fixture
def make_account(database: Database, clock: FrozenClock) -> Callable[..., Account]:
    def make(email: str, role: Role = Role.EDITOR, **fields) -> Account:
        with database.transaction() as session:
            return add_account(session, clock(), email=email, role=role, **fields)

    return make


def start(client: FlaskClient, weiter: str | None = None) -> str:
    """Press the sign-in page's button: the authorization URL the app sends the browser to."""
    answer = client.get("/redaktion/anmelden/sso",
                        query_string={"weiter": weiter} if weiter else None)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"]


def callback(client: FlaskClient, url: str) -> TestResponse:
    """Arrive back at the app where the provider sent the browser."""
    parts = urlsplit(url)
    assert parts.path == "/redaktion/anmelden/sso/zurueck", url
    return client.get(parts.path, query_string=parts.query)


def sso_sign_in(client: FlaskClient, login: str, weiter: str | None = None) -> TestResponse:
    """The whole trip: the button, the provider's login form, the way back."""
    return callback(client, idp.sign_in_at_provider(start(client, weiter), login))


def onwards(answer: TestResponse) -> str:
    """Where the page after a successful sign-in takes the browser."""
    found = ONWARDS.search(answer.get_data(as_text=True))
    assert answer.status_code == 200 and found, answer.get_data(as_text=True)
    assert answer.mimetype == "text/html"
    return html.unescape(found.group(1))


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
