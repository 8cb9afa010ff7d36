"""A rule's reach bounds what it reads: truncating the text there never changes a match."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.corpus import corpus_bytes
from scrubber import load_rules
from scrubber.reach import MARGIN, reach


@pytest.mark.parametrize(("pattern", "expected"), [
    ("abc", 3 + MARGIN),
    (r"\d{2,8}", 8 + MARGIN),
    (r"a(?=bcd)", 4 + MARGIN),                 # a look-ahead reads what it inspects
    (r"a(?!\w{5})", 6 + MARGIN),
    (r"(?<![\w.]{20})x", 1 + MARGIN),          # a look-behind reads only to the left
    (r"\p{Lu}\p{Ll}{1,4}", 5 + MARGIN),
    (r"(?P<s>[ -])\d(?P=s)", 3 + MARGIN),
    (r"(?i:ab|cde)x", 4 + MARGIN),
    (r"a++b", None),
    (r"\w+", None),
    (r"x{1,100000}", None),
])
def test_reach_of_patterns(pattern: str, expected: int | None) -> None:
    assert reach(pattern) == expected


def test_reach_of_a_pattern_it_cannot_parse_is_unbounded() -> None:
    assert reach(r"(?(1)a|b)(") is None


def test_most_built_in_rules_have_a_bounded_reach() -> None:
    rules = list(load_rules())
    bounded = [r for r in rules if r.reach is not None]
    assert len(bounded) >= 0.9 * len(rules)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return corpus_bytes(0.15, seed=3)


def test_truncating_at_start_plus_reach_keeps_every_match(texts: list[str]) -> None:
    checked = 0
    for rule in load_rules():
        if rule.reach is None:
            continue
        for text in texts:
            for m in rule.pattern.finditer(text):
                cut = rule.pattern.match(text, m.start(), min(len(text), m.start() + rule.reach))
                assert cut is not None, rule.id
                assert cut.span() == m.span(), rule.id
                checked += 1
    assert checked > 100


@given(st.text(alphabet="ab1-_ .:", max_size=60))
def test_generated_texts_agree_under_truncation(text: str) -> None:
    pattern = r"(?<![\w])[ab]{1,3}(?:[-_][ab1]{1,4}){0,3}(?![\w-])"
    compiled = regex.compile(pattern)
    limit = reach(pattern)
    assert limit is not None
    for m in compiled.finditer(text):
        cut = compiled.match(text, m.start(), min(len(text), m.start() + limit))
        assert cut is not None
        assert cut.span() == m.span()
