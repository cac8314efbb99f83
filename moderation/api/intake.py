"""The body of a widget's POST of a comment, the same whoever takes the request: Flask's view
(``public.py``) or the fast path in front of it (``fast_intake.py``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from moderation.api.context import AppState
from moderation.schemas import CommentInSchema, SubmittedSchema
from moderation.services import comments
from moderation.services.mail_outbox import Mailing
from moderation.statements import PublisherTerms

# One instance each: webargs would build (and deep-copy the fields of) a new one for each
# request from the class.
COMMENT_IN = CommentInSchema()
SUBMITTED = SubmittedSchema()


def receive_comment(app: AppState, article_key: str, data: dict[str, Any],
                    address: str | None) -> comments.Submitted:
    """Screen and store a comment the widget sent (``data``: ``COMMENT_IN``'s), in one write
    transaction; raises what ``comments.submit_comment`` raises, with nothing written."""
    config, database, now = app.config, app.database, app.clock()
    new = comments.NewComment(**data)
    window = timedelta(minutes=config.duplicate_window_minutes)
    screening = None  # on PostgreSQL: screened inside the write, one transaction
    if database.is_sqlite:  # writers queue for one lock: screen before taking it
        with database.session(read_only=True) as reading, reading.begin():
            screening = comments.screen(reading, new, address, now, window)
    # On PostgreSQL the reads go before BEGIN, and a comment that is all the write goes alone.
    with database.transaction(begin_at_first_write=True) as session:
        return comments.submit_comment(
            session, article_key, new, now, terms=PublisherTerms.of(config), address=address,
            screening=screening, duplicate_window=window, mailing=Mailing.of(config),
            page_origins=config.cors_origins)
