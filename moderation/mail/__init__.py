"""Email to editors: a leaf like ``webhooks/``. It words the mails (``templates``), builds
them (``message``) and hands them to an SMTP server (``smtp``); it knows nothing of the
database. The outbox that feeds it is ``services/mail_outbox``."""
