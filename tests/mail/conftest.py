"""Fixtures for the mail tests: a fixed-key mail policy over a pinned set of built-in rules."""

from __future__ import annotations

import pytest

import scrubber
from scrubber.mail import MailPolicy
from scrubber.packs import RuleSet

TEST_KEY = b"tests-fixed-key-0123456789abcdef"
#: goldens depend on these rules only, so new packs elsewhere do not churn them
PINNED = frozenset(("email-address", "github-pat-classic", "stripe-live-key", "slack-bot-token",
                    "openai-project-key", "payment-card-number", "credit-card-number"))


@pytest.fixture(scope="session")
def pinned_scrubber() -> scrubber.Scrubber:
    rules = scrubber.load_rules()
    return scrubber.Scrubber(RuleSet(tuple(r for r in rules if r.id in PINNED), rules.allow),
                             key=TEST_KEY)


@pytest.fixture(scope="session")
def policy(pinned_scrubber: scrubber.Scrubber) -> MailPolicy:
    return MailPolicy(pinned_scrubber)
