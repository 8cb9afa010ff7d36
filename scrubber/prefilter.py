"""Keyword prefilter: one Aho-Corasick pass picks the rules to run and where anchored ones start.

It may over-select (a keyword present but no match) but never under-select: a
rule whose match contains one of its keywords is always selected. For rules
declared ``anchored`` (every match starts at one of their keywords) it also
returns the keyword start offsets, so the matcher tries those positions only
instead of scanning the whole text. Offsets come from ``text.lower()``; when
lower-casing changes the text's length (a few non-ASCII letters do) the offsets
are not trusted and anchored rules fall back to a whole-text scan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import ahocorasick

#: a selection: the rule indices to run, ascending; for anchored rules the ascending
#: keyword start offsets to try (``None``: offsets unusable, scan whole text); and for
#: rules located by a scan, ascending ``(lo, hi)`` ranges their matches start in
Selection = tuple[list[int], Mapping[int, list[int]] | None, Mapping[int, list[tuple[int, int]]]]

_NO_STARTS: Mapping[int, list[int]] = MappingProxyType({})
NO_RANGES: Mapping[int, list[tuple[int, int]]] = MappingProxyType({})
#: non-ASCII letters ``regex`` matches with an ASCII letter under IGNORECASE (and dotless
#: i) that ``str.lower`` leaves apart: folded first, one character for one
FOLDS_TO_ASCII: Mapping[int, str] = MappingProxyType({
    0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k"})
_FOLD_CHARS = tuple(chr(c) for c in FOLDS_TO_ASCII)


def lowered(text: str) -> str:
    """``text.lower()`` after folding the letters in ``FOLDS_TO_ASCII``."""
    if not text.isascii() and any(c in text for c in _FOLD_CHARS):
        text = text.translate(FOLDS_TO_ASCII)
    return text.lower()


class Prefilter:
    """Selects candidate rules for a text from the rules' case-insensitive keywords."""

    def __init__(self, keywords: Sequence[tuple[str, ...]], always: Sequence[bool],
                 anchored: Sequence[bool] = ()) -> None:
        by_word: dict[str, list[int]] = {}
        for index, words in enumerate(keywords):
            for word in words:
                by_word.setdefault(word.lower(), []).append(index)
        self._always = tuple(i for i, flag in enumerate(always) if flag or not keywords[i])
        self._anchored = frozenset(i for i, flag in enumerate(anchored) if flag)
        self._automaton: ahocorasick.Automaton | None = None
        if by_word:
            automaton = ahocorasick.Automaton()
            for word, indices in by_word.items():
                automaton.add_word(word, (len(word) - 1, tuple(indices),
                                          tuple(i for i in indices if i in self._anchored)))
            automaton.make_automaton()
            self._automaton = automaton
        self._count = len(keywords)

    def candidates(self, text: str) -> list[int]:
        """Indices of the rules that may match ``text``, ascending."""
        return self.select(text)[0]

    def select(self, text: str) -> Selection:
        """The rules that may match ``text`` and, for anchored ones, where to try them."""
        selected = set(self._always)
        if self._automaton is None or not text:
            return sorted(selected), _NO_STARTS, NO_RANGES
        folded = lowered(text)
        aligned = len(folded) == len(text)  # lower() only ever lengthens a string
        starts: dict[int, set[int]] = {}
        for end, (back, indices, anchored) in self._automaton.iter(folded):
            selected.update(indices)
            for index in anchored:
                starts.setdefault(index, set()).add(end - back)
        if not aligned:
            return sorted(selected), None, NO_RANGES
        return sorted(selected), {i: sorted(s) for i, s in starts.items()}, NO_RANGES

    def everything(self) -> list[int]:
        """Every rule index: what a run without the prefilter scans."""
        return list(range(self._count))
