"""Windowed matching gives exactly the whole-text result (find_at, find_in, near, within)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.corpus import corpus_bytes
from scrubber import load_rules, matcher
from scrubber.engine import Scrubber
from scrubber.packs import RuleSet

RULES = load_rules()
TIMEOUT = 5.0


@pytest.fixture(scope="module")
def scrubber() -> Scrubber:
    return Scrubber(RULES, key=b"k" * 32)


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    return corpus_bytes(0.3, seed=7)


def _anchored(rules: RuleSet) -> list[int]:
    return [i for i, r in enumerate(rules) if r.spec.anchored]


def test_some_hot_rules_are_anchored() -> None:
    anchored = {r.id for r in RULES if r.spec.anchored}
    assert {"person-greeting", "person-signoff", "generic-api-key"} <= anchored


def test_anchored_rules_start_at_a_keyword_on_the_corpus(corpus: list[str]) -> None:
    misses = [(r.id, at) for r in RULES if r.spec.anchored
              for text in corpus for at in matcher.unanchored(r, text)]
    assert misses == []


def test_find_at_keyword_starts_equals_find(scrubber: Scrubber, corpus: list[str]) -> None:
    rules = scrubber.rules
    anchored = _anchored(rules)
    compared = 0
    for text in corpus:
        chosen, starts, _ = scrubber._prefilter.select(text)
        assert starts is not None or len(text.lower()) != len(text)
        for index in anchored:
            rule = rules.rules[index]
            whole = matcher.find(rule, index, text, TIMEOUT)
            at = starts.get(index, []) if starts is not None and index in chosen else None
            if at is None:
                assert whole == [] or starts is None
                continue
            assert matcher.find_at(rule, index, text, at, TIMEOUT) == whole, rule.id
            compared += bool(whole)
    assert compared > 20  # the comparison saw real matches


@pytest.mark.parametrize("rule_id", ["credit-card-number", "ipv4-address", "iban-code",
                                     "phone-number-international", "us-ssn-dashed",
                                     "github-pat-classic", "generic-api-key"])
def test_find_in_around_every_match_equals_find(rule_id: str, corpus: list[str]) -> None:
    index, rule = next((i, r) for i, r in enumerate(RULES) if r.id == rule_id)
    if rule.reach is None:
        pytest.fail(f"{rule_id} should have a bounded reach")
    found_any = False
    for text in corpus:
        whole = matcher.find(rule, index, text, TIMEOUT)
        starts = sorted({m.start() for m in rule.pattern.finditer(text)})
        ranges = [(max(0, s - 3), s) for s in starts]  # loose ranges around true starts
        merged = matcher.near([(lo, hi) for lo, hi in ranges], 0, len(text))
        assert matcher.find_in(rule, index, text, merged, rule.reach, TIMEOUT) == whole
        found_any |= bool(whole)
    assert found_any


def test_find_in_misses_what_lies_outside_its_ranges() -> None:
    """The ranges really restrict the search (so the equality above is not vacuous)."""
    index, rule = next((i, r) for i, r in enumerate(RULES) if r.id == "ipv4-address")
    text = "a 203.0.113.9 b 198.51.100.7 c"
    assert rule.reach is not None
    assert len(matcher.find(rule, index, text, TIMEOUT)) == 2
    only_second = matcher.find_in(rule, index, text, [(15, 17)], rule.reach, TIMEOUT)
    assert [text[s:e] for s, e, *_ in only_second] == ["198.51.100.7"]


@given(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 40)), max_size=12),
       st.integers(0, 50))
def test_near_covers_every_start_that_touches_a_region(spans: list[tuple[int, int]],
                                                       reach: int) -> None:
    size = 400
    regions = sorted({(s, min(size, s + w)) for s, w in spans})
    ranges = matcher.near(regions, reach, size)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(ranges))
    for start in range(size):
        touches = any(cs - reach <= start <= ce for cs, ce in regions)
        covered = any(lo <= start <= hi for lo, hi in ranges)
        assert covered == touches, start


@given(st.lists(st.integers(0, 200), max_size=30),
       st.lists(st.tuples(st.integers(0, 200), st.integers(0, 20)), max_size=8))
def test_within_keeps_exactly_the_positions_inside(positions: list[int],
                                                   spans: list[tuple[int, int]]) -> None:
    ranges = matcher.near(sorted((s, s + w) for s, w in spans), 0, 250)
    pos = sorted(set(positions))
    assert matcher.within(pos, ranges) == [p for p in pos
                                           if any(lo <= p <= hi for lo, hi in ranges)]


def test_near_with_unbounded_reach_is_the_whole_text() -> None:
    assert matcher.near([(5, 9)], None, 100) == [(0, 100)]


def test_issue_7_anchored_rule_needs_keywords(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from scrubber.errors import RulePackError
    pack = tmp_path / "p.yaml"
    pack.write_text("schema: 1\npack: p\nrules:\n  - id: r\n    kind: secret\n    entity: X\n"
                    "    always_run: true\n    anchored: true\n    regex: 'ab'\n")
    with pytest.raises(RulePackError, match=r"p\.yaml:\d+:\d+: rule 'r': an anchored rule"):
        load_rules(pack, builtin=False)
