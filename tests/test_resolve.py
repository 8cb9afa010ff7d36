"""Overlap resolution: sorted, disjoint spans; partial overlaps widen to the union."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from scrubber.resolve import resolve


def test_contained_candidate_is_absorbed() -> None:
    out = resolve([(0, 10, 0, 4), (2, 5, 1, 5)], [0, 0])
    assert out == [(0, 10, 0, 4, (0, 1))]


def test_partial_overlap_widens_to_union() -> None:
    out = resolve([(0, 10, 0, 4), (8, 20, 1, 12)], [0, 0])
    assert out == [(0, 20, 0, 4, (0, 1))]


def test_same_value_seen_by_a_generic_rule_keeps_the_vendor_prefix() -> None:
    # a vendor rule (keeps 12) and a generic bearer rule (keeps 4) on the same value
    out = resolve([(5, 40, 0, 17), (5, 40, 1, 9)], [0, -10])
    assert out == [(5, 40, 0, 17, (0, 1))]


def test_priority_breaks_ties_on_same_start() -> None:
    out = resolve([(5, 30, 0, 9), (5, 30, 1, 13)], [-10, 0])
    assert out[0][2] == 1


def test_kept_prefix_never_reveals_an_absorbed_value() -> None:
    # rule 0 keeps 8 chars, but rule 1's value starts at 3 and keeps nothing of itself
    out = resolve([(0, 20, 0, 8), (3, 20, 1, 3)], [0, 0])
    assert out[0][3] == 3


spans = st.lists(st.tuples(st.integers(0, 100), st.integers(1, 30), st.integers(0, 3)),
                 max_size=30)


@given(spans)
def test_result_is_sorted_disjoint_and_covers_every_candidate(raw: list[tuple[int, int, int]]
                                                              ) -> None:
    cands = [(s, s + n, r, s) for s, n, r in raw]
    out = resolve(cands, [0, 1, -1, 2])
    for a, b in itertools.pairwise(out):
        assert a[1] <= b[0]
    for s, e, _, _ in cands:
        assert any(o[0] <= s and e <= o[1] for o in out)
