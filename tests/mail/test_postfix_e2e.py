"""End to end through a real Postfix on loopback: milter, SMTP content filter and pipe(8).

Postfix, the sink and the filters are started here (``.ci/setup-mail.sh`` installs
Postfix). Faults (engine exception, timeout, killed filter, filter down) must leave the
message deferred in the queue; after recovery a flush delivers it scrubbed; no bounce
ever reaches the sink.
"""

from __future__ import annotations

import os
import re
import signal
import smtplib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scrubber.fakes import expand

from . import cases
from .mta import Daemon, Postfix, running_postfix, wait_for

KEY = expand("sk-proj-{{b64url:74}}T3BlbkFJ{{b64url:74}}", "mail-e2e")
TOKEN = expand("{{crc32:ghp_}}", "mail-e2e")
TRIGGER = "zzslow" + "a" * 40 + "! zzslowab"  # a real match later selects the rule
SLOW_PACK = """schema: 1
pack: slowtest
rules:
  - id: slow-rule
    kind: secret
    entity: SLOW
    severity: high
    keywords: [zzslow]
    regex: 'zzslow(?P<secret>(a|aa)+)b'
    examples:
      match: ['zzslowaaab']
      no_match: ['zzslow']
"""
BROKEN_PACK = "schema: 1\npack: broken\nrules: [{id: x}]\n"


def ticket(tag: str) -> bytes:
    return (f"From: Jane <jane@example.test>\r\nTo: support@example.test\r\n"
            f"Subject: key {TOKEN} fails\r\nMessage-ID: <{tag}@example.test>\r\n"
            "Date: Fri, 27 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"Hi, my key is {KEY}\r\ncall me at jane.doe@kestrel-analytics.co\r\n"
            f"{TRIGGER}\r\nThanks, Zoë\r\n").encode()


def clean(tag: str) -> bytes:
    return (f"From: a@example.test\r\nTo: support@example.test\r\nSubject: bug: 500 on req_1\r\n"
            f"Message-ID: <{tag}@example.test>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n"
            "Status 500 at 2026-11-27T10:02:11Z\r\n.leading dot\r\nJosé\r\n" + "x" * 900
            + "\r\n").encode()


def assert_scrubbed(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    assert KEY[16:40] not in text
    assert TOKEN[10:] not in text
    assert "jane.doe@kestrel-analytics.co" not in text
    assert KEY[:12] in text
    assert "X-Scrubber: v=1" in text


def strip_trace(data: bytes) -> bytes:
    """The message without the Received fields Postfix prepended."""
    return re.sub(rb"\A(?:Received:[^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*)+", b"", data)


@pytest.fixture(scope="module")
def mta() -> Iterator[Postfix]:
    with running_postfix() as pf:
        yield pf


def smtp_filter(pf: Postfix, *extra: str) -> Daemon:
    return Daemon("smtp-filter", pf.ports["filter"], "--next-hop",
                  f"127.0.0.1:{pf.ports['reinject']}", *extra)


def milter(pf: Postfix, *extra: str) -> Daemon:
    return Daemon("milter", pf.ports["milter"], *extra)


FRONTS = {"content-filter": ("cf_in", smtp_filter), "milter": ("milter_queue", milter)}


@pytest.mark.parametrize("mode", ["content-filter", "milter", "pipe"])
def test_issue_5_ticket_arrives_scrubbed_and_clean_mail_identical(mta: Postfix, mode: str) -> None:
    port = {"content-filter": "cf_in", "milter": "milter_in", "pipe": "pipe_in"}[mode]
    daemon = FRONTS[mode][1](mta) if mode in FRONTS else None
    if daemon:
        daemon.start()
    try:
        mta.send(port, ticket(f"ok-{mode}"), f"ok-{mode}@example.test")
        assert_scrubbed(mta.sink.wait(f"ok-{mode}@".encode()).data)
        raw = clean(f"clean-{mode}")
        mta.send(port, raw, f"clean-{mode}@example.test")
        assert strip_trace(mta.sink.wait(f"clean-{mode}@".encode()).data) == raw
    finally:
        if daemon:
            daemon.stop()


def test_issue_5_milter_answers_451_when_down(mta: Postfix) -> None:
    with pytest.raises(smtplib.SMTPResponseException) as err:
        mta.send("milter_in", ticket("down-direct"), "down-direct@example.test")
    assert 400 <= err.value.smtp_code < 500


FAULTS = {
    "engine-exception": ("--scan-timeout", "0.3"),
    "timeout": ("--scan-timeout", "60", "--deadline", "1"),
    "killed": ("--scan-timeout", "60", "--deadline", "120"),
    "down": None,
}


def _expect_deferred(mta: Postfix, tag: str) -> None:
    wait_for(lambda: mta.deferred(tag), 30)
    assert not mta.sink.find(f"{tag}@".encode())


def _recover(mta: Postfix, tag: str) -> None:
    mta.flush()
    assert_scrubbed(mta.sink.wait(f"{tag}@".encode(), 30).data)
    wait_for(lambda: not mta.deferred(tag), 10)


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("mode", list(FRONTS))
def test_issue_5_fault_defers_then_delivers_scrubbed(mta: Postfix, mode: str, fault: str,
                                                     tmp_path: Path) -> None:
    tag = f"fault-{mode}-{fault}"
    port, make = FRONTS[mode]
    slow = tmp_path / "slow.yaml"
    slow.write_text(SLOW_PACK)
    extra = FAULTS[fault]
    daemon = make(mta, "--rules", str(slow), *extra).start() if extra is not None else None
    try:
        mta.send(port, ticket(tag), f"{tag}@example.test")
        if fault == "killed":
            time.sleep(2)
            assert daemon is not None
            daemon.stop(signal.SIGKILL)
        _expect_deferred(mta, tag)
    finally:
        if daemon:
            daemon.stop()
    with make(mta):
        _recover(mta, tag)


def _pipe_pids(mta: Postfix) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        # the filter command, not Postfix's pipe(8) daemon whose arguments hold the same text
        program = cmd.split(b"\0")[0].rsplit(b"/", 1)[-1]
        mine = program != b"pipe" and str(mta.pack_dir).encode() in cmd \
            and b"--deadline\x00120" in cmd
        if proc.name.isdigit() and mine:
            pids.append(int(proc.name))
    return pids


@pytest.mark.parametrize("fault", list(FAULTS))
def test_issue_5_pipe_fault_defers_then_delivers_scrubbed(mta: Postfix, fault: str) -> None:
    tag = f"fault-pipe-{fault}"
    port = {"timeout": "pipe_slow_in", "killed": "pipe_hang_in"}.get(fault, "pipe_in")
    pack = mta.pack_dir / "fault.yaml"
    pack.write_text(BROKEN_PACK if fault == "down" else SLOW_PACK)
    os.chmod(pack, 0o644)
    try:
        mta.send(port, ticket(tag), f"{tag}@example.test")
        if fault == "killed":
            wait_for(lambda: _pipe_pids(mta), 20)
            for pid in _pipe_pids(mta):
                os.kill(pid, signal.SIGKILL)
        _expect_deferred(mta, tag)
    finally:
        pack.unlink()
    _recover(mta, tag)


def test_issue_5_mime_cases_through_content_filter(mta: Postfix) -> None:
    with smtp_filter(mta):
        for name, build in cases.CASES:
            if name.startswith("14-"):  # bare LF and NUL bytes: not valid on the SMTP wire
                continue
            raw = build().replace(b"<c", f"<e2e-{name[:2]}-c".encode(), 1)
            mta.send("cf_in", raw, f"case{name[:2]}@example.test")
            data = mta.sink.wait(f"case{name[:2]}@".encode(), 30).data
            for secret in cases.SECRETS:
                assert secret[12:28] not in data.decode("latin-1"), name


def test_issue_5_no_bounce_ever_and_queue_empty(mta: Postfix) -> None:
    bounces = [m for m in mta.sink.messages() if m.mail_from in ("", "<>")]
    assert not bounces
    assert "status=bounced" not in mta.log()
    for item in mta.sink.messages():
        assert KEY[16:40].encode() not in item.data
    assert mta.sink.messages()
