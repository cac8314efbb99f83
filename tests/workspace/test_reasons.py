"""The newsroom's own reasons for rejecting: read from MODERATION_REJECTION_REASONS at
start-up, offered in the picker under the newsroom's names, and the only ones a rejection
takes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from moderation import create_app
from moderation.config import InvalidSetting
from moderation.domain import CommentStatus
from moderation.texts import EDITOR_REJECTION_REASONS
from moderation.workspace.reasons import RejectionReason, parse
from tests.workspace.conftest import sign_in
from tests.workspace.desk import held
from tests.workspace.test_decisions import ONE, fetch, record


def test_without_a_setting_the_default_reasons_apply():
    assert tuple(reason.code for reason in parse([])) == EDITOR_REJECTION_REASONS


def test_a_newsrooms_reasons_keep_their_order_and_own_names():
    assert parse(["insult", " satire = Satire missbraucht ", "spam"]) == (
        RejectionReason("insult"), RejectionReason("satire", "Satire missbraucht"),
        RejectionReason("spam"))


@pytest.mark.parametrize("entries", [
    ["Beleidigung"], ["1st"], ["insult", "insult"], ["=Name"],
    [f"grund_{n}" for n in range(10)],
])
def test_reasons_the_picker_cannot_offer_stop_the_start(entries):
    with pytest.raises(InvalidSetting, match="MODERATION_REJECTION_REASONS"):
        parse(entries)


@pytest.fixture
def newsroom(config, database, clock, editor_account):
    app = create_app(replace(config, rejection_reasons=[
        "insult", "satire=Satire missbraucht", "criminal_content"]), clock=clock)
    browser = app.test_client()
    assert sign_in(browser).status_code == 302
    yield browser
    app.extensions["moderation"].database.dispose()


def test_the_picker_offers_the_newsrooms_reasons_under_their_names(newsroom, database, clock):
    comment = held(database, clock)
    page = newsroom.get(f"/redaktion/kommentare/{comment}").get_data(as_text=True)

    assert 'value="satire"' in page and "Satire missbraucht" in page
    assert 'value="insult"' in page and 'value="spam"' not in page


def test_a_rejection_takes_the_newsrooms_reasons_only(newsroom, database, clock):
    comment = held(database, clock)
    refused = fetch(newsroom, ONE.format(comment), {"action": "reject", "reason_code": "spam"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["reason_code"] == [
        "Wählen Sie einen der Gründe der Redaktion."]

    taken = fetch(newsroom, ONE.format(comment), {"action": "reject", "reason_code": "satire"})
    assert taken.status_code == 200
    status, code, _actors, statement = record(database, comment)
    assert (status, code) == (CommentStatus.REJECTED, "satire")
    assert statement is not None


def test_a_wrong_setting_stops_the_service(config):
    with pytest.raises(InvalidSetting):
        create_app(replace(config, rejection_reasons=["Gründe!"]))
