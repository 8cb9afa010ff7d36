"""Decoded views of a text (URL, entities, escapes, base64, wraps, invisibles, look-alikes).

A key pasted as ``sk%5Flive%5F...``, ``&#115;k_live...``, ``"sk_live_\\u0041..."``,
inside a base64 blob, split by a line wrap, a quoted-printable soft break or an
inline HTML tag, or spelt with Cyrillic, Greek or fullwidth look-alike letters is
invisible to a regex over the raw text. Each decoder here produces a ``View``: the decoded text
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
import string
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from heapq import merge
from types import MappingProxyType

from .model import Candidate

_PERCENT = re.compile(r"%[0-7][0-9A-Fa-f]")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_ESCAPE = re.compile(r"\\(?:u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|[nrtbf/\\\"'])")
_B64_RUN = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{24,65536}={0,2}")
_SIMPLE_ESCAPES: Mapping[str, str] = MappingProxyType({
    "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "/": "/", "\\": "\\", '"': '"',
    "'": "'"})
#: how far around a decoded region a view is scanned (a secret must fit in the window)
MARGIN = 1024
#: a line break inside a token is a wrap when the line is of mail-client wrap width
#: (72-78 columns) or as long as its neighbour (a block hard-wrapped at a fixed width)
WRAP_MIN, WRAP_MAX = 60, 80
FIXED_MIN = 16
#: characters that render as nothing: zero-width space/joiners, word joiner, BOM, soft hyphen
INVISIBLE_CHARS = "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
_INVISIBLE = re.compile(f"[{INVISIBLE_CHARS}]+")
# a line break with the next line's mail quoting, followed by text
_NEWLINE = re.compile(r"\n(?:> ?)*(?=[^\r\n])")
_BEFORE_WRAP = frozenset(string.ascii_letters + string.digits + "_+/. -")
_AFTER_WRAP = frozenset(string.ascii_letters + string.digits + "_+/=.-")
_TOKEN_CHARS = string.ascii_letters + string.digits + "_+/=.@-"
_TAIL = re.compile(r"[A-Za-z0-9_+/=.@-]*")
_ASSIGNMENT = re.compile(
    r"[A-Z][A-Z0-9_]*=\r?$|[A-Za-z_][A-Za-z0-9_.-]*[ \t]*(?:=(?![=\r\n])|:)", re.MULTILINE)
_SHAPES = MappingProxyType(str.maketrans(string.ascii_uppercase + string.ascii_lowercase
                                         + string.digits, "A" * 26 + "a" * 26 + "9" * 10))
# inline tags glued to text on at least one side (``ab<b></b>cd``, ``</span><span>``)
_TAG = (r"(?:/?(?i:a|abbr|b|bdi|bdo|big|br|cite|code|data|del|dfn|div|em|font|h[1-6]|i|img"
        r"|ins|kbd|label|li|mark|ol|p|pre|q|s|samp|small|span|strike|strong|sub|sup|table"
        r"|tbody|td|th|thead|time|tr|tt|u|ul|var|wbr)(?:\s[^<>]{0,200})?/?>|!--[^<>]{0,200}-->)")
_TAGS = re.compile(f"<{_TAG}(?:<{_TAG})*")
# a block boundary separates words: text on its two sides is never glued together
_BLOCK = re.compile(r"</?(?i:div|h[1-6]|li|ol|p|pre|table|tbody|td|th|thead|tr|ul)(?![\w-])")


def _fold_table() -> Mapping[int, str]:
    """Common look-alikes of ASCII letters: Cyrillic, Greek, Armenian, dotless i, fullwidth."""
    pairs = {
        "a": "\u0430\u03b1", "c": "\u0441", "d": "\u0501", "e": "\u0435", "h": "\u04bb\u0570",
        "i": "\u0456\u03b9\u0131", "j": "\u0458\u0237", "k": "\u03ba", "l": "\u04cf",
        "o": "\u043e\u03bf\u0585", "p": "\u0440\u03c1", "q": "\u051b", "s": "\u0455",
        "u": "\u03c5\u057d", "v": "\u03bd", "w": "\u051d", "x": "\u0445", "y": "\u0443",
        "A": "\u0410\u0391", "B": "\u0412\u0392", "C": "\u0421", "E": "\u0415\u0395",
        "H": "\u041d\u0397", "I": "\u0406\u0399", "J": "\u0408", "K": "\u041a\u039a",
        "M": "\u041c\u039c", "N": "\u039d", "O": "\u041e\u039f", "P": "\u0420\u03a1",
        "Q": "\u051a", "S": "\u0405", "T": "\u0422\u03a4", "W": "\u051c",
        "X": "\u0425\u03a7", "Y": "\u0423\u03a5", "Z": "\u0396",
    }
    table = {ord(alike): ascii for ascii, alikes in pairs.items() for alike in alikes}
    table.update({code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)})
    return MappingProxyType(table)


#: look-alike character -> the ASCII character it imitates
FOLD = _fold_table()
#: look-alike letters and digits (what reveals a disguised key), and the fullwidth
#: forms of the punctuation keys are made of (folded too, but no sign of one)
_ALIKES = "".join(chr(c) for c in FOLD if c < 0xFF01) + "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
_TOKEN_ALIKES = _ALIKES + "\uff0b\uff0d\uff0e\uff0f\uff1d\uff20\uff3f"
_ALIKE = re.compile(f"[{_ALIKES}]")
# a token holding a look-alike; it is folded only if its other characters are ASCII (a
# genuine Cyrillic or Greek word has letters outside the table) and it has ASCII or
# fullwidth letters or digits (a word made of look-alikes only is left alone)
_ALIKE_TOKEN = re.compile(rf"(?<![\w+/=.@%{_TOKEN_ALIKES}-])(?=[\w+/=.@%{_TOKEN_ALIKES}-]*?"
                          rf"[{_ALIKES}])[\w+/=.@%{_TOKEN_ALIKES}-]+")
_FOREIGN = re.compile(f"[^\x00-\x7f{_TOKEN_ALIKES}]")
_ANCHOR = re.compile("[A-Za-z0-9\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on decoding: nesting depth, decoded characters per call, base64 blobs."""

    depth: int = 2
    max_chars: int = 4_000_000
    max_blobs: int = 64


#: views each of whose characters is one character of the original
_ONE_TO_ONE = frozenset(("unwrap", "invisible", "fold"))


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
        """The original span covering decoded ``[start, end)``; in a view that only drops
        or swaps single characters it stops after the last one (a line break or tag
        removed right after a match is not part of it)."""
        if end > start and set(self.name.split("+")) <= _ONE_TO_ONE:
            return self.starts[start], self.starts[end - 1] + 1
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
    if not any(c in text for c in INVISIBLE_CHARS):  # substring search beats a regex scan
        return
    for m in _INVISIBLE.finditer(text):
        yield m.start(), m.end(), ""


def _width(text: str, start: int) -> int:
    """Length of the line starting at ``start`` (without its line ending)."""
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    return end - start - (end > start and text[end - 1] == "\r")


def _is_wrap(text: str, start: int, end: int) -> bool:
    """Is the line break ``text[start:end]`` between two tokens a wrap inside one token?"""
    line_start = text.rfind("\n", 0, start) + 1
    width = start - line_start
    mail = WRAP_MIN <= width <= WRAP_MAX  # a mail client's wrap width
    if not mail and width < FIXED_MIN:
        return False  # cheapest test first: too short for a fixed-width block
    line = text[line_start:start]
    head = line[len(line.rstrip(_TOKEN_CHARS)):]
    tail = _TAIL.match(text, end)
    rest = tail.group() if tail is not None else ""
    if not _continues(head, rest):
        return False
    next_start = text.rfind("\n", 0, end) + 1
    shape = _shape(text, line_start)
    if shape == _shape(text, next_start) and shape.strip("Aa "):
        return False  # records of one shape (log lines, lists): not one long line
    if mail:
        return True
    if _plain_word(head) and not (head.isupper() and rest.isupper()):
        return False  # a word at a line end (a broken capitalised name ``PRI|VATE`` is not)
    before = text.rfind("\n", 0, line_start - 1) + 1 if line_start else -1
    return (before >= 0 and _width(text, before) == width) or _width(text, next_start) == width


def _shape(text: str, start: int) -> str:
    """The first characters of a line, letters and digits reduced to their class."""
    return text[start:start + 8].translate(_SHAPES)


def _plain_word(token: str) -> bool:
    word = token.rstrip(".")
    return word.isalpha() and (word.islower() or word.isupper() or word.istitle())


def _continues(head: str, tail: str) -> bool:
    """Does the next line go on like the token the line ends with, rather than start a
    word (``Thanks``; ``API`` after a lower-case token; ``the`` after a mixed-case one)?"""
    if not _plain_word(tail):
        return True  # digits, symbols or mixed case: the rest of a key
    if tail.istitle() and len(tail.rstrip(".")) > 1:
        return False
    upper = tail.isupper()
    return not any(c.islower() if upper else c.isupper() for c in head)


def _line_joins(text: str) -> Iterator[Replacement]:
    if "\n" not in text:
        return
    for m in _NEWLINE.finditer(text):
        start, end = m.start(), m.end()
        if start and text[start - 1] == "\r":
            start -= 1
        soft = start > 1 and text[start - 1] == "=" and text[start - 2] != "="
        if not soft and (not start or text[start - 1] not in _BEFORE_WRAP
                         or text[end] not in _AFTER_WRAP):
            continue  # not inside a token
        if _ASSIGNMENT.match(text, end):
            continue  # the next line is ``NAME=value`` or ``Header: value``
        if soft:  # a quoted-printable soft break (base64 padding ``==`` is none)
            yield start - 1, end, ""
        elif _is_wrap(text, start, end):
            yield start, end, ""


def _tag_joins(text: str) -> Iterator[Replacement]:
    if "<" not in text:
        return
    for m in _TAGS.finditer(text):
        start, end = m.start(), m.end()
        if start > 0 and end < len(text) and (_glued(text[start - 1]) or _glued(text[end])) \
                and not _BLOCK.search(m.group()):
            yield start, end, ""


def _glued(char: str) -> bool:
    return not char.isspace() and char not in "<>"


def _unwrap(text: str) -> Iterator[Replacement]:
    """Wraps and soft breaks inside a token and inline tags inside a word, removed."""
    last = 0
    for start, end, decoded in merge(_line_joins(text), _tag_joins(text)):
        if start >= last:  # a line break inside a tag is part of the tag
            last = end
            yield start, end, decoded


def _fold(text: str) -> Iterator[Replacement]:
    if text.isascii() or _ALIKE.search(text) is None:
        return
    for m in _ALIKE_TOKEN.finditer(text):
        token = m.group()
        if _FOREIGN.search(token) is None and _ANCHOR.search(token) is not None:
            yield m.start(), m.end(), token.translate(FOLD)


Decoder = Callable[[str, Limits], Iterator[Replacement]]
DECODERS: tuple[tuple[str, str | None, Decoder], ...] = (
    ("url", "%", lambda t, _: _url(t)),
    ("html", "&", lambda t, _: _entities(t)),
    ("escapes", "\\", lambda t, _: _escapes(t)),
    ("base64", None, lambda t, lim: _base64(t, lim.max_blobs)),
    ("unwrap", None, lambda t, _: _unwrap(t)),
    ("invisible", None, lambda t, _: _invisible(t) if not t.isascii() else iter(())),
    ("fold", None, lambda t, _: _fold(t)),
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
