"""MailFilter: scrub_message plus the poison path, quarantine, events, metrics and logging."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from dataclasses import dataclass, field
from email.utils import formatdate, getaddresses

from .events import Callback, make_events
from .headers import decode_value
from .message import MailReport, scrub_message
from .metrics import Metrics
from .mime import parse_entity
from .policy import LimitExceeded, MailError, MailPolicy
from .store import Attempts, Quarantine, content_hash

log = logging.getLogger("scrubber.mail")
POISON_ACTIONS = ("quarantine", "drop")


class TempFail(MailError):
    """The message must be retried later (SMTP 451, milter TEMPFAIL, exit 75)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """The bytes to deliver and what happened (``withheld`` names the reason, if any)."""

    data: bytes
    report: MailReport
    ref: str
    withheld: str | None = None


@dataclass
class MailFilter:
    """Everything a front end needs around ``scrub_message``.

    ``attempts`` counts failures per content hash: after ``max_attempts`` the message is
    withheld (a stub is delivered, the original quarantined or dropped per ``poison``)
    instead of failing forever. Limits withhold at once. Any other error raises
    ``TempFail``. Logs carry the reference, counts and error type, never content.
    """

    policy: MailPolicy = field(default_factory=MailPolicy)
    attempts: Attempts | None = None
    quarantine: Quarantine | None = None
    events: Callback | None = None
    metrics: Metrics = field(default_factory=Metrics)
    max_attempts: int = 5
    poison: str = "quarantine"

    def __post_init__(self) -> None:
        if self.poison not in POISON_ACTIONS:
            raise MailError(f"poison action must be one of {POISON_ACTIONS}")

    def ref(self, raw: bytes) -> str:
        return content_hash(self.policy.scrubber.fingerprint("mail-ref").encode(), raw)[:20]

    def process(self, raw: bytes) -> Outcome:
        """Scrub ``raw``; raises ``TempFail`` when it must be retried later."""
        started = time.monotonic()
        ref = self.ref(raw)
        try:
            outcome = self._process(raw, ref)
        except TempFail:
            self.metrics.outcome("deferred", time.monotonic() - started, {})
            raise
        kind = ("withheld" if outcome.withheld else
                "delivered" if outcome.report.changed else "clean")
        self.metrics.outcome(kind, time.monotonic() - started, outcome.report.entities())
        log.info("ref=%s outcome=%s redactions=%d tags=%s", ref, kind,
                 len(outcome.report.hits), dict(outcome.report.tags))
        return outcome

    def _process(self, raw: bytes, ref: str) -> Outcome:
        if self.attempts and self.attempts.count(ref) >= self.max_attempts:
            return self.withhold(raw, ref, "poison", MailReport())
        try:
            data, report = scrub_message(raw, self.policy)
        except LimitExceeded as exc:
            return self.withhold(raw, ref, f"limit-{exc.limit}", MailReport())
        except Exception as exc:
            self.failed(raw, type(exc).__name__)
            raise TempFail(f"scrubbing failed ({type(exc).__name__})") from None
        if report.withheld:
            return self.withhold(raw, ref, report.withheld, report)
        self._emit(raw, report, ref)
        if self.attempts:
            self.attempts.clear(ref)
        return Outcome(data, report, ref)

    def failed(self, raw: bytes, why: str) -> None:
        """Count one failed attempt (front ends call this on a timeout too)."""
        ref = self.ref(raw)
        n = self.attempts.fail(ref) if self.attempts else 0
        log.warning("ref=%s temporary failure (%s), attempt %d", ref, why, n)

    def withhold(self, raw: bytes, ref: str, reason: str, report: MailReport) -> Outcome:
        """Deliver a stub; keep the original in the quarantine (or drop it, by policy)."""
        try:
            if self.poison == "quarantine":
                if self.quarantine is None:
                    raise MailError("no quarantine configured")
                self.quarantine.store(ref, raw, reason)
        except Exception as exc:
            self.failed(raw, type(exc).__name__)
            raise TempFail(f"cannot quarantine ({type(exc).__name__})") from None
        log.warning("ref=%s withheld (%s), original %s", ref, reason,
                    "quarantined" if self.poison == "quarantine" else "dropped")
        if self.attempts:
            self.attempts.clear(ref)
        return Outcome(stub_message(raw, ref, reason), report, ref, reason)

    def _emit(self, raw: bytes, report: MailReport, ref: str) -> None:
        if self.events and report.secrets:
            self.events(make_events(report.secrets, message_id(raw), ref))


def message_id(raw: bytes) -> str:
    for f in parse_entity(raw[:65536]).fields:
        if f.lname == "message-id":
            return decode_value(f.value_bytes())
    return ""


def stub_message(raw: bytes, ref: str, reason: str) -> bytes:
    """A plain message in place of a withheld one: addresses, date and id only, no content."""
    ent = parse_entity(raw[:262144])
    lines = []
    for f in ent.fields:
        if f.lname in ("from", "to", "cc"):
            addrs = [a for _, a in getaddresses([decode_value(f.value_bytes())]) if a]
            if addrs and all(a.isascii() for a in addrs):
                lines.append(f"{f.name}: {', '.join(addrs)}")
        elif f.lname == "message-id" and f.value_bytes().isascii():
            lines.append(f"Message-ID: {f.value_bytes().decode().strip()}")
    lines += [f"Date: {formatdate(localtime=False)}",
              f"Subject: [withheld by scrubber] message {ref}",
              "MIME-Version: 1.0",
              "Content-Type: text/plain; charset=us-ascii",
              "Content-Transfer-Encoding: 7bit",
              f"X-Scrubber: v=1; withheld={reason}; ref={ref}",
              "",
              f"This message was withheld by scrubber ({reason}).",
              f"Reference: {ref}. An operator can review it in the quarantine.",
              ""]
    return "\r\n".join(lines).encode("ascii")


async def serve_until_signal(server: asyncio.AbstractServer, name: str, host: str, port: int,
                             ready: asyncio.Event | None = None) -> None:
    """Keep a started front-end server running until SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("%s listening on %s:%d", name, host, port)
    if ready:
        ready.set()
    async with server:
        await stop.wait()
