"""Hotwords: a rule's ``context`` requires or excludes whole words near a match."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import scrubber

PACK = """
schema: 1
pack: ids
rules:
  - id: member-number
    kind: pii
    entity: MEMBER_ID
    always_run: true
    regex: '(?<!\\d)\\d{8}(?!\\d)'
    context: {require: [member, "membership no"], exclude: [order], window: 20}
    examples:
      match: ['Member 12345678']
      no_match: ['12345678', 'order 12345678 for member']
"""


@pytest.fixture
def ids(write_pack: Callable[[str], Path]) -> scrubber.Scrubber:
    return scrubber.Scrubber(scrubber.load_rules(write_pack(PACK), builtin=False))


@pytest.mark.parametrize(("text", "found"), [
    ("Member 12345678", True),
    ("MEMBERSHIP NO: 12345678", True),
    ("12345678 is my member id", True),
    ("12345678", False),
    ("members 12345678", False),  # whole words only
    ("member 12345678 of order 99", False),  # excluded word nearby
    ("member" + " " * 30 + "12345678", False),  # outside the window
])
def test_require_and_exclude_words(ids: scrubber.Scrubber, text: str, found: bool) -> None:
    assert bool(ids.scan(text)) is found


def test_context_examples_pass_rules_check(write_pack: Callable[[str], Path]) -> None:
    from scrubber import ruletest

    rules = scrubber.load_rules(write_pack(PACK), builtin=False)
    assert ruletest.check(rules, redos=False) == []


def test_bad_context_is_reported(write_pack: Callable[[str], Path]) -> None:
    bad = write_pack(PACK.replace("window: 20", "window: 0, near: [x]"))
    with pytest.raises(scrubber.RulePackError) as info:
        scrubber.load_rules(bad, builtin=False)
    messages = [p.message for p in info.value.problems]
    assert "unknown context field 'near'" in messages
    assert "context.window must be an integer from 1 to 1000" in messages
