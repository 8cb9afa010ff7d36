"""Renders findings as text, JSON, JSON Lines or SARIF; never the value itself."""

from __future__ import annotations

import bisect
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from .model import Finding, Severity

FORMATS = ("text", "json", "jsonl", "sarif")
SARIF_LEVEL: Mapping[Severity, str] = MappingProxyType({
    Severity.LOW: "note", Severity.MEDIUM: "warning", Severity.HIGH: "error",
    Severity.CRITICAL: "error"})


@dataclass(frozen=True, slots=True)
class Located:
    """A finding with the file it came from and its 1-based line/column span."""

    path: str
    finding: Finding
    line: int
    col: int
    end_line: int
    end_col: int

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "col": self.col,
                "end_line": self.end_line, "end_col": self.end_col, **self.finding.to_dict()}


def locate(path: str, text: str, findings: Sequence[Finding]) -> list[Located]:
    """Attach line/column positions to findings from ``text`` (read from ``path``)."""
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"] if findings else [0]

    def pos(offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    out = []
    for f in findings:
        (line, col), (eline, ecol) = pos(f.start), pos(f.end)
        out.append(Located(path, f, line, col, eline, ecol))
    return out


def render(items: Sequence[Located], fmt: str) -> str:
    """Render located findings in ``fmt`` (one of FORMATS)."""
    if fmt == "json":
        return json.dumps([i.to_dict() for i in items], indent=2, ensure_ascii=False) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(i.to_dict(), ensure_ascii=False) + "\n" for i in items)
    if fmt == "sarif":
        return json.dumps(_sarif(items), indent=2, ensure_ascii=False) + "\n"
    return "".join(_text_line(i) + "\n" for i in items)


def _text_line(item: Located) -> str:
    f = item.finding
    shown = f"{f.prefix}…" if f.prefix else "-"
    return (f"{item.path}:{item.line}:{item.col}: {f.rule_id} [{f.kind} {f.entity} "
            f"{f.severity}] kept={shown} fp={f.fingerprint}")


def _sarif(items: Sequence[Located]) -> dict[str, object]:
    rule_ids = sorted({i.finding.rule_id for i in items})
    results = [
        {
            "ruleId": i.finding.rule_id,
            "level": SARIF_LEVEL[i.finding.severity],
            "message": {"text": f"{i.finding.entity} found ({i.finding.kind}); "
                                f"kept prefix {i.finding.prefix or '-'!r}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": i.path},
                "region": {"startLine": i.line, "startColumn": i.col,
                           "endLine": i.end_line, "endColumn": i.end_col},
            }}],
            "partialFingerprints": {"scrubber/v1": i.finding.fingerprint},
        }
        for i in items
    ]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "scrubber", "rules": [{"id": r} for r in rule_ids]}},
            "results": results,
        }],
    }
