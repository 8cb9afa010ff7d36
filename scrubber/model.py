"""Immutable data passed between pipeline stages: findings, results, severities and policy."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """How bad a leak of this entity is; used for filtering and exit codes."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, name: str) -> Severity:
        return cls[name.upper()]

    def __str__(self) -> str:
        return self.name.lower()


KINDS = ("secret", "pii")

#: ``(start, end, rule_index, prefix_end)`` over the original text: ``text[start:end]`` is
#: the value to redact, ``text[start:prefix_end]`` the part ``keep_prefix`` keeps.
Candidate = tuple[int, int, int, int]
#: a resolved span: ``(start, end, rule_index, prefix_end, every_rule_index)``
Resolved = tuple[int, int, int, int, tuple[int, ...]]
SEVERITIES = tuple(str(s) for s in Severity)


@dataclass(frozen=True, slots=True)
class Finding:
    """One redacted span of the input.

    ``start``/``end`` are offsets into the original text (``text[start:end]`` is
    what was removed). ``prefix`` is the part that was kept (empty for PII) and
    ``fingerprint`` a keyed HMAC of the value; neither the repr nor any other
    attribute contains the value itself.
    """

    start: int
    end: int
    rule_id: str
    kind: str
    entity: str
    severity: Severity
    prefix: str = ""
    fingerprint: str = ""
    rule_ids: tuple[str, ...] = ()
    replacement: str = field(default="", repr=False)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping of the finding (never the value)."""
        return {
            "start": self.start,
            "end": self.end,
            "rule_id": self.rule_id,
            "rule_ids": list(self.rule_ids or (self.rule_id,)),
            "kind": self.kind,
            "entity": self.entity,
            "severity": str(self.severity),
            "prefix": self.prefix,
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True, slots=True)
class ScrubResult:
    """What ``scrub`` returns: the scrubbed ``text`` and the ``findings`` (sorted, disjoint)."""

    text: str
    findings: tuple[Finding, ...]

    def __bool__(self) -> bool:
        return bool(self.findings)


DEFAULT_MARKER = "[REDACTED:{rule_id}]"
#: rule prefilters: Vectorscan where its wheel is installed, else keywords; or either one
BACKENDS = ("auto", "portable", "vectorscan")


@dataclass(frozen=True, slots=True)
class Policy:
    """How a Scrubber behaves, independent of which rules it runs.

    ``key`` keys fingerprints and the ``hash`` operator (bytes; None means the
    ``SCRUBBER_KEY`` environment variable, else a random per-process key).
    ``marker`` is the text put after a kept prefix; it may use ``{rule_id}``,
    ``{entity}`` and ``{fingerprint}``. ``timeout`` bounds each regex call in
    seconds. ``kinds`` and ``min_severity`` select which rules run. ``decode_depth`` is
    how many nested encodings (URL, HTML entities, string escapes, base64, soft wraps) are
    looked through; 0 scans the raw text only. ``ignore_fingerprints`` are keyed
    fingerprints never reported (an ignore file). ``allow_pragma`` honours an inline
    ``scrubber:allow`` on a line; it is off by default because whoever writes the text
    (a customer, an attacker) could otherwise switch scrubbing off. ``reversible_key``
    keys the ``encrypt`` operator (None means ``SCRUBBER_REVERSIBLE_KEY``, read where the
    Scrubber is built or unpickled); it must differ from ``key`` and never shows in a repr.
    ``max_input_chars`` caps the text one ``scrub`` call takes (above it ``InputTooLarge``:
    stream it with ``scrubber.stream.scrub_stream``); ``decode_max_chars`` caps the decoded
    characters all views of one call may produce (views beyond it are not built).
    ``backend`` picks the rule prefilter: ``"auto"`` (Vectorscan where its wheel is
    installed, else the portable keyword prefilter), ``"portable"`` or ``"vectorscan"``;
    every backend gives the same findings.
    """

    key: bytes | None = field(default=None, repr=False)
    marker: str = DEFAULT_MARKER
    timeout: float = 2.0
    kinds: tuple[str, ...] = KINDS
    min_severity: Severity = Severity.LOW
    prefilter: bool = True
    decode_depth: int = 2
    ignore_fingerprints: frozenset[str] = frozenset()
    allow_pragma: bool = False
    reversible_key: bytes | str | None = field(default=None, repr=False)
    max_input_chars: int = 64 * 1024 * 1024
    decode_max_chars: int = 4_000_000
    backend: str = "auto"
