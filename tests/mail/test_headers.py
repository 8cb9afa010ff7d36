"""Header fields: encoded-words that do not decode, international addresses, 8-bit names."""

from __future__ import annotations

import pytest

from scrubber.mail import MailPolicy
from scrubber.mail.headers import decode_value
from scrubber.mail.message import scrub_message
from scrubber.mail.policy import MailError

from . import cases

CRLF = "\r\n"


@pytest.mark.parametrize("value", [b"=?\xf5tf-8?b?a2V5?=", b"=?utf-8?b?!!x_y?=",
                                   b"=?x-nonexistent?q?abc?="])
def test_issue_8_an_encoded_word_that_does_not_decode_stays_as_written(value: bytes) -> None:
    assert decode_value(value) == value.decode("utf-8", "surrogateescape")


def test_issue_8_a_secret_next_to_a_non_ascii_address_is_scrubbed(policy: MailPolicy) -> None:
    raw = (f"From: Zoë <zoë@example.test>{CRLF}Reply-To: \"{cases.STRIPE}\" "
           f"<clé@example.test>{CRLF}Subject: x{CRLF}{CRLF}body{CRLF}").encode()
    out, report = scrub_message(raw, policy)
    assert cases.STRIPE.encode() not in out
    assert "clé@example.test".encode() in out
    assert report.changed


def test_issue_8_a_latin1_display_name_with_a_secret_fails_temporarily(
        policy: MailPolicy) -> None:
    raw = (b"From: Ren\xe9 <" + cases.GH.encode() + b"@example.test>\r\nSubject: x\r\n\r\n"
           b"body\r\n")
    with pytest.raises(MailError, match="cannot re-encode header From"):
        scrub_message(raw, policy)


def test_issue_8_a_secret_in_a_broken_encoded_word_is_scrubbed_not_deferred(
        policy: MailPolicy) -> None:
    raw = (f"Subject: =?utf-8?b?!!{cases.STRIPE}?={CRLF} continuation{CRLF}"
           f"Content-Type: text/plain{CRLF}{CRLF}x{CRLF}").encode()
    out, _ = scrub_message(raw, policy)
    assert cases.STRIPE.encode() not in out
    assert b"Subject: =?utf-8?b?!!sk_live_" in out
    assert scrub_message(out, policy)[0] == out
