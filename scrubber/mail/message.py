"""scrub_message: walk a MIME message as bytes; splice back only the changed parts and headers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from email.message import Message
from email.utils import collapse_rfc2231_value
from types import MappingProxyType

from ..model import Finding, ScrubResult
from . import codec, headers
from .binary import sniff_text
from .blobs import replace_blobs
from .html import scrub_html
from .mime import Entity, Field, Multipart, parse_entity, split_multipart
from .policy import LimitExceeded, MailError, MailPolicy

ENCRYPTED_TYPES = frozenset(("application/pkcs7-mime", "application/x-pkcs7-mime",
                             "application/pgp-encrypted", "multipart/encrypted"))
SIGNATURE_TYPES = frozenset(("application/pkcs7-signature", "application/x-pkcs7-signature",
                             "application/pgp-signature"))
TEXT_APPLICATIONS = frozenset(("application/json", "application/xml", "application/x-yaml",
                               "application/yaml", "application/javascript", "application/x-sh",
                               "application/csv", "application/x-ndjson", "application/ld+json",
                               "application/sql", "application/toml", "application/ics"))
TEXT_SUFFIXES = (".txt", ".log", ".json", ".env", ".yaml", ".yml", ".csv", ".ini", ".conf",
                 ".cfg", ".toml", ".xml", ".md", ".sh", ".py", ".properties", ".ics", ".har")
MESSAGE_SUFFIXES = (".eml",)
IDENTITY_CTE = ("7bit", "8bit", "binary")


@dataclass(frozen=True, slots=True)
class Hit:
    """One redaction: where in the message (``header:Subject``, ``part:1.2 text/plain``)."""

    where: str
    finding: Finding

    def to_dict(self) -> dict[str, object]:
        return {"where": self.where, **self.finding.to_dict()}


@dataclass(frozen=True, slots=True)
class MailReport:
    """What ``scrub_message`` did: redactions (never values), tags, parts, and any withholding."""

    hits: tuple[Hit, ...] = ()
    tags: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    parts: int = 0
    changed: bool = False
    withheld: str | None = None
    policy: str = "default"

    @property
    def secrets(self) -> tuple[Hit, ...]:
        """Redactions of full keys (these become leaked-key events)."""
        return tuple(h for h in self.hits if h.finding.kind == "secret")

    def entities(self) -> dict[str, int]:
        return dict(Counter(h.finding.entity for h in self.hits))

    def header_value(self) -> str:
        """The ``X-Scrubber`` value: counts and policy only."""
        kinds = Counter(h.finding.kind for h in self.hits)
        value = (f"v=1; policy={self.policy}; redactions={len(self.hits)}; "
                 f"secrets={kinds['secret']}; pii={kinds['pii']}")
        if self.tags:
            value += "; tagged=" + ",".join(f"{k}:{n}" for k, n in sorted(self.tags.items()))
        if self.withheld:
            value += f"; withheld={self.withheld}"
        return value

    def to_dict(self) -> dict[str, object]:
        return {"redactions": len(self.hits), "entities": self.entities(),
                "tags": dict(self.tags), "parts": self.parts, "changed": self.changed,
                "withheld": self.withheld, "policy": self.policy}


class _Walk:
    """State of one walk: the policy, hits, tags and limit counters."""

    def __init__(self, policy: MailPolicy) -> None:
        self.policy = policy
        self.limits = policy.limits
        self.hits: list[Hit] = []
        self.tags: Counter[str] = Counter()
        self.parts = 0
        self.decoded = 0
        self.withhold: str | None = None

    # -- entities -------------------------------------------------------------------------

    def entity(self, data: bytes, depth: int, where: str) -> bytes | None:
        """New bytes for the entity, or None when nothing in it changed."""
        if depth > self.limits.max_depth:
            raise LimitExceeded("depth")
        self.parts += 1
        if self.parts > self.limits.max_parts:
            raise LimitExceeded("parts")
        ent = parse_entity(data)
        if len(ent.fields) > self.limits.max_headers:
            raise LimitExceeded("headers")
        fields = self.header_fields(ent, where)
        head = ent.head()
        ctype = head.get_content_type()
        body = self.body(ent, head, ctype, depth, f"{where} {ctype}")
        if isinstance(body, _Replace):
            return body.data
        if body is None and fields is None:
            return None
        new_fields = list(fields or ent.fields)
        new_body = ent.body
        if body is not None:
            new_body, cte = body
            new_fields = _set_cte(new_fields, head, cte, ent.eol)
        return b"".join(f.raw for f in new_fields) + ent.separator + new_body

    def header_fields(self, ent: Entity, where: str) -> list[Field] | None:
        changed = False
        out = []
        for f in ent.fields:
            result = headers.scrub_field(f, self.scrub, ent.eol)
            if result is None:
                out.append(f)
                continue
            new, found = result
            self.hits.extend(Hit(f"{where} header:{f.name}", x) for x in found)
            out.append(new)
            changed = True
        return out if changed else None

    def body(self, ent: Entity, head: Message, ctype: str, depth: int,
             where: str) -> tuple[bytes, str] | _Replace | None:
        if ctype in ENCRYPTED_TYPES:
            self.encrypted()
            return None
        if ctype in SIGNATURE_TYPES:
            return None
        if ctype == "multipart/signed" and self.policy.signed != "scrub":
            self.signed_untouched()
            return None
        if ent.body == b"":
            return None
        if head.get_content_maintype() == "multipart":
            return self.multipart(ent, head, ctype, depth, where)
        if ctype in ("message/rfc822", "message/global") or _named(head, MESSAGE_SUFFIXES):
            return self.nested(ent, head, depth, where)
        if head.get_content_maintype() == "text" or ctype in TEXT_APPLICATIONS or (
                _named(head, TEXT_SUFFIXES)):
            return self.text(ent, head, ctype, where)
        return self.binary(ent, head, where)

    def multipart(self, ent: Entity, head: Message, ctype: str, depth: int,
                  where: str) -> tuple[bytes, str] | None:
        boundary = head.get_boundary()
        if not boundary:
            return self.text(ent, head, "text/plain", where)
        split = split_multipart(ent.body, boundary)
        new_parts = []
        changed = False
        for i, part in enumerate(split.parts, 1):
            new = self.entity(part, depth + 1, f"{where.split(' ')[0]}.{i}")
            changed = changed or new is not None
            new_parts.append(part if new is None else new)
        framed = self.framing(split, where.split(" ")[0])
        if not changed and framed is None:
            return None
        split = framed or split
        if ctype == "multipart/signed":
            self.tags["signed-broken"] += 1
        return split.join(tuple(new_parts)), _cte(head)

    def nested(self, ent: Entity, head: Message, depth: int,
               where: str) -> tuple[bytes, str] | None:
        cte = _cte(head)
        data = self.decode(ent.body, cte)
        new = self.entity(data, depth + 1, f"{where.split(' ')[0]}.m")
        if new is None:
            return None
        return self.encode(new, cte, ent)

    def framing(self, split: Multipart, where: str) -> Multipart | None:
        """Preamble and epilogue scrubbed (readers hide them, but they travel with the
        message; a body whose delimiters do not match its boundary is all preamble)."""
        frames = list(split.framing)
        if split.epilogue >= 0:
            last = frames[-1]
            new = self.loose(last[split.epilogue:], f"{where} epilogue")
            frames[-1] = last if new is None else last[:split.epilogue] + new
        first = frames[0]
        new = self.loose(first[:split.preamble], f"{where} preamble")
        frames[0] = first if new is None else new + first[split.preamble:]
        if frames == list(split.framing):
            return None
        return replace(split, framing=tuple(frames))

    def loose(self, data: bytes, where: str) -> bytes | None:
        """Text outside any part, scrubbed as UTF-8 (other bytes kept as they are)."""
        if not data.strip():
            return None
        result = self.scrub(data.decode("utf-8", "surrogateescape"))
        if not result.findings:
            return None
        self.hits.extend(Hit(where, f) for f in result.findings)
        return result.text.encode("utf-8", "surrogateescape")

    # -- leaves ---------------------------------------------------------------------------

    def text(self, ent: Entity, head: Message, ctype: str,
             where: str) -> tuple[bytes, str] | None:
        cte = _cte(head)
        data = self.decode(ent.body, cte)
        charset = head.get_content_charset()
        name = codec.pick_codec(charset)
        try:
            text = codec.decode_text(data, name)
        except codec.Undecodable:
            self.tags["charset-fallback"] += 1
            name = "utf-8"
            text = codec.decode_text(data, name)
        if ctype == "text/html":
            new, found = scrub_html(text, self.scrub)
        else:
            result = self.scrub(text)
            new, found = result.text, list(result.findings)
        new, hidden = replace_blobs(new, self.scan)
        found += hidden
        if not found:
            return None
        self.hits.extend(Hit(where, f) for f in found)
        try:
            raw = codec.encode_text(new, name)
        except UnicodeError as exc:
            raise MailError("cannot re-encode a scrubbed part in its charset") from exc
        return self.encode(raw, cte, ent)

    def binary(self, ent: Entity, head: Message, where: str) -> tuple[bytes, str] | _Replace | None:
        data = self.decode(ent.body, _cte(head))
        found = [f for f in self.scan(sniff_text(data, self.limits)) if f.kind == "secret"]
        if not found:
            self.tags["binary-pass"] += 1
            return None
        action = self.policy.binary
        if action == "pass":
            self.tags["binary-key-passed"] += 1
            return None
        if action == "quarantine":
            self.withhold = "binary-key"
            return None
        self.tags["binary-placeholder"] += 1
        self.hits.extend(Hit(where, f) for f in found)
        return _Replace(_placeholder(head, found, ent.eol))

    def encrypted(self) -> None:
        if self.policy.encrypted == "quarantine":
            self.withhold = "encrypted"
        else:
            self.tags["encrypted"] += 1

    def signed_untouched(self) -> None:
        if self.policy.signed == "quarantine":
            self.withhold = "signed"
        else:
            self.tags["signed-passed"] += 1

    # -- helpers --------------------------------------------------------------------------

    def scrub(self, text: str) -> ScrubResult:
        return self.policy.scrubber.scrub(text)

    def scan(self, text: str) -> list[Finding]:
        return self.policy.scrubber.scan(text)

    def decode(self, body: bytes, cte: str) -> bytes:
        data = codec.transfer_decode(body, cte)
        self.decoded += len(data)
        if self.decoded > self.limits.max_decoded:
            raise LimitExceeded("decoded-size")
        return data

    def encode(self, data: bytes, cte: str, ent: Entity) -> tuple[bytes, str]:
        body, new_cte = codec.transfer_encode(data, cte, ent.eol)
        return _same_tail(ent.body, body, ent.eol), new_cte



@dataclass(frozen=True, slots=True)
class _Replace:
    """A whole replacement entity (a placeholder for a removed attachment)."""

    data: bytes


def _cte(head: Message) -> str:
    value = str(head.get("Content-Transfer-Encoding", "7bit")).strip().lower()
    return value if value in ("base64", "quoted-printable", "8bit", "binary") else "7bit"


def _named(head: Message, suffixes: tuple[str, ...]) -> bool:
    """The part's file name (RFC 2231 or RFC 2047 encoded, as readers show it) ends so."""
    try:
        name = head.get_filename() or head.get_param("name")
        if isinstance(name, tuple):
            name = collapse_rfc2231_value(name)
    except (LookupError, ValueError):
        return False
    if not isinstance(name, str):
        return False
    shown = headers.decode_value(name.encode("utf-8", "surrogateescape"))
    return shown.lower().endswith(suffixes)


def _same_tail(old: bytes, new: bytes, eol: bytes) -> bytes:
    """Keep the original's trailing line break (or its absence) after re-encoding."""
    ends = old.endswith(b"\n")
    if ends and not new.endswith(b"\n"):
        return new + eol
    if not ends and new.endswith(b"\n"):
        return new[:-len(eol)] if new.endswith(eol) else new.rstrip(b"\r\n")
    return new


def _set_cte(fields: list[Field], head: Message, cte: str, eol: bytes) -> list[Field]:
    """Record a switch of transfer encoding (only ever to quoted-printable)."""
    if cte == _cte(head):
        return fields
    line = f"Content-Transfer-Encoding: {cte}".encode() + eol
    out = [f for f in fields if f.lname != "content-transfer-encoding"]
    return [*out, Field("Content-Transfer-Encoding", line)]


def _placeholder(head: Message, found: list[Finding], eol: bytes) -> bytes:
    rules = ", ".join(sorted({f.rule_id for f in found}))
    lines = ("Content-Type: text/plain; charset=us-ascii",
             "Content-Transfer-Encoding: 7bit",
             'Content-Disposition: attachment; filename="attachment-removed.txt"',
             "",
             "An attachment was removed by scrubber because it contained a credential.",
             f"Original type: {head.get_content_type()}. Rules: {rules}.")
    return eol.join(line.encode("ascii", "replace") for line in lines)  # a garbled type


def scrub_message(raw: bytes, policy: MailPolicy | None = None) -> tuple[bytes, MailReport]:
    """Scrub an RFC 5322 message; returns the new bytes and a report (never values).

    A message with nothing to redact comes back as the very same bytes. Raises
    ``LimitExceeded`` (withhold it) or another ``ScrubberError`` (retry later); when the
    policy withholds the message, the report says why and the bytes are unchanged: the
    caller delivers a stub instead (see ``MailFilter``).
    """
    policy = policy or MailPolicy()
    if len(raw) > policy.limits.max_bytes:
        raise LimitExceeded("size")
    walk = _Walk(policy)
    new = walk.entity(raw, 0, "part:1")
    report = MailReport(tuple(walk.hits), MappingProxyType(dict(walk.tags)), walk.parts,
                        new is not None, walk.withhold, policy.name)
    if walk.withhold:
        return raw, report
    out = raw if new is None else new
    if policy.tag == "always" or (policy.tag == "changed" and new is not None):
        eol = parse_entity(raw).eol
        out = f"X-Scrubber: {report.header_value()}".encode("ascii") + eol + out
    return out, report

