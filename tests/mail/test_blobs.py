"""Pasted blobs: a uuencoded block with characters no decoder accepts is left alone."""

from __future__ import annotations

from scrubber.mail.blobs import hidden_secrets


def test_issue_8_a_non_ascii_character_in_a_uuencoded_block_is_not_an_error() -> None:
    text = "begin 644 env.txt\r\nM5TQ!0TM\u00f5\r\n`\r\nend\r\n"
    assert hidden_secrets(text, lambda plain: []) == []
