"""Milter protocol: negotiation, header/body modifications, TEMPFAIL on errors."""

from __future__ import annotations

import asyncio
import struct

from scrubber.mail import MailPolicy
from scrubber.mail.core import MailFilter
from scrubber.mail.milter import Milter, _Message, modifications, packet

from . import cases


def _cmds(packets: list[bytes]) -> list[bytes]:
    return [p[4:5] for p in packets]


def test_issue_5_milter_negotiates_and_rewrites(policy: MailPolicy) -> None:
    m = Milter(MailFilter(policy))
    msg = _Message()
    opt = asyncio.run(m.dispatch(b"O", struct.pack("!III", 6, 0x1FF, 0x1FFFFF), msg))
    assert _cmds(opt) == [b"O"]
    raw = cases.c03_subject_encodings()
    head, body = raw.split(b"\r\n\r\n", 1)
    for line in head.replace(b"\r\n ", b"\n ").split(b"\r\n"):
        name, value = line.split(b": ", 1)
        assert _cmds(asyncio.run(m.dispatch(b"L", name + b"\0" + value + b"\0", msg))) == [b"c"]
    asyncio.run(m.dispatch(b"B", body, msg))
    replies = asyncio.run(m.dispatch(b"E", b"", msg))
    assert replies[-1] == packet(b"c")
    assert b"m" in _cmds(replies)
    assert b"h" in _cmds(replies)
    assert all(cases.GH.encode() not in r for r in replies)


def test_issue_5_milter_tempfails_on_engine_error(policy: MailPolicy) -> None:
    class Broken(MailFilter):
        def process(self, raw: bytes) -> object:  # type: ignore[override]
            raise RuntimeError("boom")

    m = Milter(Broken(policy))
    msg = _Message()
    msg.body += b"hello"
    replies = asyncio.run(m.end_of_message(msg))
    assert replies[0][4:5] == b"y"
    assert replies[0][5:8] == b"451"


def test_issue_5_milter_no_changes_for_clean_mail() -> None:
    raw = cases.c16_clean()
    assert list(modifications(raw, raw)) == []
