"""Header fields: scrub free text, display names and file names; never trace or signatures."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.errors import MessageError
from email.header import Header, decode_header, make_header
from email.message import Message
from email.policy import compat32
from email.policy import default as default_policy
from email.utils import collapse_rfc2231_value, formataddr, getaddresses

from ..model import Finding, ScrubResult
from .html import splice
from .mime import Field
from .policy import MailError

#: never read or changed: trace, signatures, authentication results, identifiers, structure
NEVER = frozenset((
    "received", "dkim-signature", "domainkey-signature", "authentication-results",
    "arc-seal", "arc-message-signature", "arc-authentication-results", "message-id",
    "in-reply-to", "references", "date", "return-path", "mime-version", "delivered-to",
    "content-transfer-encoding", "content-id", "resent-message-id", "resent-date",
    "received-spf", "x-scrubber", "x-original-to", "content-length", "lines",
))
ADDRESS = frozenset((
    "from", "to", "cc", "bcc", "reply-to", "sender", "resent-from", "resent-to", "resent-cc",
    "resent-bcc", "resent-sender", "disposition-notification-to", "return-receipt-to",
))
PARAMS = frozenset(("content-type", "content-disposition"))
FILE_PARAMS = ("filename", "name")

Scrub = Callable[[str], ScrubResult]


def skipped(name: str) -> bool:
    lname = name.lower()
    return lname in NEVER or lname.startswith("arc-")


def decode_value(raw: bytes) -> str:
    """The header value as text: unfolded, RFC 2047 words decoded, raw UTF-8 accepted."""
    text = raw.decode("utf-8", "surrogateescape").strip()
    if "=?" not in text:
        return text
    try:
        return str(make_header(decode_header(text)))
    except (LookupError, UnicodeError, ValueError, AssertionError, MessageError):
        return text


def scrub_field(field: Field, scrub: Scrub, eol: bytes) -> tuple[Field, list[Finding]] | None:
    """The field with its secrets and PII removed, or None when nothing in it matched."""
    if skipped(field.name):
        return None
    value = decode_value(field.value_bytes())
    try:
        if field.lname in ADDRESS:
            new, found = _addresses(value, scrub)
        elif field.lname in PARAMS:
            new, found = _params(field.name, value, scrub)
        else:
            result = scrub(value)
            new, found = result.text, list(result.findings)
    except UnicodeError as exc:  # e.g. Latin-1 bytes in a display name (surrogate escapes)
        raise MailError(f"cannot re-encode header {field.name}") from exc
    if not found:
        return None
    return Field(field.name, fold(field.name, new, eol, not field.raw.isascii())), found


def _addresses(value: str, scrub: Scrub) -> tuple[str, list[Finding]]:
    """Secrets anywhere and PII outside the addresses themselves (display names, comments)."""
    result = scrub(value)
    pairs = getaddresses([value])
    addr_spans = [(m.start(), m.end()) for _, addr in pairs if addr
                  for m in re.finditer(re.escape(addr), value)]
    keep = [f for f in result.findings if f.kind == "secret" or not any(
        s < f.end and f.start < e for s, e in addr_spans)]
    if not keep:
        return value, []
    text = splice(value, keep)
    rebuilt = ", ".join(_formataddr(name, addr) for name, addr in getaddresses([text]))
    return rebuilt or text, keep


def _formataddr(name: str, addr: str) -> str:
    """``formataddr``, which raises on a non-ASCII address (RFC 6532): that one is kept as is."""
    if not addr:
        return name
    if addr.isascii():
        return formataddr((name, addr), "utf-8")
    return formataddr((name, "x@x"), "utf-8")[:-len("<x@x>")] + f"<{addr}>" if name else addr


def _params(name: str, value: str, scrub: Scrub) -> tuple[str, list[Finding]]:
    """Scrub the ``filename``/``name`` parameters (RFC 2231 or RFC 2047 encoded)."""
    msg = Message(policy=compat32)
    msg[name] = value
    found: list[Finding] = []
    for param in FILE_PARAMS:
        raw = msg.get_param(param, header=name)
        if raw is None or raw == "":
            continue
        current = collapse_rfc2231_value(raw) if isinstance(raw, tuple) else str(raw)
        current = decode_value(current.encode("utf-8", "surrogateescape"))
        result = scrub(current)
        if result.findings:
            found += result.findings
            charset = None if result.text.isascii() else "utf-8"
            msg.set_param(param, result.text, header=name, charset=charset)
    return (str(msg[name]) if found else value), found


def fold(name: str, value: str, eol: bytes, utf8: bool) -> bytes:
    """A new header field ``name: value``, RFC 2047-encoded where needed, folded at 78."""
    try:
        pol = default_policy.clone(linesep=eol.decode(), utf8=utf8, max_line_length=78)
        if name.lower() in ADDRESS or name.lower() in PARAMS:
            return _fold_plain(name, value, eol).encode("utf-8" if utf8 else "ascii")
        if value.isascii() or utf8:
            try:
                folded: str = pol.fold(name, value)
                return folded.encode("utf-8" if utf8 else "ascii")
            except UnicodeError:  # the policy decoded a broken encoded-word left in the value
                return _fold_plain(name, value, eol).encode("utf-8" if utf8 else "ascii")
        encoded = Header(value, "utf-8", header_name=name).encode(linesep=eol.decode())
        return f"{name}: {encoded}".encode("ascii") + eol
    except (UnicodeError, ValueError, TypeError) as exc:
        raise MailError(f"cannot re-encode header {name}") from exc


def _fold_plain(name: str, value: str, eol: bytes) -> str:
    """Fold a structured value at ``, `` or ``; `` boundaries only (never inside a word)."""
    sep = eol.decode()
    pieces = re.split(r"(?<=[,;]) ", value)
    lines, line = [], f"{name}: "
    for piece in pieces:
        if len(line) + len(piece) > 78 and line.strip() not in (f"{name}:", ""):
            lines.append(line.rstrip())
            line = " "
        line += piece + " "
    lines.append(line.rstrip())
    return sep.join(lines) + sep
