"""The 18 MIME cases: golden outputs, no secret survives, byte identity where nothing matched."""

from __future__ import annotations

import email
import os
from email.policy import compat32
from pathlib import Path

import pytest

from scrubber.mail import MailPolicy, scrub_message

from . import cases

GOLDEN = Path(__file__).parent / "golden"


def _texts(raw: bytes) -> list[str]:
    """The raw message and every decoded leaf, as text (to look for surviving secrets)."""
    out = [raw.decode("latin-1")]
    for part in email.message_from_bytes(raw, policy=compat32).walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            out.append(payload.decode("latin-1"))
            out.append(payload.decode("utf-16", "ignore"))
    return out


@pytest.mark.parametrize(("name", "build"), cases.CASES, ids=[n for n, _ in cases.CASES])
def test_issue_5_mime_case_matches_golden(name: str, build: object, policy: MailPolicy) -> None:
    raw = build()  # type: ignore[operator]
    out, report = scrub_message(raw, policy)
    path = GOLDEN / f"{name}.eml"
    if os.environ.get("SCRUBBER_REGEN_GOLDEN"):
        path.write_bytes(out)
    assert out == path.read_bytes()
    for secret in cases.SECRETS:
        assert not any(secret[12:28] in t for t in _texts(out)), f"{secret[:8]}… survived"
    if name.startswith("16-"):
        assert out == raw
        assert not report.hits
    else:
        assert report.hits or report.tags


def test_issue_5_trace_and_signature_headers_untouched(policy: MailPolicy) -> None:
    raw = cases.c13_dkim_signed()
    out, _ = scrub_message(raw, policy)
    for name in (b"Received:", b"DKIM-Signature:", b"ARC-Seal:", b"Authentication-Results:",
                 b"Message-ID:"):
        header = raw.split(b"\r\n\r\n")[0].split(b"\r\n")
        before = [line for line in header if line.startswith(name)]
        assert before
        assert all(line in out for line in before)
    assert b"Subject: key ghp_" in out
    assert cases.GH not in out.decode()


def test_issue_5_long_line_switches_part_to_quoted_printable(policy: MailPolicy) -> None:
    out, _ = scrub_message(cases.c11_long_lines(), policy)
    assert b"Content-Transfer-Encoding: quoted-printable" in out
    assert max(len(line) for line in out.split(b"\r\n")) <= 998
