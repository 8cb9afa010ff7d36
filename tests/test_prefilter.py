"""The keyword prefilter never under-selects, also for letters lower() keeps apart from ASCII."""

from __future__ import annotations

import pytest

from scrubber import Scrubber, load_rules
from scrubber.prefilter import Prefilter, lowered

from .conftest import TEST_KEY

RULES = load_rules()


@pytest.mark.parametrize("text", [
    '"pa\u017f\u017fword": "bK1QWb0Xiv#17"',       # long s
    '"PA\u017f\u017fWORD": "bK1QWb0Xiv#17"',
    'api_\u212aey = "Zq8sLm2Xv9Tt4Rp7Wn1Yb3Kd"',   # Kelvin sign
])
def test_issue_7_case_partners_of_ascii_letters_still_select_the_rule(text: str) -> None:
    whole = Scrubber(RULES, key=TEST_KEY, prefilter=False, backend="portable").scan(text)
    assert whole, "the rule's (?i) regex matches this text"
    assert Scrubber(RULES, key=TEST_KEY, backend="portable").scan(text) == whole


def test_lowered_keeps_offsets_for_folded_letters() -> None:
    text = "\u0130stanbul pa\u017f\u017fword \u212aey"
    assert len(lowered(text)) == len(text)
    assert lowered(text) == "istanbul password key"


def test_anchored_starts_are_keyword_offsets() -> None:
    pf = Prefilter([("hi", "hello"), ("token",)], [False, False], [True, False])
    chosen, starts, ranges = pf.select("say Hello, then hi: TOKEN")
    assert chosen == [0, 1]
    assert starts == {0: [4, 16]}
    assert ranges == {}  # keywords never locate


def test_dotted_capital_i_keeps_anchored_starts() -> None:
    """``"\u0130".lower()`` is two characters; folding it first keeps offsets usable."""
    pf = Prefilter([("hi",)], [False], [True])
    assert pf.select("\u0130 hi")[1] == {0: [2]}
