"""Runs one compiled rule's regex over a text and returns validated candidates.

A candidate is a plain tuple ``(start, end, rule_index, prefix_end)`` over the
original text: ``text[start:end]`` is the value to redact and
``text[start:prefix_end]`` the part a ``keep_prefix`` operator keeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import regex

from .errors import ScanTimeout
from .model import Candidate
from .packs import Rule

#: a kept prefix never exceeds this share of the value (so no key is mostly revealed)
MAX_PREFIX_SHARE = 0.5


def find(rule: Rule, index: int, text: str, timeout: float) -> list[Candidate]:
    """All candidates of ``rule`` in ``text`` that pass its validators and allowlist."""
    return _collect(rule, index, text, rule.pattern.finditer(text, timeout=timeout), timeout)


def find_at(rule: Rule, index: int, text: str, starts: list[int],
            timeout: float) -> list[Candidate]:
    """``find`` for an anchored rule: try the match only at ``starts`` (ascending).

    Gives exactly ``find``'s result when every match of the rule starts at one of
    ``starts``: like ``finditer``, a try inside the previous match is skipped.
    """
    return _collect(rule, index, text, _matches_at(rule.pattern, text, starts, timeout),
                    timeout)


def find_in(rule: Rule, index: int, text: str, ranges: list[tuple[int, int]], reach: int,
            timeout: float) -> list[Candidate]:
    """``find`` when every match of the rule starts inside one of ``ranges``.

    ``ranges`` are ascending, disjoint ``(lo, hi)`` bounds for a match's start;
    ``reach`` is the rule's (``scrubber.reach``): each search reads at most
    ``hi + reach`` characters, which cannot change a match starting at or before
    ``hi``, so the result is exactly ``find``'s.
    """
    return _collect(rule, index, text,
                    _matches_in(rule.pattern, text, ranges, reach, timeout), timeout)


def _collect(rule: Rule, index: int, text: str, matches: Iterable[regex.Match[str]],
             timeout: float) -> list[Candidate]:
    """The candidates among ``matches``; a regex timeout becomes ``ScanTimeout``."""
    out: list[Candidate] = []
    try:
        for m in matches:
            cand = _candidate(rule, index, m, text)
            if cand is not None:
                out.append(cand)
    except TimeoutError:
        raise ScanTimeout(rule.id, timeout) from None
    return out


def _matches_at(pattern: regex.Pattern[str], text: str, starts: list[int],
                timeout: float) -> Iterator[regex.Match[str]]:
    cursor = 0
    for pos in starts:
        if pos < cursor:
            continue
        m = pattern.match(text, pos, timeout=timeout)
        if m is None or m.end() == pos:
            continue
        cursor = m.end()
        yield m


def _matches_in(pattern: regex.Pattern[str], text: str, ranges: list[tuple[int, int]],
                reach: int, timeout: float) -> Iterator[regex.Match[str]]:
    cursor, size = 0, len(text)
    for lo, hi in ranges:
        pos = max(lo, cursor)
        while pos <= hi:
            m = pattern.search(text, pos, min(size, hi + reach), timeout=timeout)
            if m is None or m.start() > hi:
                break
            pos = cursor = m.end() if m.end() > m.start() else m.end() + 1
            yield m


def near(regions: Sequence[tuple[int, int]], reach: int | None, size: int
         ) -> list[tuple[int, int]]:
    """Start ranges of matches (of at most ``reach`` characters) that touch ``regions``.

    ``regions`` are ascending ``[start, end)`` spans; the result is ascending, disjoint,
    inclusive ``(lo, hi)`` ranges, as ``find_in`` takes. An unbounded reach gives the
    whole text.
    """
    if reach is None:
        return [(0, size)]
    out: list[tuple[int, int]] = []
    for start, end in sorted(regions):
        lo, hi = max(0, start - reach), min(size, end)
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def within(positions: list[int], ranges: list[tuple[int, int]]) -> list[int]:
    """The ascending ``positions`` that fall inside one of the ascending ``ranges``."""
    out: list[int] = []
    i = 0
    for pos in positions:
        while i < len(ranges) and ranges[i][1] < pos:
            i += 1
        if i == len(ranges):
            break
        if ranges[i][0] <= pos:
            out.append(pos)
    return out


def unanchored(rule: Rule, text: str) -> list[int]:
    """Start offsets of matches of ``rule`` in ``text`` that begin at none of its keywords.

    Empty for a rule correctly declared ``anchored``; how packs' examples and the
    tests check that declaration.
    """
    lowered = text.lower()
    if len(lowered) != len(text):
        return []
    words = tuple(k.lower() for k in rule.spec.keywords)
    return [m.start() for m in rule.pattern.finditer(text)
            if not lowered.startswith(words, m.start())]


def _candidate(rule: Rule, index: int, m: regex.Match[str], text: str) -> Candidate | None:
    start, end = m.span(rule.secret_group)
    if start >= end or not _valid(rule, m):
        return None
    if rule.context is not None and not rule.context.accepts(text, *m.span()):
        return None
    if rule.allow and rule.allow.allows(text[start:end]):
        return None
    return start, end, index, _prefix_end(rule, m, start, end)


def _valid(rule: Rule, m: regex.Match[str]) -> bool:
    for group, predicate in rule.validators:
        value = m.group(group)
        if value is None or not predicate(value):
            return False
    return True


def _prefix_end(rule: Rule, m: regex.Match[str], start: int, end: int) -> int:
    limit = start + int((end - start) * MAX_PREFIX_SHARE)
    if rule.prefix_group is not None:
        pstart, pend = m.span(rule.prefix_group)
        if pstart != start or pend < 0:
            return start
        return min(pend, limit)
    return min(start + rule.prefix_chars, limit)
