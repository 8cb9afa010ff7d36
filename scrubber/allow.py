"""Drops candidates that are allowlisted globally or that are earlier redaction output.

Rule-level allowlists are applied by the matcher as it finds values; this stage
applies the allowlists that span every rule (user packs' top-level ``allow``)
(values, regexes, stopwords and keyed fingerprints, plus a policy's ignore list and,
when the policy enables it, the inline ``scrubber:allow`` pragma) and keeps scrubbing
idempotent: a value that overlaps a redaction marker of the policy's shape, or is
directly followed by one (a kept prefix), was produced by a previous run and is never
matched again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .model import Candidate
from .packs import Allow


def marker_head(marker: str) -> str:
    """The literal text a marker template starts with (``[REDACTED:`` for the default)."""
    return marker.split("{", 1)[0]


_FIELDS: Mapping[str, str] = MappingProxyType({
    "rule_id": r"[a-z0-9]+(?:-[a-z0-9]+)*", "entity": r"[A-Z0-9_]+", "fingerprint": r"[0-9a-f]+"})


def marker_pattern(marker: str) -> re.Pattern[str]:
    """A pattern matching any marker the template can produce (``[REDACTED:<rule id>]``)."""
    parts = re.split(r"\{(rule_id|entity|fingerprint)\}", marker)
    regex = "".join(_FIELDS[p] if i % 2 else re.escape(p) for i, p in enumerate(parts))
    return re.compile(regex)


PRAGMA = "scrubber:allow"


@dataclass(frozen=True, slots=True)
class Gate:
    """What the allow stage checks besides the rule allowlists (built once per Scrubber)."""

    allow: Allow
    marker_head: str
    fingerprint: Callable[[str], str]
    ignored: frozenset[str] = frozenset()
    pragma: bool = False
    markers: re.Pattern[str] | None = field(default=None)


def _marker_spans(text: str, gate: Gate) -> list[tuple[int, int]]:
    if gate.markers is None or (gate.marker_head and gate.marker_head not in text):
        return []
    return [m.span() for m in gate.markers.finditer(text)]


def _on_pragma_line(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    return PRAGMA in text[line_start:line_end if line_end >= 0 else len(text)]


def keep(candidates: Iterable[Candidate], text: str, gate: Gate) -> list[Candidate]:
    """Candidates that are neither allowed nor earlier redaction output."""
    head = gate.marker_head
    fingerprints = gate.ignored | gate.allow.fingerprints
    marked = _marker_spans(text, gate)
    out = []
    for cand in candidates:
        value = text[cand[0]:cand[1]]
        if head and (head in value or text.startswith(head, cand[1])):
            continue
        if marked and any(s < cand[1] and cand[0] < e for s, e in marked):
            continue
        if gate.allow and gate.allow.allows(value):
            continue
        if fingerprints and gate.fingerprint(value) in fingerprints:
            continue
        if gate.pragma and _on_pragma_line(text, cand[0]):
            continue
        out.append(cand)
    return out
