"""Scrubs HTML (text nodes and attribute values, markup kept) and Jira ADF documents.

HTML is split into tags and text with a tolerant tokenizer rather than rebuilt by
a parser, so everything that holds no finding stays byte for byte. Text nodes
joined by inline tags (``sk_live_<wbr>abc``, ``<b>…</b>``) are scanned again as one
text, and a value that spans nodes is removed from every node it touches.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import regex

from ..model import ScrubResult

#: ``scan(text, part)`` scrubs ``text`` and records its findings under path suffix ``part``
Scan = Callable[[str, str], ScrubResult]

TAG = regex.compile(r"<!--.*?-->|<![^>]*>|<\?[^>]*>|</?[A-Za-z][^>]*>", regex.S)
ATTR = regex.compile(r"""(?P<pre>\s)(?P<name>[^\s"'>/=]+)(?P<eq>\s*=\s*)"""
                     r"""(?P<val>"[^"]*"|'[^']*'|[^\s"'=<>`]+)""")
TAG_NAME = regex.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
INLINE = frozenset({"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font",
                    "i", "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub",
                    "sup", "time", "tt", "u", "var", "wbr"})
#: attribute values never scanned (layout and identifiers only)
SAFE_ATTRS = frozenset({"class", "id", "dir", "lang", "width", "height", "align", "valign",
                        "border", "colspan", "rowspan", "cellpadding", "cellspacing", "target",
                        "rel", "type", "charset", "bgcolor", "color", "size", "face"})
MIN_ATTR = 6  # shorter attribute values hold no credential or PII value


def scrub_html(text: str, scan: Scan) -> str:
    """``text`` with its text nodes and attribute values scrubbed; markup otherwise kept."""
    pieces: list[list[str]] = []  # [kind, raw, plain]; kind: "t" text, "g" tag, "b" break
    pos = 0
    for m in TAG.finditer(text):
        if m.start() > pos:
            pieces.append(_text_piece(text[pos:m.start()], scan))
        pieces.append(_tag_piece(m.group(), scan))
        pos = m.end()
    if pos < len(text):
        pieces.append(_text_piece(text[pos:], scan))
    _across_nodes(pieces, scan)
    return "".join(p[1] for p in pieces)


def _text_piece(raw: str, scan: Scan) -> list[str]:
    plain = html.unescape(raw)
    result = scan(plain, "#text")
    if result.findings:
        return ["t", html.escape(result.text, quote=False), result.text]
    return ["t", raw, plain]


def _tag_piece(raw: str, scan: Scan) -> list[str]:
    name = TAG_NAME.match(raw)
    kind = "g" if name and name.group(1).lower() in INLINE else "b"
    if raw.startswith("<!--"):
        inner = raw[4:-3]
        result = scan(inner, "#comment")
        return ["b", f"<!--{result.text}-->" if result.findings else raw, ""]

    def attr(m: regex.Match[str]) -> str:
        name, val = m.group("name"), m.group("val")
        quote = val[0] if val[0] in "\"'" else ""
        value = html.unescape(val[1:-1] if quote else val)
        if name.lower() in SAFE_ATTRS or len(value) < MIN_ATTR:
            return m.group()
        result = scan(value, f"@{name.lower()}")
        if not result.findings:
            return m.group()
        new = html.escape(result.text, quote=True)
        return f"{m.group('pre')}{name}{m.group('eq')}\"{new}\""

    return [kind, ATTR.sub(attr, raw), ""]


def _across_nodes(pieces: list[list[str]], scan: Scan) -> None:
    """Scan the text joined through inline tags; remove values that span several nodes."""
    texts = [i for i, p in enumerate(pieces) if p[0] == "t"]
    if len(texts) < 2:
        return
    joined, spans = _join(pieces)
    result = scan(joined, "#joined")
    for f in reversed(result.findings):
        touched = [(i, s, e) for i, s, e in spans if s < f.end and e > f.start]
        for n, (i, s, e) in enumerate(reversed(touched)):
            plain = pieces[i][2]
            a, b = max(f.start - s, 0), min(f.end - s, e - s)
            keep = f.replacement if n == len(touched) - 1 else ""
            pieces[i][2] = plain[:a] + keep + plain[b:]
            pieces[i][1] = html.escape(pieces[i][2], quote=False)


def _join(pieces: list[list[str]]) -> tuple[str, list[tuple[int, int, int]]]:
    out: list[str] = []
    spans = []
    pos = 0
    for i, (kind, _raw, plain) in enumerate(pieces):
        if kind == "t":
            spans.append((i, pos, pos + len(plain)))
            out.append(plain)
            pos += len(plain)
        elif kind == "b":
            out.append("\n")
            pos += 1
    return "".join(out), spans


#: ADF attributes that hold layout or identifiers, never text
ADF_SAFE_ATTRS = frozenset({"localId", "id", "type", "layout", "width", "level", "language",
                            "color", "panelType", "timestamp", "collection", "occurrenceKey",
                            "accessLevel", "userType", "order", "colspan", "rowspan",
                            "colwidth", "background", "style", "state", "shortName"})


def scrub_adf(node: Any, scan: Scan, path: str = "") -> Any:
    """A scrubbed copy of an Atlassian Document Format tree: ``text`` nodes and attributes."""
    if isinstance(node, list):
        return [scrub_adf(v, scan, f"{path}[{i}]") for i, v in enumerate(node)]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        where = f"{path}.{key}"
        if key == "text" and isinstance(value, str):
            out[key] = scan(value, where).text
        elif key == "attrs" and isinstance(value, dict):
            out[key] = {k: (scan(v, f"{where}.{k}").text
                            if isinstance(v, str) and k not in ADF_SAFE_ATTRS else
                            scrub_adf(v, scan, f"{where}.{k}"))
                        for k, v in value.items()}
        else:
            out[key] = scrub_adf(value, scan, where)
    return out
