"""Every main screen, as an admin sees it with the demo data: no serious accessibility
violation, nothing against its policy, no console error, no other host."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tests.browser.checks import assert_accessible
from tests.browser.demo import Demo
from tests.browser.people import Person, sign_in
from tests.browser.screens import SCREENS, Screen

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("screen", SCREENS, ids=[screen.name for screen in SCREENS])
def test_the_screen_is_accessible_and_keeps_to_its_policy(
        page: Page, make_account: Callable[..., Person], demo_data: Demo,
        screen: Screen) -> None:
    if screen.signed_in:
        sign_in(page, make_account(role="admin", name="Claudia Brandt"))

    answer = page.goto(screen.url(demo_data))

    assert answer is not None and answer.ok
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    assert_accessible(page)


def test_every_screen_has_a_file_name_of_its_own() -> None:
    names = [screen.name for screen in SCREENS]

    assert len(set(names)) == len(names), "two screens would overwrite one screenshot"
