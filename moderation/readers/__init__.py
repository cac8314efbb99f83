"""The pages a comment author reaches from the links in their mails: confirm the address,
unsubscribe, see what is stored about it. Server-rendered HTML in German (English with
``?lang=en`` or the address's language), under a strict CSP, with nothing from elsewhere.

A link's secret token is in its path, so a form on another site cannot post to one it does
not know: the token is the forms' CSRF protection. A GET never changes anything (mail
scanners open links); every change is a POST, the unsubscribe link's also one-click
(RFC 8058) for mail clients."""
