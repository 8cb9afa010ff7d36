"""SMTP content filter: 250 only after the next hop accepted the scrubbed copy, else 451."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from .core import MailFilter, serve_until_signal
from .pipe import relay

log = logging.getLogger("scrubber.mail")
TEMPFAIL = "451 4.3.0 scrubber: temporary failure, try again later"
#: no line or size limit answers 5xx here: a 5xx makes the MTA bounce the unscrubbed original
LINE_LIMIT = 1 << 20


class FailClosedSMTP(SMTP):
    """aiosmtpd's server with every 5xx reply turned into a 451 (a 5xx bounces originals)."""

    line_length_limit = LINE_LIMIT

    async def push(self, status: Any) -> None:
        text = status.decode() if isinstance(status, bytes) else str(status)
        if text[:1] == "5":
            log.warning("refusing to answer %s; deferring instead", text[:3])
            text = TEMPFAIL
        await super().push(text)


class FilterHandler:
    """aiosmtpd handler: scrub in a worker thread under a deadline, relay, then answer."""

    def __init__(self, mf: MailFilter, next_hop: tuple[str, int], deadline: float = 60.0,
                 relay_timeout: float = 120.0) -> None:
        self.mf = mf
        self.next_hop = next_hop
        self.deadline = deadline
        self.relay_timeout = relay_timeout

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            outcome = await asyncio.wait_for(asyncio.to_thread(self.mf.process, raw),
                                             self.deadline)
        except asyncio.TimeoutError:
            self.mf.failed(raw, "deadline")
            return TEMPFAIL
        except Exception as exc:
            log.warning("deferred: %s", type(exc).__name__)
            return TEMPFAIL
        try:
            await asyncio.wait_for(asyncio.to_thread(
                relay, outcome.data, *self.next_hop, envelope.mail_from or "",
                envelope.rcpt_tos, self.relay_timeout), self.relay_timeout + 5)
        except Exception as exc:
            log.warning("ref=%s next hop failed (%s); deferred", outcome.ref, type(exc).__name__)
            return TEMPFAIL
        return f"250 2.0.0 Ok: scrubbed ref={outcome.ref}"

    async def handle_exception(self, error: Exception) -> str:
        log.warning("session error (%s); deferred", type(error).__name__)
        return TEMPFAIL


async def serve(handler: FilterHandler, host: str, port: int,
                ready: asyncio.Event | None = None) -> None:
    """Listen on ``host:port`` until SIGTERM/SIGINT."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: FailClosedSMTP(handler, data_size_limit=None, enable_SMTPUTF8=True,
                               decode_data=False, ident="scrubber"),
        host, port)
    await serve_until_signal(server, "smtp filter", host, port, ready)
