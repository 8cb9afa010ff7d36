"""Overlap resolution: sorted, disjoint spans; a partial overlap widens to the union.

Candidates are sorted by start, then priority (high first), then length (long
first), then rule order. A candidate inside the kept span is absorbed; one that
overlaps it partly widens the kept span to the union, so no fragment of either
value survives. Every absorbed rule is recorded on the kept span.
"""

from __future__ import annotations

from collections.abc import Sequence

from .model import Candidate, Resolved


def resolve(candidates: Sequence[Candidate], priority: Sequence[int]) -> list[Resolved]:
    """Merge candidates into sorted, non-overlapping spans (O(n log n))."""
    ordered = sorted(candidates, key=lambda c: (c[0], -priority[c[2]], c[0] - c[1], c[2]))
    out: list[Resolved] = []
    for start, end, rule, prefix_end in ordered:
        if out and start < out[-1][1]:
            kstart, kend, krule, kprefix, rules = out[-1]
            if rule not in rules:
                rules = (*rules, rule)
            # a value starting inside the kept prefix must not show more than its own prefix
            # (the same value seen by a second, generic rule starts at kstart: no clamp)
            if kstart < start < kprefix:
                kprefix = max(prefix_end, start) if prefix_end < kprefix else kprefix
            out[-1] = (kstart, max(kend, end), krule, kprefix, rules)
        else:
            out.append((start, end, rule, prefix_end, (rule,)))
    return out
