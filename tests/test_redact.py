"""Mapping offsets of a redacted text back to the original (label_spans, to_original)."""

from __future__ import annotations

import scrubber
from scrubber import redact

from .conftest import TEST_KEY


def test_labels_and_candidates_map_back_to_the_original() -> None:
    text = "mail jane@kestrel.io then 203.0.113.9 and Zoë"
    result = scrubber.Scrubber(key=TEST_KEY, kinds=("pii",)).scrub(text)
    labels = redact.label_spans(result.findings)
    assert [result.text[a:b] for a, b in labels] == [f.replacement for f in result.findings]
    out = result.text
    after, inside = out.index("then"), out.index("IP_ADDRESS")
    mapped = list(redact.to_original([(after, after + 4, 0, after),
                                      (inside, inside + 2, 0, inside)], result.findings))
    assert [text[s:e] for s, e, *_ in mapped] == ["then"]  # the one inside a label is dropped
    first = out.index("mail")
    assert list(redact.to_original([(first, first + 4, 1, first + 2)], result.findings)) == [
        (0, 4, 1, 2)]
