"""Runs one compiled rule's regex over a text and returns validated candidates.

A candidate is a plain tuple ``(start, end, rule_index, prefix_end)`` over the
original text: ``text[start:end]`` is the value to redact and
``text[start:prefix_end]`` the part a ``keep_prefix`` operator keeps.
"""

from __future__ import annotations

import regex

from .errors import ScanTimeout
from .model import Candidate
from .packs import Rule

#: a kept prefix never exceeds this share of the value (so no key is mostly revealed)
MAX_PREFIX_SHARE = 0.5


def find(rule: Rule, index: int, text: str, timeout: float) -> list[Candidate]:
    """All candidates of ``rule`` in ``text`` that pass its validators and allowlist."""
    out: list[Candidate] = []
    try:
        for m in rule.pattern.finditer(text, timeout=timeout):
            cand = _candidate(rule, index, m, text)
            if cand is not None:
                out.append(cand)
    except TimeoutError:
        raise ScanTimeout(rule.id, timeout) from None
    return out


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
