"""SMTP filter: 451 (never 5xx) on errors, 250 only after the next hop accepted."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from scrubber.mail import MailPolicy
from scrubber.mail.core import MailFilter
from scrubber.mail.smtpfilter import TEMPFAIL, FailClosedSMTP, FilterHandler

from . import cases
from .mta import Sink, free_port


def test_issue_5_smtp_filter_relays_then_250(policy: MailPolicy) -> None:
    sink = Sink()
    sink.start()
    try:
        handler = FilterHandler(MailFilter(policy), ("127.0.0.1", sink.port))
        env = SimpleNamespace(original_content=cases.c01_alternative(),
                              mail_from="a@example.test", rcpt_tos=["b@example.test"])
        reply = asyncio.run(handler.handle_DATA(None, None, env))  # type: ignore[arg-type]
        assert reply.startswith("250")
        assert cases.STRIPE.encode() not in sink.messages()[0].data
    finally:
        sink.stop()


def test_issue_5_smtp_filter_451_when_next_hop_down(policy: MailPolicy) -> None:
    handler = FilterHandler(MailFilter(policy), ("127.0.0.1", free_port()))
    env = SimpleNamespace(original_content=cases.c01_alternative(), mail_from="a@example.test",
                          rcpt_tos=["b@example.test"])
    assert asyncio.run(handler.handle_DATA(None, None, env)) == TEMPFAIL  # type: ignore[arg-type]
    assert asyncio.run(handler.handle_exception(RuntimeError("x"))) == TEMPFAIL


def test_issue_5_server_never_answers_5xx() -> None:
    sent: list[str] = []

    async def fake_push(self: object, status: str) -> None:
        sent.append(status)

    orig = FailClosedSMTP.__mro__[1].push
    FailClosedSMTP.__mro__[1].push = fake_push  # type: ignore[method-assign]
    try:
        server = FailClosedSMTP.__new__(FailClosedSMTP)
        asyncio.run(server.push("500 Error: (RuntimeError) secret"))
        asyncio.run(server.push("250 OK"))
    finally:
        FailClosedSMTP.__mro__[1].push = orig  # type: ignore[method-assign]
    assert sent == [TEMPFAIL, "250 OK"]
