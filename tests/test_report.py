"""Report rendering: positions, formats, and no value in any of them."""

from __future__ import annotations

import json

import scrubber
from scrubber.fakes import expand
from scrubber.report import FORMATS, locate, render

GH = expand("{{crc32:ghp_}}", "report")


def test_locate_lines_and_columns(default: scrubber.Scrubber) -> None:
    text = f"first line\n  second {GH}\n"
    [item] = locate("t.txt", text, default.scan(text))
    assert (item.line, item.col) == (2, 10)
    assert (item.end_line, item.end_col) == (2, 10 + len(GH))


def test_every_format_carries_prefix_and_fingerprint_only(default: scrubber.Scrubber) -> None:
    text = f"token {GH}"
    items = locate("t.txt", text, default.scan(text))
    for fmt in FORMATS:
        out = render(items, fmt)
        assert GH[8:] not in out
        assert items[0].finding.fingerprint in out
    sarif = json.loads(render(items, "sarif"))
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["results"][0]["ruleId"] == "github-pat-classic"
