"""Keyword prefilter: one Aho-Corasick pass tells which rules can match.

It returns rule indices only, never offsets, so case folding that changes a
string's length cannot corrupt a span. It may over-select (a keyword present
but no match) but never under-select: a rule whose match contains one of its
keywords is always selected.
"""

from __future__ import annotations

from collections.abc import Sequence

import ahocorasick


class Prefilter:
    """Selects candidate rules for a text from the rules' case-insensitive keywords."""

    def __init__(self, keywords: Sequence[tuple[str, ...]], always: Sequence[bool]) -> None:
        by_word: dict[str, list[int]] = {}
        for index, words in enumerate(keywords):
            for word in words:
                by_word.setdefault(word.lower(), []).append(index)
        self._always = tuple(i for i, flag in enumerate(always) if flag or not keywords[i])
        self._automaton: ahocorasick.Automaton | None = None
        if by_word:
            automaton = ahocorasick.Automaton()
            for word, indices in by_word.items():
                automaton.add_word(word, tuple(indices))
            automaton.make_automaton()
            self._automaton = automaton
        self._count = len(keywords)

    def candidates(self, text: str) -> list[int]:
        """Indices of the rules that may match ``text``, ascending."""
        selected = set(self._always)
        if self._automaton is not None and text:
            for _end, indices in self._automaton.iter(text.lower()):
                selected.update(indices)
        return sorted(selected)

    def everything(self) -> list[int]:
        """Every rule index: what a run without the prefilter scans."""
        return list(range(self._count))
