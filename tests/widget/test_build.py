"""widget.js and count.js as built at start-up: the server's own limits and words injected,
small enough to embed anywhere."""

from __future__ import annotations

import json
import re

from moderation.config import Config
from moderation.schemas import CommentInSchema
from moderation.widget.build import build_scripts, max_length, widget_settings

# What a reader's browser downloads, gzipped, at most.
WIDGET_GZIP_BUDGET = 20 * 1024
COUNT_GZIP_BUDGET = 2 * 1024
MAILING = Config(smtp_host="127.0.0.1", mail_from="redaktion@zeitung.example.de",
                 public_base_url="https://kommentare.zeitung.example.de")


def settings_in(script: bytes) -> dict:
    """The JSON the builder put into a script."""
    return json.loads(re.search(rb"const S = (\{.*?\});\n", script).group(1))


def test_the_widget_knows_the_limits_the_server_enforces():
    settings = widget_settings(Config())
    assert settings["limits"]["body"] == max_length(CommentInSchema, "body") == 5000
    assert settings["limits"]["name"] == 100
    assert settings["limits"]["report_min"] == 10
    assert settings["categories"][0] == "illegal"
    assert settings["appeal_days"] == Config().appeal_days


def test_the_email_notification_offer_follows_the_mail_setting():
    assert widget_settings(Config())["notifications"] is False
    assert widget_settings(MAILING)["notifications"] is True
    without_links = Config(smtp_host="127.0.0.1", mail_from="redaktion@zeitung.example.de")
    assert widget_settings(without_links)["notifications"] is False


def test_the_page_details_are_cut_to_what_the_server_accepts():
    limits = widget_settings(Config())["limits"]
    fields = CommentInSchema().fields
    assert (limits["title"], limits["url"]) == (300, 2000)
    assert {"article_title", "article_url", "language", "notify"} <= set(fields)


def test_the_built_widget_holds_its_settings_once_and_keeps_umlauts():
    scripts = build_scripts(Config())
    widget = scripts["widget"].body
    assert b"/*SETTINGS*/" not in widget
    assert settings_in(widget)["messages"]["de"]["oldest"] == "Älteste zuerst"
    assert "Älteste".encode() in widget  # UTF-8, not \u escapes
    assert settings_in(scripts["count"].body)["max"] == 50


def test_the_same_settings_build_the_same_versions():
    first, second = build_scripts(Config()), build_scripts(Config())
    assert first["widget"].version == second["widget"].version
    assert first["widget"].gzipped == second["widget"].gzipped
    assert build_scripts(MAILING)["widget"].version != \
        first["widget"].version


def test_no_reader_text_can_become_markup():
    widget = build_scripts(Config())["widget"].body.decode()
    assert "innerHTML" not in widget and "outerHTML" not in widget
    assert "insertAdjacentHTML" not in widget and "document.write" not in widget
    assert "eval(" not in widget and "new Function" not in widget


def test_the_scripts_leak_no_globals_and_run_strict():
    for script in build_scripts(Config()).values():
        source = script.body.decode()
        code = re.sub(r"^/\*.*?\*/\s*", "", source, flags=re.S)
        assert code.startswith('(function () {\n  "use strict";')
        assert code.rstrip().endswith("})();")


def test_the_widget_stays_under_20_kb_gzipped():
    size = len(build_scripts(MAILING)["widget"].gzipped)
    assert size <= WIDGET_GZIP_BUDGET, f"widget.js is {size} bytes gzipped"


def test_count_js_stays_under_2_kb_gzipped():
    size = len(build_scripts(Config())["count"].gzipped)
    assert size <= COUNT_GZIP_BUDGET, f"count.js is {size} bytes gzipped"
