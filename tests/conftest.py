"""Shared fixtures: the built-in rule set, a fixed-key default scrubber, pack writers."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import scrubber
from scrubber.packs import RuleSet

TEST_KEY = b"tests-fixed-key-0123456789abcdef"

# CI runs the same examples every time (a red run is reproducible); run the exploratory
# profile with SCRUBBER_HYPOTHESIS_PROFILE=long to search further.
settings.register_profile("ci", max_examples=150, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("SCRUBBER_HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def builtin_rules() -> RuleSet:
    return scrubber.load_rules()


@pytest.fixture(scope="session")
def default(builtin_rules: RuleSet) -> scrubber.Scrubber:
    return scrubber.Scrubber(builtin_rules, key=TEST_KEY)


@pytest.fixture
def write_pack(tmp_path: Path) -> Callable[[str], Path]:
    counter = iter(range(1000))

    def write(body: str) -> Path:
        path = tmp_path / f"pack{next(counter)}.yaml"
        path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
        return path

    return write
