"""HTML: catch keys hidden by entities or split across inline tags, via a visible-text view."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from ..model import Finding, ScrubResult

_TOKEN = re.compile(r"<!--.*?(?:-->|\Z)|<[^>]*>?"
                    r"|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{0,31});?", re.DOTALL)
_INLINE = frozenset(("a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "em", "font", "i",
                     "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub",
                     "sup", "tt", "u", "var", "wbr"))
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9]*)")

#: one visible character: (its text, source start, source end)
Piece = tuple[str, int, int]


def view(source: str) -> tuple[str, list[tuple[int, int]]]:
    """The visible text of ``source`` and, per visible character, its span in the source.

    Inline tags vanish, other tags and comments become a space with an empty span, and
    character references are decoded (their span covers the whole reference).
    """
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for match in _TOKEN.finditer(source):
        for i in range(pos, match.start()):
            chars.append(source[i])
            spans.append((i, i + 1))
        token = match.group()
        if token.startswith("&"):
            decoded = html.unescape(token)
            for ch in decoded:
                chars.append(ch)
                spans.append((match.start(), match.end()))
        else:
            name = _TAG_NAME.match(token)
            if not (name and name.group(1).lower() in _INLINE):
                chars.append(" ")
                spans.append((match.start(), match.start()))
        pos = match.end()
    for i in range(pos, len(source)):
        chars.append(source[i])
        spans.append((i, i + 1))
    return "".join(chars), spans


def scrub_html(source: str, scrub: Callable[[str], ScrubResult]) -> tuple[str, list[Finding]]:
    """Scrub the markup as text (attributes, comments), then its visible text for what is left."""
    first = scrub(source)
    findings = list(first.findings)
    text = splice(source, findings, escape=True)
    if "<" not in text and "&" not in text:
        return text, findings
    visible, spans = view(text)
    second = scrub(visible)
    if not second.findings:
        return text, findings
    return _apply(text, spans, second.findings), findings + list(second.findings)


def _escape(replacement: str) -> str:
    """Make a replacement safe in markup; ``&`` stays (a kept prefix is already markup)."""
    return replacement.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def splice(text: str, found: Sequence[Finding], escape: bool = False) -> str:
    """``text`` with each finding's span replaced by its replacement (HTML-escaped if asked)."""
    out, last = [], 0
    for f in found:
        out += [text[last:f.start], _escape(f.replacement) if escape else f.replacement]
        last = f.end
    out.append(text[last:])
    return "".join(out)


def _apply(source: str, spans: Sequence[tuple[int, int]], found: Sequence[Finding]) -> str:
    """Delete each finding's visible characters from the source; put its replacement first."""
    drop: set[int] = set()
    insert: dict[int, str] = {}
    for f in found:
        covered = [spans[i] for i in range(f.start, f.end) if spans[i][1] > spans[i][0]]
        if not covered:
            continue
        insert[covered[0][0]] = _escape(f.replacement)
        for start, end in covered:
            drop.update(range(start, end))
    out = []
    for i, ch in enumerate(source):
        if i in insert:
            out.append(insert[i])
        if i not in drop:
            out.append(ch)
    return "".join(out)
