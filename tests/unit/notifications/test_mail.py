"""Reading KPCS_SMTP_URL."""

from __future__ import annotations

import pytest

from kpcs.errors import InvalidInput
from kpcs.notifications.mail import SmtpServer, build_message, parse_smtp_url


def test_smtp_urls_read_as_servers() -> None:
    assert parse_smtp_url("smtp://127.0.0.1:2525") == SmtpServer("127.0.0.1", 2525, tls=False)
    assert parse_smtp_url("smtp://relay.example") == SmtpServer("relay.example", 25, tls=False)
    assert parse_smtp_url("smtps://kp%40mines.example:s%3Acret@mail.example") == SmtpServer(
        "mail.example", 465, tls=True, username="kp@mines.example", password="s:cret"
    )


@pytest.mark.parametrize(
    "url", ["http://mail.example", "smtp://", "smtp://mail.example:99999", "mail.example"]
)
def test_other_urls_are_refused_naming_the_setting(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_smtp_url(url)
    assert refused.value.problems[0].field == "KPCS_SMTP_URL"


def test_a_message_is_plain_text_with_its_link() -> None:
    message = build_message(
        "kpcs@hub.example", "kp@mines.example", "Due soon", "Trade 2024-Q4\n\n/statistics"
    )
    assert (message["From"], message["To"], message["Subject"]) == (
        "kpcs@hub.example",
        "kp@mines.example",
        "Due soon",
    )
    assert message.get_content_type() == "text/plain" and "/statistics" in message.get_content()
