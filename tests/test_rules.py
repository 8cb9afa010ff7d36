"""Every built-in rule's examples, contexts and ReDoS smoke test, one test per rule."""

from __future__ import annotations

import pytest

import scrubber
from scrubber import ruletest
from scrubber.packs import RuleSet

RULES = scrubber.load_rules()
IDS = [r.id for r in RULES]


@pytest.mark.parametrize("rule_id", IDS)
def test_rule_examples(rule_id: str, builtin_rules: RuleSet) -> None:
    problems = ruletest.check(builtin_rules, [rule_id])
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("rule_id", IDS)
def test_rule_example_values_removed_by_all_packs(rule_id: str, default: scrubber.Scrubber
                                                  ) -> None:
    """No rule is shadowed in the full default set: each match value is still removed."""
    rule = RULES.get(rule_id)
    assert rule is not None
    own = ruletest.pack_scrubber(RULES, rule)
    for case in ruletest.cases(rule):
        if case.kind != "match":
            continue
        found = [f for f in own.scan(case.text) if rule_id in f.rule_ids]
        value = case.text[found[0].start:found[0].end]
        result = default.scrub(case.text)
        covering = [f for f in result.findings if f.start <= found[0].start
                    and f.end >= found[0].end]
        assert covering, f"{rule_id} match example {case.index + 1} not redacted by all packs"
        kept = len(covering[0].prefix)
        if len(value) - kept >= 8:
            assert value[kept:] not in result.text


def test_starter_packs_are_broad_enough() -> None:
    secrets = [r for r in RULES if r.kind == "secret"]
    pii = {r.entity for r in RULES if r.kind == "pii"}
    assert len(secrets) >= 40
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN",
            "IP_ADDRESS"} <= pii


@pytest.mark.parametrize("rule_id", IDS)
def test_rule_has_references_and_enough_examples(rule_id: str) -> None:
    rule = RULES.get(rule_id)
    assert rule is not None
    spec = rule.spec
    assert spec.references, f"{rule_id} cites no reference"
    assert len(spec.examples.match) >= 2
    assert len(spec.examples.no_match) >= 2
    assert spec.examples.contexts
