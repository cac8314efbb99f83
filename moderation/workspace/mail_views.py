"""Editors' mails: each person's own notification settings (a section of the account page)
and, for admins, the outbox at /redaktion/mails (mails to editors and to comment authors):
queued, failing, given up, with a dead one sent again on request."""

from __future__ import annotations

from dataclasses import dataclass

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import Conflict as PageConflict
from werkzeug.exceptions import NotFound as PageNotFound
from werkzeug.wrappers import Response

from moderation.api.context import now, request_session, state
from moderation.domain import Role
from moderation.errors import Conflict, NotFound
from moderation.services import mail_outbox, notifications
from moderation.workspace.access import current_account, signed_in
from moderation.workspace.admin_forms import NotificationForm, OutboxFilter, read
from moderation.workspace.blueprint import blueprint
from moderation.workspace.errors import OwnMessage

ADMIN = Role.ADMIN
OUTBOX_LIMIT = 200
# What each kind of mail in the outbox is, as the admins read it.
MAIL_KINDS = {
    "report_alert": _l("Report alert"),
    "digest": _l("Digest"),
    "reader_confirmation": _l("To the comment's author: please confirm the address"),
    "reader_published": _l("To the comment's author: published"),
    "reader_rejected": _l("To the comment's author: not published or removed"),
    "reader_reply": _l("To the comment's author: a new reply"),
}


class MailRefused(OwnMessage, PageConflict):
    """A mail that cannot be sent again (sent, still queued, cancelled)."""


class NoSuchMail(OwnMessage, PageNotFound):
    """A mail that does not exist (any more: erased with its comment, or purged)."""


@dataclass(frozen=True)
class OwnMail:
    """What the account page shows of the person's mails."""

    preferences: notifications.Preferences
    enabled: bool  # an SMTP server is configured: without one, no mail is sent
    digest_hour: int  # of the daily digest, Europe/Berlin


def _mail_enabled() -> bool:
    return state().config.smtp_host is not None


@blueprint.app_template_global()
def own_mail() -> OwnMail:
    """The signed-in person's mail settings, for the account page."""
    return OwnMail(notifications.preferences(request_session(), current_account()),
                   _mail_enabled(), state().config.digest_hour)


@blueprint.post("/konto/benachrichtigungen")
@signed_in()
def change_notifications() -> Response:
    """Choose your own mails: immediate alerts on or off, a digest off, hourly or daily."""
    data, errors = read(NotificationForm(), request.form)
    if errors:
        return redirect(url_for("workspace.account", benachrichtigungen="fehler",
                                _anchor="notifications-heading"))
    person = current_account()
    notifications.change_preferences(request_session(), person, immediate=data["immediate"],
                                     digest=data["digest"], actor=person.actor, now=now())
    return redirect(url_for("workspace.account", benachrichtigungen="gespeichert",
                            _anchor="notifications-heading"))


def _state(mail: mail_outbox.OutboxEntry) -> str:
    if mail.mail.status == mail_outbox.PENDING:
        return mail_outbox.RETRYING if mail.mail.attempts else mail_outbox.QUEUED
    return mail.mail.status


@blueprint.get("/mails", endpoint="mails")
@signed_in(ADMIN)
def mails_page() -> tuple[str, int]:
    """The mail outbox, newest first: what waits, what fails, what was given up."""
    query, errors = read(OutboxFilter(), request.args)
    status = 422 if errors else 200
    query = query or {"status": None, "geaendert": None}
    entries = mail_outbox.outbox(request_session(), status=query["status"],
                                 limit=OUTBOX_LIMIT)
    return render_template(
        "workspace/mails.html", entries=entries, mail_state=_state, mail_kinds=MAIL_KINDS,
        mail_enabled=_mail_enabled(),
        status_filter=query["status"], limit=OUTBOX_LIMIT,
        error=_("This filter does not exist; every mail is shown.") if errors else None,
        notice=_("The mail will be sent again.") if query["geaendert"] == "erneut" else None,
    ), status


@blueprint.post("/mails/<int(max=9223372036854775807):mail_id>/erneut")
@signed_in(ADMIN)
def retry_mail(mail_id: int) -> Response:
    """Send a mail that was given up again, on a fresh retry schedule."""
    try:
        mail_outbox.retry(request_session(), mail_id, actor=current_account().actor,
                          now=now())
    except NotFound:
        raise NoSuchMail(_("There is no such mail (any more).")) from None
    except Conflict:
        raise MailRefused(_("Only a mail that was given up can be sent again.")) from None
    return redirect(url_for("workspace.mails", geaendert="erneut"))
