"""One mail, plain text or plain text with an HTML alternative, built so that nothing in it
can add a header of its own."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from email import errors, policy
from email.charset import QP, Charset
from email.header import Header
from email.headerregistry import Address
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr

# Every run of whitespace or control characters, CR and LF and the Unicode line and
# paragraph separators included.
_BREAKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Quoted-printable, headers and body: readable where a mail is looked at raw.
_UTF8 = Charset("utf-8")
_UTF8.header_encoding = _UTF8.body_encoding = QP


def one_line(value: str) -> str:
    """Text for a header: every line break, tab or control character becomes one space.

    Header values come from articles' titles and people's names, which anybody with an
    API key or a CMS may set: a title with a line break must stay one subject, never
    become a ``Bcc:`` of its own (the standard library would refuse it outright, and the
    mail would never go)."""
    return _BREAKS.sub(" ", value).strip()


def sender_address(value: str) -> Address:
    """The configured ``From``: ``redaktion@example.de`` or ``Redaktion <redaktion@…>``.
    Raises ``ValueError`` for anything else."""
    if _CONTROL.search(value):
        raise ValueError("the address must be on one line")
    try:
        header = policy.default.header_factory("From", value)
    except (errors.HeaderParseError, IndexError):  # IndexError: an address cut short
        raise ValueError(f"{value!r} is not an address") from None
    addresses = header.addresses  # type: ignore[attr-defined]
    if header.defects or len(addresses) != 1 or not addresses[0].domain:
        raise ValueError(f"{value!r} is not one address")
    return addresses[0]


def plain_text(value: str) -> str:
    """A body's text with one kind of line end: smtplib turns it into CRLF on the wire."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def message_id(dedupe_key: str, sender: Address) -> str:
    """The same ``Message-ID`` for every try of one mail: a receiving system that got it
    once already can tell a resend."""
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]
    return f"<{digest}@{sender.domain}>"


def build(*, sender: Address, recipient: str, recipient_name: str, subject: str, body: str,
          dedupe_key: str, written_at: datetime, html: str | None = None,
          headers: Mapping[str, str] | None = None) -> Message:
    """A UTF-8 mail from ``sender`` to one recipient: plain text, or with ``html`` the same
    text twice as ``multipart/alternative``. ``headers`` are added as they are, each made
    one line (``List-Unsubscribe`` and the like: ASCII, a URL in angle brackets).

    Built with the older ``email`` API on purpose: Python 3.11's folding of long encoded
    headers drops the space where it folds (a German subject then reads
    "GefälschterText"); ``Header`` folds without losing any."""
    mail: Message = MIMEText(plain_text(body), "plain", _UTF8)
    if html is not None:
        mail = MIMEMultipart("alternative", _subparts=[
            mail, MIMEText(plain_text(html), "html", _UTF8)])
    mail["From"] = _address(sender.display_name, sender.addr_spec)
    mail["To"] = _address(one_line(recipient_name), Address(addr_spec=recipient).addr_spec)
    mail["Subject"] = Header(one_line(subject), _UTF8, header_name="Subject")
    mail["Date"] = format_datetime(written_at)
    mail["Message-ID"] = message_id(dedupe_key, sender)
    # Notifications, not conversations: vacation responders should stay quiet.
    mail["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        mail[name] = one_line(value)
    return mail


def _address(name: str, address: str) -> str:
    return formataddr((name, address), charset=_UTF8)
