"""Encoded blobs pasted into text (base64 runs, uuencoded blocks): decode, scan, replace."""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable

from ..model import Finding

_B64_BLOB = re.compile(r"(?<![A-Za-z0-9+/=])(?:[A-Za-z0-9+/]{16,}={0,2}[ \t]*\r?\n?){2,}"
                       r"|(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/]{60,}={0,2}")
_UU_BLOCK = re.compile(r"(?m)^begin [0-7]{3,4} [^\r\n]*\r?\n(.*?)^end[ \t]*\r?$", re.DOTALL)
MIN_PRINTABLE = 0.85

Scan = Callable[[str], list[Finding]]


def _decode_b64(blob: str) -> str | None:
    try:
        data = binascii.a2b_base64(re.sub(r"\s", "", blob).encode("ascii"))
    except (binascii.Error, ValueError):
        return None
    return _printable(data)


def _decode_uu(block: str) -> str | None:
    data = bytearray()
    for line in block.splitlines():
        if not line.strip() or line.strip() == "`":
            continue
        try:
            data += binascii.a2b_uu(line)
        except (binascii.Error, ValueError):  # ValueError: a non-ASCII character
            return None
    return _printable(bytes(data))


def _printable(data: bytes) -> str | None:
    if not data:
        return None
    text = data.decode("utf-8", "replace")
    good = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return text if good / len(text) >= MIN_PRINTABLE else None


def hidden_secrets(text: str, scan: Scan) -> list[tuple[int, int, list[Finding]]]:
    """Spans of encoded blobs in ``text`` whose decoded content holds a secret."""
    out: list[tuple[int, int, list[Finding]]] = []
    for regex, decode in ((_UU_BLOCK, _decode_uu), (_B64_BLOB, _decode_b64)):
        for match in regex.finditer(text):
            if any(s < match.end() and match.start() < e for s, e, _ in out):
                continue
            inner = match.group(1) if regex is _UU_BLOCK else match.group()
            plain = decode(inner)
            if plain is None:
                continue
            found = [f for f in scan(plain) if f.kind == "secret"]
            if found:
                out.append((match.start(), match.end(), found))
    return sorted(out)


def replace_blobs(text: str, scan: Scan) -> tuple[str, list[Finding]]:
    """``text`` with every blob hiding a secret replaced by a marker naming its rules."""
    spans = hidden_secrets(text, scan)
    if not spans:
        return text, []
    out, last, found = [], 0, []
    for start, end, inner in spans:
        blob = text[start:end]
        tail = blob[len(blob.rstrip()):]
        rules = ",".join(sorted({f.rule_id for f in inner}))
        out += [text[last:start], f"[REDACTED:encoded-blob:{rules}]{tail}"]
        last = end
        found += inner
    out.append(text[last:])
    return "".join(out), found
