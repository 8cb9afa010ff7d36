"""Byte-level MIME structure: header fields, header/body split and multipart parts, with offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

_FIELD_NAME = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]*:")


@dataclass(frozen=True, slots=True)
class Field:
    """One header field: its name and raw bytes (folding and line ending included)."""

    name: str
    raw: bytes

    @property
    def lname(self) -> str:
        return self.name.lower()

    def value_bytes(self) -> bytes:
        """The raw value after the colon, unfolded, without the line ending."""
        value = self.raw.split(b":", 1)[1] if b":" in self.raw else b""
        return re.sub(rb"\r?\n(?=[ \t])", b"", value).rstrip(b"\r\n")


@dataclass(frozen=True, slots=True)
class Entity:
    """A MIME entity as bytes: header fields, the blank separator line and the body."""

    fields: tuple[Field, ...]
    separator: bytes
    body: bytes
    eol: bytes

    def head(self) -> Message:
        """The header block parsed by the standard library, for parameters only."""
        return BytesHeaderParser(policy=compat32).parsebytes(
            b"".join(f.raw for f in self.fields) + b"\r\n")

    def to_bytes(self) -> bytes:
        return b"".join(f.raw for f in self.fields) + self.separator + self.body


def line_ending(data: bytes) -> bytes:
    """The message's line ending: CRLF when the first line ends with it, else LF."""
    nl = data.find(b"\n")
    return b"\r\n" if nl > 0 and data[nl - 1:nl] == b"\r" else b"\n"


def parse_entity(data: bytes) -> Entity:
    """Split ``data`` into header fields, the separator line and the body, losslessly."""
    eol = line_ending(data)
    fields: list[Field] = []
    pos = 0
    while pos < len(data):
        end = _line_end(data, pos)
        line = data[pos:end]
        if line in (b"\r\n", b"\n"):
            return Entity(tuple(fields), line, data[end:], eol)
        if line[:1] in (b" ", b"\t") and fields:
            last = fields[-1]
            fields[-1] = Field(last.name, last.raw + line)
        else:
            match = _FIELD_NAME.match(line)
            if match is None:  # not a header: the body starts here (no separator line)
                return Entity(tuple(fields), b"", data[pos:], eol)
            fields.append(Field(match.group(1).decode("ascii"), line))
        pos = end
    return Entity(tuple(fields), b"", b"", eol)


def _line_end(data: bytes, pos: int) -> int:
    nl = data.find(b"\n", pos)
    return len(data) if nl < 0 else nl + 1


@dataclass(frozen=True, slots=True)
class Multipart:
    """A multipart body cut into parts; ``framing`` alternates with the parts.

    ``preamble`` is the length of the text before the first delimiter (in ``framing[0]``);
    ``epilogue`` is where the text after a close delimiter starts in ``framing[-1]`` (-1:
    no close delimiter).
    """

    framing: tuple[bytes, ...]
    parts: tuple[bytes, ...]
    preamble: int = 0
    epilogue: int = -1

    def join(self, parts: tuple[bytes, ...]) -> bytes:
        out = [self.framing[0]]
        for part, frame in zip(parts, self.framing[1:], strict=True):
            out += [part, frame]
        return b"".join(out)


def split_multipart(body: bytes, boundary: str) -> Multipart:
    """Cut a multipart body at its delimiter lines (a missing close delimiter is tolerated).

    ``framing[0]`` is the preamble with the first delimiter line; each later framing
    element is the line break before a delimiter, the delimiter line and what follows a
    close delimiter (the epilogue). Without any delimiter, the whole body is preamble.
    """
    try:
        raw = boundary.encode("latin-1")
    except UnicodeEncodeError:  # a garbled boundary parameter: no line can match it
        return Multipart((body,), (), len(body))
    delim = re.compile(rb"(?m)(\r?\n)?^--" + re.escape(raw) + rb"(--)?[ \t]*(?:\r?\n|\Z)")
    framing: list[bytes] = []
    parts: list[bytes] = []
    start = preamble = 0
    for match in delim.finditer(body):
        close = bool(match.group(2))
        if not framing:
            preamble = match.start()
            framing.append(body if close else body[:match.end()])
        else:
            parts.append(body[start:match.start()])
            framing.append(body[match.start():] if close else body[match.start():match.end()])
        if close:
            epilogue = match.end() - (match.start() if parts else 0)
            return Multipart(tuple(framing), tuple(parts), preamble, epilogue)
        start = match.end()
    if not framing:
        return Multipart((body,), (), len(body))
    parts.append(body[start:])
    framing.append(b"")
    return Multipart(tuple(framing), tuple(parts), preamble)
