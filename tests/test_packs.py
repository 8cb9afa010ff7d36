"""Loading packs: built-ins ship, user packs add/disable/override, extensions by name."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

import scrubber
from scrubber.packs import builtin_rules_dir

ACME = """
schema: 1
pack: acme
rules:
  - id: acme-key
    kind: secret
    entity: API_KEY
    keywords: [acme_]
    regex: '(?P<secret>(?P<prefix>acme_[a-z]{4})[a-z]{16})'
    redact: {operator: keep_prefix, group: prefix}
    examples: {match: ['acme_{{lower:20}}'], no_match: ['acme_short']}
"""


def test_builtin_packs_are_found() -> None:
    assert (builtin_rules_dir() / "secrets").is_dir()
    assert len(scrubber.load_rules()) > 40


def test_user_pack_adds_rule(write_pack: Callable[[str], Path]) -> None:
    rules = scrubber.load_rules(write_pack(ACME))
    out = scrubber.Scrubber(rules).scrub("k=acme_abcdefghijklmnopqrst").text
    assert out == "k=acme_abcd[REDACTED:acme-key]"


def test_user_pack_disables_and_overrides(write_pack: Callable[[str], Path]) -> None:
    pack = write_pack("""
        schema: 1
        pack: tweaks
        disable: [github-pat-classic]
        override:
          email-address:
            redact: {operator: token}
            allow: {regexes: ['@kestrel\\.io$']}
        """)
    s = scrubber.Scrubber(scrubber.load_rules(pack))
    assert s.rules.get("github-pat-classic") is None
    out = s.scrub("a@acme.co, b@zeta.co, a@acme.co, me@kestrel.io").text
    assert out == "<EMAIL_ADDRESS_1>, <EMAIL_ADDRESS_2>, <EMAIL_ADDRESS_1>, me@kestrel.io"


def test_global_allow_values(write_pack: Callable[[str], Path]) -> None:
    pack = write_pack("""
        schema: 1
        pack: company
        allow: {values: [ops@kestrel.io]}
        """)
    s = scrubber.Scrubber(scrubber.load_rules(pack))
    assert s.scrub("ops@kestrel.io jane@kestrel.io").text == "ops@kestrel.io <EMAIL_ADDRESS>"


def test_override_of_unknown_rule_is_reported(write_pack: Callable[[str], Path]) -> None:
    pack = write_pack("""
        schema: 1
        pack: tweaks
        override:
          emial-address: {severity: low}
        """)
    with pytest.raises(scrubber.RulePackError, match="cannot override unknown rule "
                       "'emial-address' \\(did you mean 'email-address'\\?\\)"):
        scrubber.load_rules(pack)


def test_enable_and_disable_select_rules() -> None:
    rules = scrubber.load_rules(enable=["email-address", "github-pat-classic"],
                                disable=["github-pat-classic"])
    assert rules.ids() == ("email-address",)
    with pytest.raises(scrubber.ConfigError, match="unknown rule id 'emial-address'"):
        scrubber.load_rules(enable=["emial-address"])


def test_custom_validator_by_name(write_pack: Callable[[str], Path]) -> None:
    def even_length(value: str, extra: int = 0) -> bool:
        return (len(value) + extra) % 2 == 0

    pack = write_pack(ACME.replace("    redact:", "    validators: [{even: {extra: 0}}]\n"
                                   "    redact:"))
    rules = scrubber.load_rules(pack, builtin=False, validators={"even": even_length})
    assert scrubber.Scrubber(rules).scan("acme_abcdefghijklmnopqrst") == []
    with pytest.raises(scrubber.RulePackError, match="bad parameters for 'even'"):
        scrubber.load_rules(write_pack(ACME.replace(
            "    redact:", "    validators: [{even: {nope: 1}}]\n    redact:")),
            builtin=False, validators={"even": even_length})


def test_missing_pack_path_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(scrubber.ConfigError, match="rule pack not found"):
        scrubber.load_rules(tmp_path / "nope.yaml")


def test_all_problems_reported_together(write_pack: Callable[[str], Path]) -> None:
    a = write_pack(ACME.replace("kind: secret", "kind: nope"))
    b = write_pack(ACME.replace("acme-key", "other-key").replace("(?P<secret>", "(?P<secret"))
    with pytest.raises(scrubber.RulePackError) as info:
        scrubber.load_rules(a, b, builtin=False)
    paths = {p.path for p in info.value.problems}
    assert paths == {str(a), str(b)}


def test_ruleset_pickles(builtin_rules: scrubber.RuleSet) -> None:
    again = pickle.loads(pickle.dumps(builtin_rules))
    assert again.ids() == builtin_rules.ids()


def _acme_with(old: str, new: str) -> str:
    assert old in ACME
    return ACME.replace(old, new)


@pytest.mark.parametrize("regex", ["a{4294967294}", "(?:(?:a{1000}){1000}){1000}",
                                   "(?:ab){60000}x"])
def test_issue_8_a_regex_whose_repeats_expand_too_far_is_a_problem_not_an_oom(
        write_pack: Callable[[str], Path], regex: str) -> None:
    path = write_pack(_acme_with("'(?P<secret>(?P<prefix>acme_[a-z]{4})[a-z]{16})'",
                                 f"'acme_(?P<prefix>x)(?P<secret>{regex})'"))
    with pytest.raises(scrubber.RulePackError, match="counted repeats expand to about"):
        scrubber.load_rules(path, builtin=False)
    allow = write_pack(_acme_with("    redact:", f"    allow: {{regexes: ['{regex}']}}\n"
                                  "    redact:"))
    with pytest.raises(scrubber.RulePackError, match="allow regex does not compile: counted"):
        scrubber.load_rules(allow, builtin=False)


@pytest.mark.parametrize("redact", [
    "{operator: replace, template: 5}",            # AttributeError inside the factory
    "{operator: replace, template: '<{entity:>99999999999}>'}",   # MemoryError when formatted
    "{operator: token, template: '<{n!r}>'}"])
def test_issue_8_any_operator_factory_failure_is_a_problem(
        write_pack: Callable[[str], Path], redact: str) -> None:
    path = write_pack(_acme_with("{operator: keep_prefix, group: prefix}", redact))
    with pytest.raises(scrubber.RulePackError, match="bad parameters for") as info:
        scrubber.load_rules(path, builtin=False)
    assert all(p.path == str(path) and p.line == 9 for p in info.value.problems)


@pytest.mark.parametrize("validator", ["{entropy: {min: 1" + "0" * 400 + "}}",
                                       "{length: {min: .inf}}"])
def test_issue_8_any_validator_factory_failure_is_a_problem(
        write_pack: Callable[[str], Path], validator: str) -> None:
    path = write_pack(_acme_with("    redact:", f"    validators: [{validator}]\n    redact:"))
    with pytest.raises(scrubber.RulePackError, match="bad parameters for"):
        scrubber.load_rules(path, builtin=False)


def test_built_in_regexes_stay_far_below_the_repeat_limit(builtin_rules: scrubber.RuleSet
                                                          ) -> None:
    from scrubber.packs import MAX_REGEX_ITEMS, regex_items

    assert max(regex_items(r.spec.regex) for r in builtin_rules) < MAX_REGEX_ITEMS // 10
    assert regex_items("(?:ab){3}") == 12
    assert regex_items(r"[a{9999999}]\{9999999}") == 10  # the class, then 9 literals
