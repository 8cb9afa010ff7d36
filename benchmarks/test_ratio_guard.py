"""CI guard: the engine must stay a given factor faster than the naive per-rule loop.

Runs in every mode, smoke included (the default CI run). A small fixed amount of work (the
first ``GUARD_TICKETS`` mailbox tickets, ``GUARD_ROUNDS`` interleaved rounds, a few hundred
ms) measures engine-vs-naive ratios; floors are ratios, never absolute times, so a slower
or busier machine slows both sides alike. Floors: ``harness.RATIO_FLOORS``.
"""

from __future__ import annotations

import pytest

from scrubber import RuleSet, Scrubber

from .corpus import tickets
from .harness import (
    GUARD_TICKETS,
    RATIO_FLOORS,
    floor_failures,
    guard_pairs,
    guard_ratios,
    make_scrubber,
)


@pytest.fixture(scope="module")
def guard_texts() -> list[str]:
    return tickets(GUARD_TICKETS)


def test_ratio_floors(full_scrubber: Scrubber, secrets_scrubber: Scrubber,
                      guard_texts: list[str]) -> None:
    measured = guard_ratios(guard_pairs(full_scrubber, secrets_scrubber, guard_texts))
    print(f"ratio guard: measured {measured}, floors {dict(RATIO_FLOORS)}")
    assert not floor_failures(measured), floor_failures(measured)


def test_ratio_guard_fails_on_a_slow_engine(rules: RuleSet, guard_texts: list[str]) -> None:
    """An engine whose prefilter selects every rule (``prefilter=False``: every rule runs over
    the whole text) is no faster than the naive loop: the guard reports both ratios."""
    full = make_scrubber(rules, "full", "default", prefilter=False)
    secrets = make_scrubber(rules, "secrets", "default", prefilter=False)
    measured = guard_ratios(guard_pairs(full, secrets, guard_texts), rounds=3)
    failures = floor_failures(measured)
    assert len(failures) == len(RATIO_FLOORS), (measured, failures)


def test_floor_failures_names_each_ratio_below_its_floor() -> None:
    floors = {"a/b": 2.0, "c/d": 3.0}
    assert floor_failures({"a/b": 2.5, "c/d": 3.0}, floors) == []
    assert floor_failures({"a/b": 1.9, "c/d": 3.5}, floors) == [
        "ratio a/b = 1.9x is below its floor 2.0x"]
    assert len(floor_failures({"a/b": 2.5}, floors)) == 1  # a missing ratio fails
