"""Applies each span's operator and joins the result left to right into a ScrubResult."""

from __future__ import annotations

import bisect
import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator, Sequence

from .model import Candidate, Finding, Resolved, ScrubResult
from .operators import Context
from .packs import Rule

FINGERPRINT_HEX = 16


def fingerprint(key: bytes, value: str) -> str:
    """Keyed fingerprint of a value: the first 16 hex digits of HMAC-SHA256(key, value)."""
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[
        :FINGERPRINT_HEX]


class Tokens:
    """Per-document numbering: the same (entity, value) always gets the same number; values
    that differ only in case or spacing ("Jane  Doe", "JANE DOE") count as the same."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], int] = {}
        self._next: dict[str, int] = {}

    def __call__(self, entity: str, value: str) -> int:
        key = (entity, " ".join(value.casefold().split()))
        if key not in self._seen:
            self._next[entity] = self._next.get(entity, 0) + 1
            self._seen[key] = self._next[entity]
        return self._seen[key]


def redact(text: str, spans: Sequence[Resolved], rules: Sequence[Rule], key: bytes,
           marker: str, seal: Callable[[str, str], str] | None = None) -> ScrubResult:
    """Replace every resolved span with its operator's output; everything else is kept."""
    tokens = Tokens()
    hash_key = hmac.new(key, b"scrubber-hash-operator", hashlib.sha256).digest()

    def keyed_hash(value: str) -> str:
        return hmac.new(hash_key, value.encode("utf-8", "surrogatepass"),
                        hashlib.sha256).hexdigest()

    pieces: list[str] = []
    findings: list[Finding] = []
    last = 0
    for start, end, index, prefix_end, indices in spans:
        rule = rules[index]
        value = text[start:end]
        prefix = text[start:prefix_end]
        fp = fingerprint(key, value)
        ctx = Context(rule.id, rule.entity, prefix, fp, marker, tokens, keyed_hash, seal)
        replacement = rule.operator(value, ctx)
        pieces.append(text[last:start])
        pieces.append(replacement)
        last = end
        findings.append(Finding(start, end, rule.id, rule.kind, rule.entity, rule.severity,
                                prefix, fp,
                                tuple(rules[i].id for i in indices), replacement))
    pieces.append(text[last:])
    return ScrubResult("".join(pieces), tuple(findings))


def label_spans(findings: Sequence[Finding]) -> list[tuple[int, int]]:
    """Where each finding's replacement sits in the redacted text, as ``(start, end)``."""
    out: list[tuple[int, int]] = []
    shift = 0  # how much shorter the redacted text is before the current finding
    for f in findings:
        start = f.start - shift
        out.append((start, start + len(f.replacement)))
        shift += (f.end - f.start) - len(f.replacement)
    return out


def to_original(found: Iterable[Candidate], findings: Sequence[Finding]) -> Iterator[Candidate]:
    """Map candidates over a redacted text back to the original's offsets.

    ``findings`` are those the redacted text was made with; a candidate touching one
    of their replacements is dropped (it would be part of a marker or label).
    """
    labels = label_spans(findings)
    ends = [end for _, end in labels]
    for start, end, index, prefix_end in found:
        k = bisect.bisect_right(ends, start)
        if k < len(labels) and end > labels[k][0]:
            continue
        delta = findings[k - 1].end - ends[k - 1] if k else 0
        yield start + delta, end + delta, index, prefix_end + delta
