"""E-mail through the configured SMTP server (``KPCS_SMTP_URL``).

``smtp://host:port`` sends in clear (a relay on the same host or network), with STARTTLS
when the server offers it; ``smtps://user:pass@host:port`` speaks TLS from the first byte
and signs in. Parsing is pure; :func:`send` is the only part that touches the network.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from kpcs.errors import InvalidInput

SMTP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send."""

    host: str
    port: int
    tls: bool  # smtps: TLS from the first byte
    username: str | None = None
    password: str | None = None


class MailRefused(Exception):
    """The server refused the message for good (a bad address): retrying will not help."""


def parse_smtp_url(url: str) -> SmtpServer:
    """``smtp://host:port`` or ``smtps://user:pass@host:port`` as a :class:`SmtpServer`."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InvalidInput.field("KPCS_SMTP_URL", "give smtp://host:port or smtps://user:pass@host:port")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise InvalidInput.field("KPCS_SMTP_URL", "the port is not a number from 1 to 65535") from None
    return SmtpServer(
        host=parts.hostname,
        port=port,
        tls=parts.scheme == "smtps",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def build_message(sender: str, to: str, subject: str, text: str) -> EmailMessage:
    """A plain-text e-mail."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    return message


def send(server: SmtpServer, message: EmailMessage) -> None:
    """Hand ``message`` to the server: :class:`MailRefused` when it refuses the recipient
    for good, ``OSError``/``smtplib.SMTPException`` when it may work later."""
    smtp: smtplib.SMTP
    if server.tls:
        smtp = smtplib.SMTP_SSL(
            server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS)
    with smtp:
        if not server.tls:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
        if server.username:
            smtp.login(server.username, server.password or "")
        try:
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(500 <= code < 600 for code in codes):
                raise MailRefused(f"the SMTP server refused the address: {exc.recipients}") from None
            raise
