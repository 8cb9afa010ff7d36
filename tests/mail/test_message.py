"""scrub_message on malformed structure: file names, placeholders, preamble and epilogue."""

from __future__ import annotations

import base64

from scrubber.mail import MailPolicy
from scrubber.mail.message import scrub_message

from . import cases

CRLF = "\r\n"


def test_issue_8_an_rfc2047_encoded_text_file_name_is_scrubbed_as_text(
        policy: MailPolicy) -> None:
    name = base64.b64encode(b"notes.txt").decode()
    raw = (f"Subject: x{CRLF}Content-Type: application/octet-stream{CRLF}"
           f"Content-Disposition: attachment; filename=\"=?utf-8?b?{name}?=\"{CRLF}{CRLF}"
           f"card {cases.CARD} here{CRLF}").encode()
    out, report = scrub_message(raw, policy)
    assert cases.CARD.encode() not in out
    assert out == scrub_message(out, policy)[0]
    assert "binary-pass" not in report.tags


def test_issue_8_a_placeholder_for_a_garbled_content_type_is_ascii(policy: MailPolicy) -> None:
    data = base64.b64encode(b"\x89PNG\x00\x01 key " + cases.GH.encode() + b" \x00\x02").decode()
    raw = (f"Subject: x{CRLF}Content-Type: image/p\xe9ng{CRLF}"
           f"Content-Transfer-Encoding: base64{CRLF}{CRLF}{data}{CRLF}").encode("latin-1")
    out, report = scrub_message(raw, policy)
    assert cases.GH.encode() not in out
    assert report.tags["binary-placeholder"] == 1


def test_issue_8_secrets_in_preamble_epilogue_and_behind_a_reused_boundary_are_scrubbed(
        policy: MailPolicy) -> None:
    raw = (f"Subject: x{CRLF}Content-Type: multipart/mixed; boundary=\"B\"{CRLF}{CRLF}"
           f"preamble {cases.STRIPE}{CRLF}--B{CRLF}"
           f"Content-Type: multipart/mixed; boundary=\"B\"{CRLF}{CRLF}--B{CRLF}{CRLF}inner{CRLF}"
           f"--B--{CRLF}{CRLF}--B{CRLF}Content-Type: text/plain{CRLF}{CRLF}"
           f"key {cases.GH} {CRLF}--B--{CRLF}epilogue {cases.SLACK}{CRLF}").encode()
    out, report = scrub_message(raw, policy)
    for secret in (cases.STRIPE, cases.GH, cases.SLACK):
        assert secret.encode() not in out
    assert {h.where.split(" ")[-1] for h in report.hits} >= {"preamble", "epilogue"}
    assert scrub_message(out, policy)[0] == out


def test_issue_8_a_body_with_no_delimiter_of_its_boundary_is_scrubbed(policy: MailPolicy) -> None:
    raw = (f"Subject: x{CRLF}Content-Type: multipart/mixed; boundary=\"B\"{CRLF}{CRLF}"
           f"--C{CRLF}Content-Type: text/plain{CRLF}{CRLF}key {cases.GH}{CRLF}--C--{CRLF}").encode()
    out, _ = scrub_message(raw, policy)
    assert cases.GH.encode() not in out
