"""Engine-wide properties on generated tickets: idempotence, disjoint sorted spans, exact
reconstruction, prefilter on == off, backends agree, and no example secret surviving in any
context."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import scrubber
from scrubber import ruletest

from .conftest import TEST_KEY

RULES = scrubber.load_rules()
DEFAULT = scrubber.Scrubber(RULES, key=TEST_KEY)
NO_PREFILTER = scrubber.Scrubber(RULES, key=TEST_KEY, prefilter=False)
PORTABLE = scrubber.Scrubber(RULES, key=TEST_KEY, backend="portable")
MATCH_CASES = [c for r in RULES for c in ruletest.cases(r) if c.kind == "match"]
FILLER = [
    "Hi team,", "status 401 at 2026-11-27T10:02:11Z", "X-Request-Id: "
    "6f1c2a9e-3b7d-4e21-9c55-0d8e7a41b2f3", "req_8a7d6f5e4c3b2a19", "Grüße, Zoë", "naïve façade",
    "build 9fceb02d0ae598e95dc970b74767f19372d61af8", "> quoted reply", "{\"error\": \"bad\"}",
    "  File \"app.py\", line 12, in <module>", "sk-proj-AbC1****", "YOUR_API_KEY", "\r\n", "\n",
    "\t", "日本語のテキスト", "🙂", "order 4111111111111112", "v2.31.0",
]

# hypothesis profiles ("ci": deterministic; "long": exploratory) are set in conftest.py

pieces = st.one_of(
    st.sampled_from(FILLER),
    st.sampled_from(MATCH_CASES).map(lambda c: c.text),
    st.text(max_size=40),
)
tickets = st.lists(pieces, max_size=12).map(" ".join)


def _check_spans(text: str, result: scrubber.ScrubResult) -> None:
    last = 0
    rebuilt = []
    for f in result.findings:
        assert last <= f.start < f.end <= len(text)
        rebuilt.append(text[last:f.start])
        rebuilt.append(f.replacement)
        last = f.end
    rebuilt.append(text[last:])
    assert "".join(rebuilt) == result.text  # nothing outside findings changed


@given(tickets)
def test_sorted_disjoint_and_nothing_else_changes(text: str) -> None:
    _check_spans(text, DEFAULT.scrub(text))


@given(tickets)
def test_idempotent(text: str) -> None:
    once = DEFAULT.scrub(text).text
    assert DEFAULT.scrub(once).text == once


@given(tickets)
def test_prefilter_never_changes_findings(text: str) -> None:
    assert DEFAULT.scan(text) == NO_PREFILTER.scan(text)


@given(tickets)
def test_backends_agree(text: str) -> None:
    """The default backend (Vectorscan where installed), the portable one and no prefilter."""
    assert DEFAULT.scan(text) == PORTABLE.scan(text) == NO_PREFILTER.scan(text)


@given(st.sampled_from(MATCH_CASES), st.sampled_from(ruletest.CONTEXTS),
       st.sampled_from(FILLER), st.sampled_from(FILLER))
def test_no_example_secret_survives_in_context(case: ruletest.Case,
                                               context: tuple[str, str], before: str,
                                               after: str) -> None:
    pasted = ruletest.pasted(case, ruletest.pack_scrubber(RULES, case.rule))
    assert pasted is not None
    text = f"{before}\n{context[1].format(secret=pasted.match)}\n{after}"
    assert ruletest.removed(pasted, text, DEFAULT.scrub(text)), (
        f"{case.rule.id} value not removed in {context[0]}")


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300))
def test_arbitrary_unicode_never_crashes(text: str) -> None:
    _check_spans(text, DEFAULT.scrub(text))


@given(st.lists(st.sampled_from(["a", "\r\n", "\n", "\r", "\x00", " ", "@", ".", "1", "-"]),
                max_size=200).map("".join))
def test_control_characters_and_line_endings(text: str) -> None:
    _check_spans(text, DEFAULT.scrub(text))
