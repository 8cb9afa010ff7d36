"""Drops candidates that are allowlisted globally or that are earlier redaction output.

Rule-level allowlists are applied by the matcher as it finds values; this stage
applies the allowlists that span every rule (user packs' top-level ``allow``)
and keeps scrubbing idempotent: a value that contains the policy's redaction
marker, or is directly followed by it (a kept prefix), was produced by a previous
run and is never matched again.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import Candidate
from .packs import Allow


def marker_head(marker: str) -> str:
    """The literal text a marker template starts with (``[REDACTED:`` for the default)."""
    return marker.split("{", 1)[0]


def keep(candidates: Iterable[Candidate], text: str, allow: Allow, head: str) -> list[Candidate]:
    """Candidates that are neither globally allowed nor earlier redaction output."""
    out = []
    for cand in candidates:
        value = text[cand[0]:cand[1]]
        if head and (head in value or text.startswith(head, cand[1])):
            continue
        if allow and allow.allows(value):
            continue
        out.append(cand)
    return out
