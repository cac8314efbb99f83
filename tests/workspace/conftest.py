"""Accounts and signed-in browsers for the workspace's tests (Flask's test client keeps
cookies like a browser)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from moderation.db import Database
from moderation.domain import Role
from moderation.models import Account
from tests.accounts.support import PASSWORD, add_account
from tests.conftest import FrozenClock

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]*)">')


def csrf_of(response: TestResponse) -> str:
    """The CSRF token a page hands its forms and script."""
    found = CSRF.search(response.get_data(as_text=True))
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client: FlaskClient, email: str = "anna@zeitung.de", password: str = PASSWORD,
            weiter: str | None = None) -> TestResponse:
    """Open the sign-in page and post its form."""
    page = client.get("/redaktion/anmelden")
    data = {"csrf_token": csrf_of(page), "email": email, "password": password}
    if weiter is not None:
        data["weiter"] = weiter
    return client.post("/redaktion/anmelden", data=data)


def post_form(client: FlaskClient, path: str, data: dict[str, str] | None = None,
              page: str = "/redaktion/konto") -> TestResponse:
    """Post a form as the browser would: with the token of a page it opened."""
    token = csrf_of(client.get(page))
    return client.post(path, data={"csrf_token": token, **(data or {})})


@pytest.fixture
def make_account(database: Database, clock: FrozenClock) -> Callable[..., Account]:
    def make(email: str = "anna@zeitung.de", role: Role = Role.EDITOR, **fields) -> Account:
        with database.transaction() as session:
            return add_account(session, clock(), email=email, role=role, **fields)

    return make


@pytest.fixture
def editor_account(make_account) -> Account:
    return make_account()


@pytest.fixture
def admin_account(make_account) -> Account:
    return make_account("chefin@zeitung.de", Role.ADMIN, name="Petra Chefin")


@pytest.fixture
def editor_browser(app: Flask, editor_account: Account) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client).status_code == 302
    return client


@pytest.fixture
def admin_browser(app: Flask, admin_account: Account) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, "chefin@zeitung.de").status_code == 302
    return client
