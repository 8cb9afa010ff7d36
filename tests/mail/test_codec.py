"""Transfer encodings: lenient decoding of broken base64."""

from __future__ import annotations

import base64

import pytest

from scrubber.mail.codec import pick_codec, transfer_decode


@pytest.mark.parametrize(("body", "expected"), [
    (b"QUJDR", b"ABC"), (b"Q=QUJD", b"A"), (b"QUJD\r\nR\r\n", b"ABC"),
    (base64.encodebytes(b"hello world"), b"hello world"), (b"QQ==QQ==", b"A")])
def test_issue_8_base64_with_a_stray_character_decodes(body: bytes, expected: bytes) -> None:
    assert transfer_decode(body, "base64").startswith(expected)


@pytest.mark.parametrize("charset", ["\x00", "utf-8\x00x", "no-such-charset", None])
def test_issue_8_an_unusable_charset_name_reads_as_utf8(charset: str | None) -> None:
    assert pick_codec(charset) == "utf-8"
