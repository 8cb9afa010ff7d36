"""Decoded views of a text (URL, entities, escapes, base64, wraps, invisibles) mapped back.

A key pasted as ``sk%5Flive%5F...``, ``&#115;k_live...``, ``"sk_live_\\u0041..."``,
inside a base64 blob, or split by a mail client's line wrap is invisible to a
regex over the raw text. Each decoder here produces a ``View``: the decoded text
plus, for every decoded character, where its source starts in the original.
The engine scans views with the same rules and maps every finding back, so the
redaction always happens on the original text and covers every source character
of the secret.

Decoders only run when their trigger occurs, and the total decoded size and the
nesting depth are bounded (``Limits``).
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .model import Candidate

_PERCENT = re.compile(r"%[0-7][0-9A-Fa-f]")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_ESCAPE = re.compile(r"\\(?:u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|[nrtbf/\\\"'])")
_B64_RUN = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,65536}={0,2}")
_SIMPLE_ESCAPES: Mapping[str, str] = MappingProxyType({
    "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "/": "/", "\\": "\\", '"': '"',
    "'": "'"})
#: how far around a decoded region a view is scanned (a secret must fit in the window)
MARGIN = 1024
#: a wrapped line: between these lengths (mail clients wrap at 72-78 columns; a longer
#: line was not wrapped), ending inside a token, continued on the next line
WRAP_MIN, WRAP_MAX = 60, 80
#: characters that render as nothing: zero-width space/joiners, word joiner, BOM, soft hyphen
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]+")
_WRAP = re.compile(r"(?<=[A-Za-z0-9_+/-])\r?\n(?:>[ >]*)?(?=[A-Za-z0-9_+/=-])")


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on decoding: nesting depth, decoded characters per call, base64 blobs."""

    depth: int = 2
    max_chars: int = 4_000_000
    max_blobs: int = 64


@dataclass(frozen=True, slots=True)
class View:
    """Decoded text; ``starts[i]`` is where decoded char ``i`` begins in the original
    (``starts[len(text)]`` is the original's length); ``changed`` are the decoded regions
    (in view coordinates) that differ from their source."""

    name: str
    text: str
    starts: tuple[int, ...]
    changed: tuple[tuple[int, int], ...] = ()

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span covering decoded ``[start, end)``."""
        return self.starts[start], self.starts[end]

    def windows(self, margin: int = MARGIN) -> Iterator[tuple[int, int]]:
        """Disjoint ``[start, end)`` windows of the view around its changed regions."""
        lo = hi = -1
        for start, end in self.changed:
            if lo >= 0 and start - margin <= hi:
                hi = min(len(self.text), max(hi, end + margin))
                continue
            if lo >= 0:
                yield lo, hi
            lo, hi = max(0, start - margin), min(len(self.text), end + margin)
        if lo >= 0:
            yield lo, hi

    def touches_change(self, start: int, end: int) -> bool:
        """True if decoded ``[start, end)`` overlaps (or borders) a changed region."""
        return any(cs <= end and start <= ce for cs, ce in self.changed)


Replacement = tuple[int, int, str]  # original [start, end) becomes this decoded text


def _apply(text: str, pieces: Iterator[Replacement], name: str) -> View | None:
    """Build a view from non-overlapping replacements in order; None if nothing changed."""
    out: list[str] = []
    starts: list[int] = []
    changed: list[tuple[int, int]] = []
    last = 0
    for start, end, decoded in pieces:
        out.append(text[last:start])
        starts.extend(range(last, start))
        changed.append((len(starts), len(starts) + len(decoded)))
        out.append(decoded)
        starts.extend(_spread(start, end, len(decoded)))
        last = end
    if not changed:
        return None
    out.append(text[last:])
    starts.extend(range(last, len(text) + 1))
    return View(name, "".join(out), tuple(starts), tuple(changed))


def _spread(start: int, end: int, count: int) -> list[int]:
    """Starts for ``count`` decoded chars that together come from original ``[start, end)``."""
    if count <= 0:
        return []
    return [start + (end - start) * i // count for i in range(count)]


def _url(text: str) -> Iterator[Replacement]:
    for m in _PERCENT.finditer(text):
        yield m.start(), m.end(), chr(int(m.group()[1:], 16))


def _entities(text: str) -> Iterator[Replacement]:
    for m in _ENTITY.finditer(text):
        decoded = html.unescape(m.group())
        if decoded != m.group():
            yield m.start(), m.end(), decoded


def _escapes(text: str) -> Iterator[Replacement]:
    for m in _ESCAPE.finditer(text):
        body = m.group()[1:]
        if body[0] in "ux":
            yield m.start(), m.end(), chr(int(body[1:], 16))
        else:
            yield m.start(), m.end(), _SIMPLE_ESCAPES[body]


def _looks_like_text(raw: bytes) -> str | None:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(c.isprintable() or c in "\r\n\t" for c in decoded)
    return decoded if decoded and printable >= 0.95 * len(decoded) else None


def _b64_decode(run: str) -> str | None:
    body = run.rstrip("=")
    if len(body) % 4 == 1:
        return None
    padded = body + "=" * (-len(body) % 4)
    try:
        if "-" in body or "_" in body:
            raw = base64.urlsafe_b64decode(padded)
        else:
            raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
    return _looks_like_text(raw)


def _base64(text: str, max_blobs: int) -> Iterator[Replacement]:
    for found, m in enumerate(_B64_RUN.finditer(text)):
        if found >= max_blobs:
            return
        run = m.group()
        if run.isalnum() and (run.isdigit() or run.islower() or run.isupper()):
            continue  # digests and ids, not base64 text
        decoded = _b64_decode(run)
        if decoded is not None:
            yield m.start(), m.end(), decoded


def _invisible(text: str) -> Iterator[Replacement]:
    for m in _INVISIBLE.finditer(text):
        yield m.start(), m.end(), ""


def _unwrap(text: str) -> Iterator[Replacement]:
    for m in _WRAP.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if WRAP_MIN <= m.start() - line_start <= WRAP_MAX:
            yield m.start(), m.end(), ""


Decoder = Callable[[str, Limits], Iterator[Replacement]]
DECODERS: tuple[tuple[str, str | None, Decoder], ...] = (
    ("url", "%", lambda t, _: _url(t)),
    ("html", "&", lambda t, _: _entities(t)),
    ("escapes", "\\", lambda t, _: _escapes(t)),
    ("base64", None, lambda t, lim: _base64(t, lim.max_blobs)),
    ("unwrap", "\n", lambda t, _: _unwrap(t)),
    ("invisible", None, lambda t, _: _invisible(t) if not t.isascii() else iter(())),
)


def _compose(outer: View, inner: View) -> View:
    """A view of a view, mapped to the original text."""
    starts = tuple(outer.starts[i] for i in inner.starts)
    return View(f"{outer.name}+{inner.name}", inner.text, starts, inner.changed)


def views(text: str, limits: Limits = Limits()) -> list[View]:
    """Every decoded view of ``text`` up to ``limits.depth`` levels, within the size budget."""
    out: list[View] = []
    budget = limits.max_chars
    frontier = [View("", text, ())]
    for _ in range(limits.depth):
        nxt: list[View] = []
        for parent in frontier:
            for name, trigger, decoder in DECODERS:
                if parent.name.endswith(name) or (trigger is not None
                                                  and trigger not in parent.text):
                    continue  # a decoder is applied once per chain: its output is final
                view = _apply(parent.text, decoder(parent.text, limits), name)
                if view is None or len(view.text) > budget:
                    continue
                budget -= len(view.text)
                nxt.append(_compose(parent, view) if parent.starts else view)
        out.extend(nxt)
        frontier = nxt
    return out


def remap(view: View, lo: int, hi: int, found: Iterable[Candidate]) -> Iterator[Candidate]:
    """Map candidates found in ``view.text[lo:hi]`` back to the original text.

    Candidates cut by the window edge (unless the edge is the text's own end) and those
    away from any decoded region (already found in the original) are dropped. A base64
    view keeps no prefix: its source characters would not show the key's prefix anyway.
    """
    size = len(view.text)
    for start, end, rule, prefix_end in found:
        if (start == 0 and lo > 0) or (end == hi - lo and hi < size):
            continue
        s, e, p = start + lo, end + lo, prefix_end + lo
        if not view.touches_change(s, e):
            continue
        ostart, oend = view.span(s, e)
        if "base64" in view.name:
            ostart, oend = _widen_in_run(view, s, e, ostart, oend)
            yield ostart, oend, rule, ostart
        else:
            yield ostart, oend, rule, min(view.starts[p], oend)


def _widen_in_run(view: View, s: int, e: int, ostart: int, oend: int) -> tuple[int, int]:
    """Base64 packs 3 bytes in 4 characters: widen by a quantum, within the encoded run, so
    no character carrying bits of the secret survives."""
    for cs, ce in view.changed:
        if cs <= s and e <= ce:
            run_start, run_end = view.starts[cs], view.starts[ce]
            return max(run_start, ostart - 4), min(run_end, oend + 4)
    return ostart, oend
