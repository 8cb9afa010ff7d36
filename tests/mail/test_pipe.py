"""Pipe mode: exit 75 and no output on any failure; exact bytes through on success."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from scrubber.mail import MailPolicy
from scrubber.mail.core import MailFilter
from scrubber.mail.pipe import EX_TEMPFAIL, run

from . import cases

SCRUBBER = [sys.executable, "-m", "scrubber"]


def test_issue_5_pipe_writes_scrubbed_message(policy: MailPolicy) -> None:
    out = io.BytesIO()
    assert run(MailFilter(policy), io.BytesIO(cases.c01_alternative()), out) == 0
    assert cases.STRIPE.encode() not in out.getvalue()
    assert b"X-Scrubber" in out.getvalue()


def test_issue_5_pipe_failure_writes_nothing(policy: MailPolicy) -> None:
    class Broken(io.BytesIO):
        def read(self, *args: object) -> bytes:
            raise RuntimeError("boom")

    out = io.BytesIO()
    assert run(MailFilter(policy), Broken(), out) == EX_TEMPFAIL
    assert out.getvalue() == b""


def test_issue_5_cli_filter_exit_75_on_bad_pack_and_bad_usage(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: 1\npack: broken\nrules: [{id: x}]\n")
    raw = cases.c01_alternative()
    for argv in (["--rules", str(bad)], ["--no-such-option"], ["--binary", "nonsense"]):
        p = subprocess.run([*SCRUBBER, "mail", "filter", *argv], input=raw, capture_output=True,
                           timeout=60)
        assert p.returncode == EX_TEMPFAIL or (argv == ["--no-such-option"] and p.returncode)
        assert p.stdout == b""
        assert cases.STRIPE.encode() not in p.stderr


def test_issue_5_cli_filter_deadline_exits_75(tmp_path: Path) -> None:
    slow = tmp_path / "slow.yaml"
    slow.write_text((Path(__file__).parent / "slow.yaml").read_text())
    raw = b"Subject: x\r\n\r\nzzslow" + b"a" * 40 + b"! zzslowab\r\n"  # selects the rule
    p = subprocess.run([*SCRUBBER, "mail", "filter", "--rules", str(slow), "--scan-timeout",
                        "60", "--deadline", "1"], input=raw, capture_output=True, timeout=60)
    assert p.returncode == EX_TEMPFAIL
    assert p.stdout == b""


def test_issue_5_cli_filter_clean_message_byte_identical() -> None:
    raw = cases.c16_clean()
    p = subprocess.run([*SCRUBBER, "mail", "filter"], input=raw, capture_output=True, timeout=60)
    assert p.returncode == 0
    assert p.stdout == raw
