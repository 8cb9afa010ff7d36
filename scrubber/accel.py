"""Vectorscan rule prefilter: one pass over the text tells which rules can match at all.

Each rule's ``regex`` pattern is translated into a Vectorscan *superset* of itself
(``superset``): zero-width assertions dropped (a trailing lookahead or a leading
lookbehind of the whole pattern is kept as ordinary text), possessive and atomic
constructs made ordinary, backreferences replaced by a copy of their group, and case
folding spelled out with the ``regex`` module's own case table. Every character class
is exact on ASCII (computed by ``regex`` itself) and, where it involves a Unicode
property (``\\w``, ``\\d``, ``\\s``, ``\\p{..}``) or is negated, admits every
non-ASCII character: Vectorscan's Unicode tables are older than the ``regex`` module's,
and classes this simple also compile in milliseconds. Repeats of such classes lose
their upper bound. All translated rules go into one database compiled with
``HS_FLAG_SINGLEMATCH | HS_FLAG_PREFILTER`` (Vectorscan may widen a pattern further,
never narrow it), so a scan reports every rule whose exact pattern could match.

A rule that cannot be translated, or that Vectorscan rejects, stays on the keyword
prefilter; so does a whole text that is not valid Unicode (lone surrogates). The union
is always a superset of the rules that match. Compiling takes seconds, so the database
is cached on disk through ``scrubber.cache``, keyed by the translated patterns, flags,
the Vectorscan version and the platform, with a checksum so a damaged file recompiles.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import platform
import threading
import unicodedata
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import regex

from . import cache
from .errors import ConfigError
from .model import BACKENDS
from .packs import Rule
from .prefilter import NO_RANGES, Prefilter, Selection

CACHE_ENV = cache.CACHE_ENV
#: bounded repeats above this become unbounded (a superset that compiles far faster)
MAX_REPEAT = 64
#: repeats of a large Unicode class keep at most this lower bound and no upper bound
WIDE_REPEAT = 6
#: a case-insensitive range wider than this is not expanded (the rule falls back)
MAX_FOLDED_RANGE = 4096
_MAGIC = b"scrubber-vectorscan-1\n"
_NO_STARTS: Mapping[int, list[int]] = MappingProxyType({})

#: every non-ASCII code point, as a class range
NON_ASCII = r"\x{80}-\x{10FFFF}"
_ASCII = "".join(map(chr, range(128)))
_ANY = r"[\x00-\x{10FFFF}]"
_CHAR_ESCAPES: Mapping[str, int] = MappingProxyType({
    "a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11})
_ZERO_WIDTH = frozenset("bBAZzGmMK")
_CLASS_ESCAPES = frozenset("dDsSwW")
_QUANT = regex.compile(r"\{(\d*)(?:(,)(\d*))?\}")
_NAMED_REF = regex.compile(r"\(\?P=(\w+)\)")
_BACKREF = regex.compile(r"\\(?:g<(\w+)>|(\d\d?))")
_GROUP_OPEN = regex.compile(
    r"\((?:\?(?:P?<(?P<name>[A-Za-z_]\w*)>|(?P<kind>:|>|=|!|<=|<!|\||#)"
    r"|(?P<on>[a-zA-Z]*)(?:-(?P<off>[a-zA-Z]+))?(?P<end>[:)])))?")


def _load() -> Any:
    try:  # an optional, platform-specific wheel
        return importlib.import_module("hyperscan")
    except ImportError:  # pragma: no cover - exercised where the wheel is missing
        return None


_hs: Any = _load()


def available() -> bool:
    """True if the Vectorscan wheel (``hyperscan``) is installed and usable here."""
    return _hs is not None


def _all_cases() -> Callable[[int, int], list[int]] | None:
    internal = getattr(regex, "_regex", None)
    return getattr(internal, "get_all_cases", None)


_get_all_cases = _all_cases()


def _cases(cp: int) -> list[int]:
    """Every code point the ``regex`` module matches ``cp`` with, case-insensitively."""
    if _get_all_cases is None:  # pragma: no cover - depends on the regex build
        raise ValueError("case table unavailable")
    return sorted(_get_all_cases(regex.IGNORECASE | regex.UNICODE, cp))


def _hex(cp: int) -> str:
    return f"\\x{{{cp:X}}}"


def _literal(cp: int, caseless: bool) -> str:
    """One literal code point (every case of it when case-insensitive)."""
    if caseless:
        cases = _cases(cp)
        if len(cases) > 1:
            return "[" + "".join(_hex(c) for c in cases) + "]"
    ch = chr(cp)
    return ch if ch.isascii() and ch.isalnum() else _hex(cp)


# --------------------------------------------------------------------------- translation


@dataclass(slots=True)
class _Group:
    """A finished capture group: its translation and the case mode it was read in."""

    text: str
    caseless: bool


class _Translator:
    """Recursive-descent reader of one ``regex`` (version 0) pattern."""

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.count = 0
        self.groups: dict[int | str, _Group] = {}

    def fail(self, what: str) -> ValueError:
        return ValueError(f"{what} at {self.i}")

    def peek(self, n: int = 1) -> str:
        return self.p[self.i:self.i + n]

    def run(self, caseless: bool, dotall: bool) -> str:
        out = self.alternation(caseless, dotall, top=True)
        if self.i != len(self.p):
            raise self.fail("unbalanced ')'")
        return out

    def alternation(self, caseless: bool, dotall: bool, top: bool) -> str:
        branches = [self.sequence(caseless, dotall, top)]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.sequence(caseless, dotall, top))
        return "|".join(branches)

    def sequence(self, caseless: bool, dotall: bool, top: bool) -> str:
        items: list[str] = []
        while self.i < len(self.p) and self.peek() not in "|)":
            atom = self.atom(caseless, dotall, top, first=not items)
            quant = self.quantifier()
            if quant and _is_wide(atom):
                quant = _unbounded(quant)
            if atom:
                items.append(atom + quant)
        return "".join(items)

    def quantifier(self) -> str:
        c = self.peek()
        if c in ("*", "+", "?"):
            self.i += 1
            quant = c
        elif c == "{" and (m := _QUANT.match(self.p, self.i)) and (m[1] or m[3]):
            self.i = m.end()
            quant = _repeat(m[1], m[2], m[3])
        else:
            return ""
        if self.peek() in ("?", "+"):  # lazy or possessive: same set of matches
            self.i += 1
        if self.peek() in ("*", "+", "?", "{"):
            raise self.fail("repeated quantifier")
        return quant

    def atom(self, caseless: bool, dotall: bool, top: bool, first: bool) -> str:
        c = self.p[self.i]
        if c == "(":
            return self.group(caseless, dotall, top, first)
        if c == "[":
            return self.klass(caseless)
        if c == "\\":
            return self.escape(caseless)
        self.i += 1
        if c == ".":
            return _ANY if dotall else r"[^\n]"
        if c in "^$":
            return ""
        if c in "*+?{":
            raise self.fail("nothing to repeat or a fuzzy constraint")
        return _literal(ord(c), caseless)

    # ----------------------------------------------------------------- groups

    def group(self, caseless: bool, dotall: bool, top: bool, first: bool) -> str:
        named_ref = _NAMED_REF.match(self.p, self.i)
        if named_ref:
            self.i = named_ref.end()
            return self.copy(named_ref[1], caseless)
        m = _GROUP_OPEN.match(self.p, self.i)
        if m is None or (m.group() == "(" and self.peek(2) == "(?"):
            raise self.fail("unsupported group")
        self.i = m.end()
        kind, name = m["kind"], m["name"]
        if kind == "#":
            self.i = self.p.index(")", self.i) + 1
            return ""
        if kind == "|":
            raise self.fail("branch reset group")
        if m["end"] is not None:
            caseless, dotall = self.flags(m["on"], m["off"], caseless, dotall)
            if m["end"] == ")":
                return ""  # a global flag: already in the compiled pattern's flags
        number = None
        if kind is None and m["end"] is None:
            self.count += 1
            number = self.count
        inner = self.alternation(caseless, dotall, top=False)
        if self.peek() != ")":
            raise self.fail("missing ')'")
        self.i += 1
        if kind in ("=", "!", "<=", "<!"):
            return self.lookaround(kind, inner, top, first)
        if number is not None:
            self.groups[number] = _Group(inner, caseless)
            if name:
                self.groups[name] = self.groups[number]
        return "(?:" + inner + ")"

    def flags(self, on: str, off: str | None, caseless: bool, dotall: bool
              ) -> tuple[bool, bool]:
        if set(on) - set("imsaupw") or set(off or "") - set("imsaupw"):
            raise self.fail("unsupported inline flag")
        return caseless or "i" in on, dotall or "s" in on

    def lookaround(self, kind: str, inner: str, top: bool, first: bool) -> str:
        """A dropped assertion, or its text when it cannot be anything but adjacent."""
        at_end = self.i == len(self.p) or self.peek() == "|"
        if top and kind == "=" and at_end and not self.quantified():
            return "(?:" + inner + ")"
        if top and kind == "<=" and first and not self.quantified():
            return "(?:" + inner + ")"
        return ""

    def quantified(self) -> bool:
        return self.peek() in ("*", "+", "?", "{")

    # ----------------------------------------------------------------- escapes

    def escape(self, caseless: bool) -> str:
        c = self.p[self.i + 1:self.i + 2]
        if not c:
            raise self.fail("trailing backslash")
        if c in _ZERO_WIDTH:
            self.i += 2
            return ""
        if c in _CLASS_ESCAPES or c in "pP":
            return _class(_property_ascii(self.property(), caseless), None)
        if c == "g" or (c.isdigit() and c != "0"):
            return self.backref(caseless)
        return _literal(self.char_escape(), caseless)

    def property(self) -> str:
        """The key of a class escape (``d``, ``p{Lu}``...), past it."""
        c = self.p[self.i + 1]
        if c in _CLASS_ESCAPES:
            self.i += 2
            return c
        if self.p[self.i + 2:self.i + 3] == "{":
            end = self.p.index("}", self.i)
            name = self.p[self.i + 3:end]
            self.i = end + 1
        else:
            name = self.p[self.i + 2:self.i + 3]
            self.i += 3
        return f"{c}{{{name}}}"

    def char_escape(self) -> int:
        """The code point of a character escape, past it."""
        c = self.p[self.i + 1]
        start = self.i
        self.i += 2
        if c in _CHAR_ESCAPES:
            return _CHAR_ESCAPES[c]
        if c in "xuU":
            return self.hex_escape(c, start)
        if c == "N":
            end = self.p.index("}", self.i)
            name = self.p[self.i + 1:end]
            self.i = end + 1
            return ord(unicodedata.lookup(name))
        if c == "0":
            digits = regex.match(r"[0-7]{0,2}", self.p[self.i:])
            self.i += len(digits.group()) if digits else 0
            return int("0" + (digits.group() if digits else ""), 8)
        if c.isascii() and c.isalnum():
            raise self.fail(f"unsupported escape \\{c}")
        return ord(c)

    def hex_escape(self, c: str, start: int) -> int:
        if c == "x" and self.peek() == "{":
            end = self.p.index("}", self.i)
            digits = self.p[self.i + 1:end]
            self.i = end + 1
        else:
            width = {"x": 2, "u": 4, "U": 8}[c]
            digits = self.p[self.i:self.i + width]
            self.i += width
        try:
            return int(digits, 16)
        except ValueError:
            self.i = start
            raise self.fail("bad hex escape") from None

    def backref(self, caseless: bool) -> str:
        m = _BACKREF.match(self.p, self.i)
        if m is None:
            raise self.fail("bad backreference")
        self.i = m.end()
        key: int | str = m[1] or m[2]
        if isinstance(key, str) and key.isdigit():
            key = int(key)
        return self.copy(key, caseless)

    def copy(self, key: int | str, caseless: bool) -> str:
        group = self.groups.get(key)
        if group is None or (caseless and not group.caseless):
            raise self.fail("backreference to an open or case-sensitive group")
        return "(?:" + group.text + ")"

    # ----------------------------------------------------------------- classes

    def klass(self, caseless: bool) -> str:
        self.i += 1
        negated = self.peek() == "^"
        self.i += negated
        members: list[tuple[int, int] | str] = []
        while True:
            if self.i >= len(self.p):
                raise self.fail("unterminated class")
            c = self.p[self.i]
            if c == "]" and members:
                self.i += 1
                break
            if c == "[" and self.peek(2) == "[:":
                raise self.fail("POSIX class")
            members.append(self.member())
        ascii_set: set[int] = set()
        for m in members:
            ascii_set |= _property_ascii(m, caseless) if isinstance(m, str) \
                else _range_ascii(m, caseless)
        if negated:
            return _class(frozenset(range(128)) - ascii_set, None)
        if any(isinstance(m, str) for m in members):
            return _class(ascii_set, None)
        ranges = tuple(m for m in members if isinstance(m, tuple))
        return _class(ascii_set, _non_ascii(ranges, caseless))

    def member(self) -> tuple[int, int] | str:
        lo = self.class_char()
        if isinstance(lo, str):
            return lo
        if self.peek() == "-" and self.p[self.i + 1:self.i + 2] not in ("]", ""):
            self.i += 1
            hi = self.class_char()
            if isinstance(hi, str) or hi < lo:
                raise self.fail("bad range")
            return lo, hi
        return lo, lo

    def class_char(self) -> int | str:
        c = self.p[self.i]
        if c != "\\":
            self.i += 1
            return ord(c)
        e = self.p[self.i + 1:self.i + 2]
        if e in _CLASS_ESCAPES or e in ("p", "P"):
            return self.property()
        if e == "b":
            self.i += 2
            return 8
        return self.char_escape()


def _is_wide(atom: str) -> bool:
    """True for an atom over a large Unicode class (costly under a bounded repeat)."""
    return atom in (r"[^\n]", _ANY) or NON_ASCII in atom


def _unbounded(quant: str) -> str:
    """The same repeat without its upper bound: a superset that compiles far faster."""
    if quant in ("*", "+", "?"):
        return "*" if quant == "?" else quant
    low = min(int(quant[1:-1].split(",")[0] or 0), WIDE_REPEAT)
    return "*" if low == 0 else f"{{{low},}}"


def _repeat(lo: str, comma: str | None, hi: str | None) -> str:
    low = min(int(lo or 0), MAX_REPEAT)
    if not comma:
        return f"{{{low}}}" if int(lo) <= MAX_REPEAT else f"{{{low},}}"
    if not hi or int(hi) > MAX_REPEAT:
        return f"{{{low},}}"
    return f"{{{low},{int(hi)}}}"


@functools.lru_cache(maxsize=256)
def _property_ascii(key: str, caseless: bool) -> frozenset[int]:
    """The ASCII code points the ``regex`` class escape ``\\<key>`` matches (exactly)."""
    pattern = regex.compile("\\" + key, regex.IGNORECASE if caseless else 0)
    return frozenset(ord(c) for c in pattern.findall(_ASCII))


@functools.lru_cache(maxsize=1)
def _ascii_cases() -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(_cases(c)) for c in range(128))


@functools.lru_cache(maxsize=4096)
def _range_ascii(member: tuple[int, int], caseless: bool) -> frozenset[int]:
    """The ASCII code points a ``lo-hi`` class member matches."""
    lo, hi = member
    if not caseless:
        return frozenset(range(lo, min(hi, 127) + 1))
    return frozenset(c for c, cases in enumerate(_ascii_cases())
                     if any(lo <= x <= hi for x in cases))


def _class(ascii_set: Set[int], above: Sequence[int] | None) -> str:
    """A Vectorscan class: ``ascii_set`` exactly, then ``above`` (None: all non-ASCII)."""
    parts = [_span(lo, hi) for lo, hi in _runs(sorted(ascii_set))]
    if above is None:
        parts.append(NON_ASCII)
    else:
        parts.extend(_span(lo, hi) for lo, hi in _runs(above))
    if not parts:
        raise ValueError("empty class")
    return "[" + "".join(parts) + "]"


@functools.lru_cache(maxsize=4096)
def _non_ascii(ranges: tuple[tuple[int, int], ...], caseless: bool) -> tuple[int, ...] | None:
    """Non-ASCII code points of a character-only class (None: too many to list)."""
    points: set[int] = set()
    for lo, hi in ranges:
        if hi - lo > MAX_FOLDED_RANGE:
            return None
        for cp in range(lo, hi + 1):
            points.update(_cases(cp) if caseless else (cp,))
    return tuple(sorted(p for p in points if p >= 128))


def _runs(points: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted code points as maximal ``(lo, hi)`` runs."""
    runs: list[tuple[int, int]] = []
    for cp in sorted(points):
        if runs and runs[-1][1] == cp - 1:
            runs[-1] = (runs[-1][0], cp)
        else:
            runs.append((cp, cp))
    return runs


def _span(lo: int, hi: int) -> str:
    return _hex(lo) if lo == hi else f"{_hex(lo)}-{_hex(hi)}"


def superset(pattern: str, flags: int = 0) -> str:
    """A Vectorscan pattern matching somewhere wherever ``pattern`` (``regex``) does.

    ``flags`` are ``regex`` flags. Raises ValueError for what has no safe translation
    (verbose or version-1 patterns, conditionals, recursion, fuzzy matching, unknown
    Unicode properties): such a rule stays on the keyword prefilter.
    """
    return _superset(regex.compile(pattern, flags))


def _superset(compiled: regex.Pattern[str]) -> str:
    pattern = compiled.pattern
    if compiled.flags & (regex.VERBOSE | regex.V1 | regex.FULLCASE | regex.BESTMATCH
                         | regex.ENHANCEMATCH | regex.REVERSE):
        raise ValueError("verbose, version 1, full-case or fuzzy patterns are not translated")
    t = _Translator(pattern)
    try:
        return t.run(bool(compiled.flags & regex.IGNORECASE), bool(compiled.flags & regex.DOTALL))
    except (IndexError, KeyError) as exc:
        raise t.fail(f"cannot read pattern ({type(exc).__name__})") from None


# --------------------------------------------------------------------------- database


def _hs_flags() -> int:
    assert _hs is not None
    return int(_hs.HS_FLAG_UTF8 | _hs.HS_FLAG_SINGLEMATCH
               | _hs.HS_FLAG_PREFILTER)


def _compiles(expression: bytes, flags: int) -> bool:
    """True if Vectorscan compiles ``expression`` on its own."""
    assert _hs is not None
    try:
        _hs.Database().compile(expressions=[expression], ids=[0], flags=[flags])
    except _hs.error:
        return False
    return True


def _translated(rule: Rule) -> bytes | None:
    """The rule's Vectorscan superset, or None where it has no translation."""
    try:
        return _superset(rule.pattern).encode()
    except (ValueError, regex.error):
        return None


def _read_cache(name: str) -> tuple[tuple[int, ...], Any] | None:
    """The rule indices and database cached as ``name``; None if missing or damaged."""
    assert _hs is not None
    raw = cache.read("vectorscan", name)
    if raw is None:
        return None
    head, check, payload = raw[:len(_MAGIC)], raw[len(_MAGIC):len(_MAGIC) + 64], \
        raw[len(_MAGIC) + 65:]
    if head != _MAGIC or hashlib.sha256(payload).hexdigest().encode() != check:
        return None
    try:
        ids_line, _, blob = payload.partition(b"\n")
        ids = tuple(int(i) for i in json.loads(ids_line))
        return ids, _hs.loadb(blob, _hs.HS_MODE_BLOCK)
    except (ValueError, TypeError, _hs.error):
        return None


def _write_cache(name: str, ids: Sequence[int], blob: bytes) -> None:
    """Store the database with its rule indices and a checksum (atomically, mode 0600)."""
    payload = json.dumps(list(ids)).encode() + b"\n" + blob
    cache.write("vectorscan", name,
                _MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)


def _compile(entries: Mapping[int, bytes], flags: int) -> tuple[tuple[int, ...], Any]:
    """One database of every entry; entries Vectorscan rejects are found and left out."""
    assert _hs is not None
    kept = sorted(entries)
    db = _hs.Database()
    try:
        if kept:
            db.compile(expressions=[entries[i] for i in kept], ids=kept,
                       flags=[flags] * len(kept))
        return tuple(kept), db
    except _hs.error:  # the error does not say which expression: test each alone
        kept = [i for i in kept if _compiles(entries[i], flags)]
    if kept:
        db.compile(expressions=[entries[i] for i in kept], ids=kept, flags=[flags] * len(kept))
    return tuple(kept), db


def load_database(rules: Sequence[Rule], translate: Callable[[Rule], bytes | None],
                  flags: int) -> tuple[tuple[int, ...], Any]:
    """The database of ``translate(rule)`` for every rule that has one, cached on disk.

    The cache key is the rules' own patterns (and scrubber's code, the Vectorscan version
    and the flags), so a warm start translates nothing.
    """
    assert _hs is not None
    parts = (f"{i}:{r.pattern.flags}:{r.reach}:{r.spec.always_run}:{r.spec.keywords!r}:"
             f"{r.spec.regex}" for i, r in enumerate(rules))
    name = cache.key("vectorscan", str(_hs.__version__), platform.machine(), str(flags),
                     *parts) + ".db"
    cached = _read_cache(name)
    if cached is not None:
        return cached
    entries = {i: e for i, r in enumerate(rules) if (e := translate(r)) is not None}
    if not entries:
        return (), None
    ids, db = _compile(entries, flags)
    if ids:
        _write_cache(name, ids, _hs.dumpb(db))
    return ids, db


# --------------------------------------------------------------------------- location

#: decimal digits other than 0-9: a text holding one is not located (see ``_ascii_digits``)
_OTHER_DIGITS = regex.compile(r"[\p{Nd}--[0-9]]", regex.V1)
_HEX_ESCAPE = regex.compile(r"\\x\{([0-9A-Fa-f]+)\}")


def _ascii_digits(pattern: str) -> str:
    """``pattern`` with ``\\d`` read as ``[0-9]`` (in a class: ``0-9``)."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            pair = pattern[i:i + 2]
            out.append(("0-9" if in_class else "[0-9]") if pair == "\\d" else pair)
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
            head = regex.match(r"\[\^?\]?", pattern[i:])
            assert head is not None
            out.append(head.group())
            i += len(head.group())
            continue
        in_class = in_class and c != "]"
        out.append(c)
        i += 1
    return "".join(out)


_LEADING_CLASS = regex.compile(r"\(\?<!(\[(?:\\.|[^\]\\])+\])\)")


def _group_end(pattern: str, i: int) -> int:
    """The index after the group opening at ``pattern[i] == '('``."""
    depth, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            i += 2 if pattern.startswith(("[]", "[^"), i) else 1
            continue
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced group")


def _before_class(pattern: str) -> str | None:
    """The class of a ``(?<![...])`` among the pattern's leading assertions, if any."""
    i = 0
    while i < len(pattern):
        if pattern.startswith("\\b", i):
            i += 2
            continue
        m = _LEADING_CLASS.match(pattern, i)
        if m:
            return m.group(1)
        if not pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
            return None
        i = _group_end(pattern, i)
    return None


def _context_prefix(pattern: regex.Pattern[str]) -> str:
    """``(?:^|[^...])`` for a leading one-character negative look-behind, else ``""``.

    It consumes the character before the match, so a reported start is one earlier
    than the real one (still a bound from below) and far fewer places qualify.
    """
    try:
        cls = _before_class(pattern.pattern)
        if cls is None:
            return ""
        flags = pattern.flags & (regex.IGNORECASE | regex.ASCII | regex.UNICODE)
        inside = [c for c in map(chr, range(128)) if regex.fullmatch(cls, c, flags)]
    except (ValueError, regex.error):
        return ""
    return "(?:^|[^" + "".join(f"\\x{{{ord(c):X}}}" for c in inside) + "])" if inside else ""


def located_superset(rule: Rule) -> bytes | None:
    """A byte-level (ASCII) superset of a keyword-less rule, for locating its matches.

    Only rules with a bounded reach whose superset consumes nothing but ASCII once
    ``\\d`` is read as ``[0-9]`` qualify; texts with other decimal digits are not
    located (``VectorscanPrefilter.select`` checks).
    """
    if rule.reach is None or (rule.spec.keywords and not rule.spec.always_run):
        return None
    try:
        expr = _superset(regex.compile(_ascii_digits(rule.spec.regex), rule.pattern.flags))
    except (ValueError, regex.error):
        return None
    if not expr.isascii() or any(int(h, 16) >= 0x80 for h in _HEX_ESCAPE.findall(expr)):
        return None
    return (_context_prefix(rule.pattern) + expr).encode()


def _located_flags() -> int:
    assert _hs is not None
    return int(_hs.HS_FLAG_SOM_LEFTMOST | _hs.HS_FLAG_ALLOWEMPTY)


def _note(rule: int, start: int, end: int, _flags: int, found: dict[int, list[int]]) -> None:
    spans = found.get(rule)
    if spans is None:
        found[rule] = [start, end]
    else:
        spans += (start, end)


def _ranges(found: Mapping[int, list[int]], data: bytes, text: str
            ) -> dict[int, list[tuple[int, int]]]:
    """Each rule's ``(start, end)`` pairs as merged, ascending character ranges."""
    chars = _char_offsets(data, {o for flat in found.values() for o in flat}) \
        if len(data) != len(text) else None
    out: dict[int, list[tuple[int, int]]] = {}
    for rule, flat in found.items():
        pairs = sorted(zip(flat[::2], flat[1::2], strict=True))
        merged: list[tuple[int, int]] = []
        for lo, hi in pairs:
            if chars is not None:
                lo, hi = chars[lo], chars[hi]
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        out[rule] = merged
    return out


_CONTINUATION = bytes(range(0x80, 0xC0))


def _char_offsets(data: bytes, offsets: Set[int]) -> dict[int, int]:
    """Byte offset -> index of the first character starting at or after it.

    Counting the bytes that start a character (all but UTF-8 continuation bytes) maps
    a boundary exactly and an offset inside a character to the next one.
    """
    chars: dict[int, int] = {}
    last_byte = last_char = 0
    for b in sorted(offsets):
        last_char += len(data[last_byte:b].translate(None, _CONTINUATION))
        last_byte = b
        chars[b] = last_char
    return chars


# --------------------------------------------------------------------------- prefilter


class VectorscanPrefilter:
    """Selects candidate rules with one Vectorscan scan; same interface as ``Prefilter``.

    Rules outside the database (no translation, or rejected by Vectorscan) are selected
    by their keywords, as are all rules for a text that cannot be encoded to UTF-8. When
    the scan selects an anchored rule, the keyword pass runs too, only for the anchored
    rules' start offsets (the selection itself stays the scan's: keywords are found in
    ``text.lower()``, which misses a keyword spelt with a non-ASCII case partner such as
    U+017F for "s", while the scan spells case folding out).
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        if _hs is None:
            raise ConfigError("the vectorscan backend needs the 'hyperscan' wheel installed")
        self._count = len(rules)
        self._keywords = Prefilter([r.spec.keywords for r in rules],
                                   [r.spec.always_run for r in rules],
                                   [r.spec.anchored for r in rules])
        ids, self._db = load_database(rules, _translated, _hs_flags())
        self._in_db = frozenset(ids)
        self._outside = tuple(i for i in range(self._count) if i not in self._in_db)
        self._anchored = frozenset(i for i, r in enumerate(rules) if r.spec.anchored)
        # the keyword pass after a scan needs only anchored rules' and unscanned rules' words
        self._needed = tuple(sorted(self._anchored | set(self._outside)))
        needed = [rules[i].spec for i in self._needed]
        self._starts = Prefilter([r.keywords for r in needed], [r.always_run for r in needed],
                                 [r.anchored for r in needed])
        where, self._where_db = load_database(rules, located_superset, _located_flags())
        self._located = frozenset(where)
        self._local = threading.local()

    @property
    def accelerated(self) -> frozenset[int]:
        """Indices of the rules the database selects (the others go by keywords)."""
        return self._in_db

    def _scratch(self, name: str = "filter") -> Any:
        """This thread's scratch space for the ``filter`` or ``where`` database."""
        scratch = getattr(self._local, name, None)
        if scratch is None:
            assert _hs is not None
            scratch = _hs.Scratch(self._db if name == "filter" else self._where_db)
            setattr(self._local, name, scratch)
        return scratch

    def _locate(self, data: bytes, text: str) -> dict[int, list[tuple[int, int]]] | None:
        """Where the located rules' matches can start; None if this text is not located."""
        if not self._located or (not text.isascii() and _OTHER_DIGITS.search(text)):
            return None
        found: dict[int, list[int]] = {}
        self._where_db.scan(data, match_event_handler=_note, context=found,
                            scratch=self._scratch("where"))
        return _ranges(found, data, text)

    def select(self, text: str) -> Selection:
        """The rules that may match ``text`` and, for anchored ones, where to try them."""
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: only the keyword pass is safe
            return self._keywords.select(text)
        hits: set[int] = set()
        if self._in_db and data:
            self._db.scan(data, match_event_handler=_collect, context=hits,
                          scratch=self._scratch())
        located = self._locate(data, text) if data else None
        if located is not None:  # exact starts beat the filter's yes/no for these rules
            hits.difference_update(self._located)
            hits.update(located)
        ranges = NO_RANGES if located is None else located
        if not self._outside and not hits & self._anchored:
            return sorted(hits), _NO_STARTS, ranges
        chosen, starts, _ = self._starts.select(text)
        needed = self._needed
        hits.update(needed[i] for i in chosen if needed[i] not in self._in_db)
        if starts is not None:
            starts = {needed[i]: at for i, at in starts.items()}
        return sorted(hits), starts, ranges

    def candidates(self, text: str) -> list[int]:
        """Indices of the rules that may match ``text``, ascending."""
        return self.select(text)[0]

    def everything(self) -> list[int]:
        """Every rule index: what a run without the prefilter scans."""
        return list(range(self._count))


def _collect(rule: int, _start: int, _end: int, _flags: int, hits: set[int]) -> None:
    hits.add(rule)


def build_prefilter(rules: Sequence[Rule], backend: str = "auto"
                    ) -> Prefilter | VectorscanPrefilter:
    """The prefilter for ``rules`` on ``backend``: "auto", "portable" or "vectorscan"."""
    if backend not in BACKENDS:
        raise ConfigError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "vectorscan" or (backend == "auto" and available()):
        return VectorscanPrefilter(rules)
    return Prefilter([r.spec.keywords for r in rules], [r.spec.always_run for r in rules],
                     [r.spec.anchored for r in rules])
