"""Milter (Sendmail/Postfix before-queue filter), protocol v6 in pure asyncio; errors TEMPFAIL.

The protocol is small and documented (libmilter's ``mfdef.h``): length-prefixed packets,
one command byte, NUL-terminated strings. This module answers CONTINUE to every stage,
collects headers and body, and at end-of-body sends header changes and a body
replacement computed by ``scrub_message``, or a 451 reply when anything goes wrong.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from .core import MailFilter, Outcome, serve_until_signal
from .headers import skipped
from .mime import Field, parse_entity

log = logging.getLogger("scrubber.mail")

VERSION = 6
# actions we ask for: add headers, change body, change headers
SMFIF_ADDHDRS, SMFIF_CHGBODY, SMFIF_CHGHDRS = 0x01, 0x02, 0x10
# protocol steps we skip when the MTA allows: connect, helo, mail, rcpt, unknown, data
SKIP_STEPS = 0x01 | 0x02 | 0x04 | 0x08 | 0x100 | 0x200
MAX_PACKET = 64 * 1024 * 1024
CHUNK = 65535
TEMPFAIL_REPLY = b"451 4.3.0 scrubber: temporary failure, try again later"
#: commands answered with CONTINUE
CONTINUE_AFTER = frozenset(b"CHMRTUNLB")


def packet(cmd: bytes, data: bytes = b"") -> bytes:
    return struct.pack("!I", len(data) + 1) + cmd + data


def _z(*parts: bytes) -> bytes:
    return b"".join(p + b"\0" for p in parts)


@dataclass
class _Message:
    """Headers and body of the message on this connection so far."""

    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)

    def raw(self) -> bytes:
        lines = [name + b": " + value.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + b"\r\n"
                 for name, value in self.headers]
        return b"".join(lines) + b"\r\n" + bytes(self.body)


def _value(f: Field) -> bytes:
    """A field's value as the milter protocol carries it (no leading space, LF folding)."""
    value = f.raw.split(b":", 1)[1]
    if value.startswith(b" "):
        value = value[1:]
    return value.rstrip(b"\r\n").replace(b"\r\n", b"\n")


def _occurrences(fields: tuple[Field, ...]) -> dict[tuple[str, int], Field]:
    seen: dict[str, int] = {}
    out = {}
    for f in fields:
        seen[f.lname] = seen.get(f.lname, 0) + 1
        out[(f.lname, seen[f.lname])] = f
    return out


def modifications(original: bytes, scrubbed: bytes) -> Iterator[bytes]:
    """Milter packets turning ``original`` into ``scrubbed`` (trace headers never touched)."""
    old, new = parse_entity(original), parse_entity(scrubbed)
    before, after = _occurrences(old.fields), _occurrences(new.fields)
    for (lname, n), f in after.items():
        if skipped(f.name) and lname != "x-scrubber":
            continue
        prior = before.get((lname, n))
        if prior is None:
            yield packet(b"h", _z(f.name.encode(), _value(f)))
        elif _value(prior) != _value(f):
            yield packet(b"m", struct.pack("!I", n) + _z(f.name.encode(), _value(f)))
    for (lname, n), f in before.items():
        if (lname, n) not in after and not skipped(f.name):
            yield packet(b"m", struct.pack("!I", n) + _z(f.name.encode(), b""))
    if new.body != old.body:
        for i in range(0, max(len(new.body), 1), CHUNK):
            yield packet(b"b", new.body[i:i + CHUNK])


class Milter:
    """One milter service: a MailFilter, a per-message deadline and the protocol loop."""

    def __init__(self, mf: MailFilter, deadline: float = 60.0) -> None:
        self.mf = mf
        self.deadline = deadline

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        msg = _Message()
        try:
            while True:
                (size,) = struct.unpack("!I", await reader.readexactly(4))
                if not 0 < size <= MAX_PACKET:
                    break
                payload = await reader.readexactly(size)
                cmd, data = payload[:1], payload[1:]
                if cmd in (b"Q", b""):
                    break
                for reply in await self.dispatch(cmd, data, msg):
                    writer.write(reply)
                await writer.drain()
                if cmd in (b"E", b"A", b"K"):
                    msg = _Message()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except Exception as exc:  # the MTA applies milter_default_action (tempfail)
            log.warning("milter session error (%s)", type(exc).__name__)
        finally:
            writer.close()

    async def dispatch(self, cmd: bytes, data: bytes, msg: _Message) -> list[bytes]:
        if cmd == b"O":
            _, actions, protocol = struct.unpack("!III", data[:12])
            want = (SMFIF_ADDHDRS | SMFIF_CHGBODY | SMFIF_CHGHDRS) & actions
            return [packet(b"O", struct.pack("!III", VERSION, want, SKIP_STEPS & protocol))]
        if cmd == b"L":
            name, value = [*data.split(b"\0"), b"", b""][:2]
            msg.headers.append((name, value))
        elif cmd == b"B":
            msg.body += data
        elif cmd == b"E":
            msg.body += data
            return await self.end_of_message(msg)
        if cmd[0] in CONTINUE_AFTER:
            return [packet(b"c")]
        return []  # D (macros), A (abort), K (new message): no reply

    async def end_of_message(self, msg: _Message) -> list[bytes]:
        raw = msg.raw()
        try:
            outcome: Outcome = await asyncio.wait_for(
                asyncio.to_thread(self.mf.process, raw), self.deadline)
            replies = list(modifications(raw, outcome.data))
        except asyncio.TimeoutError:
            self.mf.failed(raw, "deadline")
            return [packet(b"y", TEMPFAIL_REPLY + b"\0")]
        except Exception as exc:
            log.warning("milter deferred (%s)", type(exc).__name__)
            return [packet(b"y", TEMPFAIL_REPLY + b"\0")]
        return [*replies, packet(b"c")]


async def serve(milter: Milter, host: str, port: int,
                ready: asyncio.Event | None = None) -> None:
    """Listen on ``host:port`` until SIGTERM/SIGINT."""
    server = await asyncio.start_server(milter.session, host, port)
    await serve_until_signal(server, "milter", host, port, ready)
