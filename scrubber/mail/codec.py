"""Transfer encodings and charsets: decode a part's body to text and encode it back the same way."""

from __future__ import annotations

import binascii
import codecs
import re
from dataclasses import dataclass

MAX_LINE = 998
QP_LINE = 76
B64_LINE = 76
#: charsets that are not ASCII-compatible: undecodable bytes cannot ride on surrogate escapes
_WIDE = ("utf-16", "utf-32", "utf_16", "utf_32")


class Undecodable(Exception):
    """The bytes do not decode in the declared charset (even with escapes)."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """A part's text with how to put it back: transfer encoding, codec and line ending."""

    text: str
    cte: str
    codec: str
    eol: bytes


def transfer_decode(body: bytes, cte: str) -> bytes:
    """Undo base64 or quoted-printable; other encodings are the bytes themselves."""
    if cte == "base64":
        return _base64(body)
    if cte == "quoted-printable":
        return binascii.a2b_qp(body)
    return body


def _base64(body: bytes) -> bytes:
    """Lenient base64: junk is skipped; a stray character after the last quantum is dropped."""
    try:
        return binascii.a2b_base64(re.sub(rb"[^A-Za-z0-9+/=]", b"", body) + b"===")
    except binascii.Error:  # 4k+1 data characters (padding in the middle, or a cut line)
        data = re.sub(rb"[^A-Za-z0-9+/]", b"", body)
        return binascii.a2b_base64(data[:len(data) - (len(data) % 4 == 1)] + b"===")


def pick_codec(charset: str | None) -> str:
    """A Python codec for a MIME charset; unknown or missing charsets read as UTF-8."""
    name = (charset or "us-ascii").strip().lower()
    if name in ("us-ascii", "ascii", "utf8", "unknown-8bit", "x-unknown", ""):
        return "utf-8"
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        return "utf-8"


def decode_text(data: bytes, codec: str) -> str:
    """Bytes to text; undecodable bytes survive as surrogate escapes (or a UTF-8 fallback)."""
    if codec.startswith(_WIDE):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            raise Undecodable from None
    try:
        return data.decode(codec, "surrogateescape")
    except (UnicodeDecodeError, LookupError):
        raise Undecodable from None


def encode_text(text: str, codec: str) -> bytes:
    """Text back to bytes in its codec; escaped bytes come back unchanged."""
    errors = "strict" if codec.startswith(_WIDE) else "surrogateescape"
    return text.encode(codec, errors)


def _split_lines(data: bytes) -> list[bytes]:
    return re.split(rb"\r?\n", data)


def encode_base64(data: bytes, eol: bytes) -> bytes:
    """Base64 in lines of 76 characters, each ended with ``eol``."""
    flat = binascii.b2a_base64(data, newline=False)
    return b"".join(flat[i:i + B64_LINE] + eol for i in range(0, len(flat), B64_LINE))


def encode_qp(data: bytes, eol: bytes, text: bool = True) -> bytes:
    """Quoted-printable with soft breaks at 76 characters and ``eol`` line endings."""
    if not text:
        out = binascii.b2a_qp(data, quotetabs=False, istext=False)
        return out.replace(b"\r\n", b"\n").replace(b"\n", eol)
    lines = re.split(rb"(\r?\n)", data)
    pieces = []
    for i in range(0, len(lines), 2):
        line = lines[i]
        nl = lines[i + 1] if i + 1 < len(lines) else b""
        enc = binascii.b2a_qp(line, quotetabs=False, istext=False)
        enc = enc.replace(b"=\r\n", b"=\n").replace(b"=\n", b"=" + eol)
        if enc.startswith(b".") and len(enc) == 1:
            enc = b"=2E"
        pieces.append(enc + (eol if nl else b""))
    return b"".join(pieces)


def too_long(data: bytes) -> bool:
    """True when some line would exceed RFC 5322's 998 octets."""
    return any(len(line) > MAX_LINE for line in _split_lines(data))


def transfer_encode(data: bytes, cte: str, eol: bytes) -> tuple[bytes, str]:
    """Re-apply the part's own transfer encoding; 7bit/8bit switch to QP only when they must."""
    if cte == "base64":
        return encode_base64(data, eol), cte
    if cte == "quoted-printable":
        return encode_qp(data, eol), cte
    if too_long(data) or (cte == "7bit" and not data.isascii()):
        return encode_qp(data, eol), "quoted-printable"
    return data, cte
