"""How far right of a match's start a rule's regex can read (its reach), when that is bounded.

A rule whose reach is R gives the same matches starting at ``s`` in ``text`` and
in ``text[:s + R]``: the matcher uses that to search only windows of a text
(``matcher.find_in``) with exactly the whole-text result. The bound is computed
from the pattern's maximum width, counting look-aheads as if they consumed what
they inspect, plus a margin for the one character ``\\b`` and ``$`` peek at.
Look-behinds only read to the left and do not count.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter
from typing import Any

import regex

#: characters past the widest path that a zero-width assertion (``\b``, ``$``) may read
MARGIN = 2
#: reaches above this are treated as unbounded (window search would not pay)
MAX_REACH = 16_384

#: the standard library's own regex parser (private, but stable across 3.11-3.13)
_SRE_PARSE: Any = importlib.import_module("re._parser")

_PROPERTY = regex.compile(r"\\([pP])\{[^}]*\}")
_LOOKAHEAD = regex.compile(r"(?<!\\)\(\?[=!]")
_NAMED = regex.compile(r"\(\?P?<([A-Za-z_]\w*)>")
_BACKREF = regex.compile(r"\(\?P=([A-Za-z_]\w*)\)")


def _for_stdlib(pattern: str) -> str:
    """``pattern`` rewritten to a standard-``re`` pattern of the same maximum width."""
    out = _PROPERTY.sub(lambda m: r"\w" if m.group(1) == "p" else r"\W", pattern)
    out = _LOOKAHEAD.sub("(?:", out)
    seen: Counter[str] = Counter()

    def rename(m: regex.Match[str]) -> str:
        seen[m.group(1)] += 1
        n = seen[m.group(1)]
        return m.group(0) if n == 1 else f"(?P<{m.group(1)}__{n}>"

    out = _NAMED.sub(rename, out)
    widest = {name for name, n in seen.items() if n > 1}
    if widest:  # a reference to a repeated name: bound it by the widest group of that name
        out = _BACKREF.sub(lambda m: f"(?:.{{0,{MAX_REACH}}})" if m.group(1) in widest
                           else m.group(0), out)
    return out


def reach(pattern: str, flags: int = 0) -> int | None:
    """The reach of ``pattern`` (``regex`` syntax), or None if unbounded or not computable."""
    try:
        _lo, hi = _SRE_PARSE.parse(_for_stdlib(pattern), flags & (re.IGNORECASE | re.VERBOSE |
                                                                  re.DOTALL | re.MULTILINE)
                                  ).getwidth()
    except (re.error, ValueError, OverflowError, RecursionError):
        return None
    return hi + MARGIN if hi + MARGIN <= MAX_REACH else None
