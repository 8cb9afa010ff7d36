"""Policy files: parsing with positions, pack selection, per-entity operators, allowlists, CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import scrubber
from scrubber import ruletest
from scrubber.cli import main
from scrubber.fakes import expand
from scrubber.policyfile import PolicyFileError, load_policy, scrubber_from_policy

from .conftest import TEST_KEY

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "policy.yaml"
INVALID = sorted((Path(__file__).parent / "policies" / "invalid").glob("*.yaml"))
CARD = expand("{{card:4:16}}", "policyfile")
GH = expand("{{crc32:ghp_}}", "policyfile")
PERSON_PACK = """\
schema: 1
pack: staff-test
rules:
  - id: test-person
    kind: pii
    entity: PERSON
    keywords: [hi]
    regex: '(?i:hi) (?P<secret>[A-Z][a-z]+(?: +[A-Z][a-z]+)?),'
    references: ['test pack']
    examples: {match: ['hi Jane Roe,'], no_match: ['hi there']}
"""


@pytest.fixture
def write_policy(write_pack: Callable[[str], Path]) -> Callable[[str], Path]:
    """A policy file is written like a pack: dedented YAML in a fresh temp file."""
    return write_pack


def test_there_are_at_least_five_invalid_fixtures() -> None:
    assert len(INVALID) >= 5


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_policy_reports_pinned_messages(path: Path) -> None:
    expected = [line.removeprefix("# error: ")
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith("# error: ")]
    assert expected, "fixture needs a '# error:' header"
    with pytest.raises(PolicyFileError) as info:
        load_policy(path)
    got = [str(p) for p in info.value.problems if p.path == str(path)]
    assert got == [f"{path}:{e}" for e in expected]
    assert isinstance(info.value, scrubber.RulePackError)


def test_example_policy_loads_and_matches_its_text() -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    rules, policy = scrubber.load_policy(EXAMPLE)
    assert not set(data["packs"]["disable"]) & set(rules.ids())
    assert len(rules) == len(scrubber.load_rules()) - len(data["packs"]["disable"])
    assert policy.kinds == tuple(data["kinds"])
    assert str(policy.min_severity) == data["min_severity"]
    assert (policy.marker, policy.timeout, policy.decode_depth, policy.allow_pragma) == (
        data["marker"], data["timeout"], data["decode_depth"], data["allow_pragma"])
    domain = data["allow"]["domains"][0]
    s = scrubber.Scrubber(rules, policy=policy, key=TEST_KEY)
    out = s.scrub(f"card {CARD}, from jo@kestrel.io and ops@mail.{domain}; jo@kestrel.io").text
    assert out == (f"card {'*' * 12}{CARD[-4:]}, from <EMAIL_ADDRESS_1> and ops@mail.{domain}; "
                   "<EMAIL_ADDRESS_1>")


def test_docs_show_the_example_policy() -> None:
    doc = (ROOT / "docs" / "policy.md").read_text(encoding="utf-8")
    block = doc.split("## Full example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    assert yaml.safe_load(block) == yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def test_entity_operator_overrides_every_rule_with_that_entity(
        write_policy: Callable[[str], Path]) -> None:
    rules, policy = load_policy(write_policy("""
        schema: 1
        operators: {PHONE_NUMBER: {operator: replace, template: '[phone:{rule_id}]'}}
    """))
    phone_rules = [r for r in rules if r.entity == "PHONE_NUMBER"]
    assert len(phone_rules) >= 3
    s = scrubber.Scrubber(rules, policy=policy, key=TEST_KEY)
    for rule in phone_rules:
        for case in ruletest.cases(rule):
            if case.kind == "match":
                found = [f for f in s.scrub(case.text).findings if f.entity == "PHONE_NUMBER"]
                assert found, (rule.id, case.index)
                assert all(f.replacement == f"[phone:{f.rule_id}]" for f in found)


def test_policy_keeps_a_packs_own_override_of_the_same_rule(
        write_policy: Callable[[str], Path], tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(
        "schema: 1\npack: acme\noverride:\n  email-address:\n"
        "    allow: {regexes: ['^noreply@']}\n    severity: low\n", encoding="utf-8")
    rules, policy = load_policy(write_policy("""
        schema: 1
        packs: {paths: [acme.yaml]}
        operators: {EMAIL_ADDRESS: token}
    """))
    rule = rules.get("email-address")
    assert rule is not None
    assert rule.severity == scrubber.Severity.LOW
    out = scrubber.Scrubber(rules, policy=policy).scrub("noreply@kestrel.io jo@kestrel.io").text
    assert out == "noreply@kestrel.io <EMAIL_ADDRESS_1>"


def test_staff_names_and_values_are_allowed(write_policy: Callable[[str], Path],
                                            tmp_path: Path) -> None:
    (tmp_path / "person.yaml").write_text(PERSON_PACK, encoding="utf-8")
    rules, policy = load_policy(write_policy("""
        schema: 1
        packs: {paths: [person.yaml]}
        operators: {PERSON: token}
        allow: {staff: [Dana Whitfield], values: [TICKET-42]}
    """))
    s = scrubber.Scrubber(rules, policy=policy)
    text = "hi Dana Whitfield, hi dana  whitfield, hi Jane Roe, hi Dana,"
    assert s.scrub(text).text == ("hi Dana Whitfield, hi dana  whitfield, hi <PERSON_1>, "
                                  "hi <PERSON_2>,")


def test_phone_regions_select_national_numbers(write_policy: Callable[[str], Path]) -> None:
    text = "Rückruf unter 030 12345678 bitte"
    seen = {}
    for regions in ("[US]", "[DE, US]"):
        rules, policy = load_policy(write_policy(f"schema: 1\nphone_regions: {regions}\n"))
        seen[regions] = [f.entity for f in scrubber.Scrubber(rules, policy=policy).scan(text)]
    assert seen == {"[US]": [], "[DE, US]": ["PHONE_NUMBER"]}


def test_enable_builtin_off_and_relative_paths(write_policy: Callable[[str], Path],
                                               tmp_path: Path) -> None:
    (tmp_path / "packs").mkdir()
    (tmp_path / "packs" / "person.yaml").write_text(PERSON_PACK, encoding="utf-8")
    rules, _ = load_policy(write_policy("""
        schema: 1
        packs: {builtin: false, paths: [packs]}
    """))
    assert rules.ids() == ("test-person",)
    rules, _ = load_policy(write_policy("schema: 1\npacks: {enable: [email-address, iban-code]}\n"))
    assert sorted(rules.ids()) == ["email-address", "iban-code"]


def test_every_problem_of_policy_and_packs_is_reported_together(
        write_policy: Callable[[str], Path], tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("schema: 1\npack: bad\nrules: [{id: Bad}]\n",
                                       encoding="utf-8")
    path = write_policy("""
        schema: 1
        packs: {paths: [bad.yaml], disable: [no-such-rule]}
        kinds: [pii, everything]
    """)
    with pytest.raises(PolicyFileError) as info:
        load_policy(path)
    where = {(p.path, p.line) for p in info.value.problems}
    assert {(str(path), 2), (str(path), 3), (str(tmp_path / "bad.yaml"), 3)} <= where


def test_options_and_keyword_overrides(write_policy: Callable[[str], Path]) -> None:
    path = write_policy("""
        schema: 1
        kinds: [pii]
        min_severity: medium
        timeout: 1
        decode_depth: 0
    """)
    s = scrubber_from_policy(path, key=TEST_KEY)
    assert (s.policy.kinds, s.policy.min_severity, s.policy.timeout, s.policy.decode_depth) == (
        ("pii",), scrubber.Severity.MEDIUM, 1.0, 0)
    assert all(r.kind == "pii" for r in s.rules)
    assert scrubber_from_policy(path, kinds=("secret",)).policy.kinds == ("secret",)
    with pytest.raises(PolicyFileError, match="cannot read policy file"):
        load_policy(path.parent / "missing.yaml")


def _scan_entities(args: list[str], text_file: Path, capsys: pytest.CaptureFixture[str]
                   ) -> list[str]:
    main(["scan", "--format", "json", *args, str(text_file)])
    data = json.loads(capsys.readouterr().out)
    findings = data["findings"] if isinstance(data, dict) else data
    return sorted(f["entity"] for f in findings)


def test_cli_policy_option_and_command_line_overrides(
        write_policy: Callable[[str], Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    ticket = tmp_path / "ticket.txt"
    ticket.write_text(f"token {GH}\nmail jo@kestrel.io\n", encoding="utf-8")
    policy = str(write_policy("schema: 1\nkinds: [pii]\n"))
    both = _scan_entities([], ticket, capsys)
    assert len(both) == 2
    assert "EMAIL_ADDRESS" in both
    assert _scan_entities(["--policy", policy], ticket, capsys) == ["EMAIL_ADDRESS"]
    secret_only = _scan_entities(["--policy", policy, "--kinds", "secret"], ticket, capsys)
    assert secret_only == [e for e in both if e != "EMAIL_ADDRESS"]
    assert _scan_entities(["--policy", policy, "--disable", "email-address"], ticket,
                          capsys) == []


def test_cli_reports_policy_problems_as_one_line_each(
        write_policy: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    path = write_policy("schema: 1\nkinds: nope\ntimeout: -1\n")
    assert main(["scan", "--policy", str(path), str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2:8: 'kinds' must be" in err
    assert f"{path}:3:10: 'timeout' must be" in err


@pytest.mark.parametrize("paths", ["['~nobody-at-all/x.yaml']", "['" + "a" * 5000 + "']"])
def test_issue_8_an_unusable_pack_path_is_a_problem(write_policy: Callable[[str], Path],
                                                    paths: str) -> None:
    path = write_policy(f"schema: 1\npacks: {{paths: {paths}}}\n")
    with pytest.raises(PolicyFileError, match=f"{path}:2:17: pack path not found"):
        load_policy(path, builtin=False)


@pytest.mark.parametrize(("line", "message"), [
    ("timeout: 1" + "0" * 400, "'timeout' must be a positive number"),
    ("timeout: .inf", "'timeout' must be a positive number"),
    ("marker: '[{entity:>99999999999}]'", "'marker' must be a template"),
    ("marker: '[{rule_id!r}]'", "'marker' must be a template"),
    ("operators: {PERSON: {operator: replace, template: 5}}", "bad parameters for 'replace'"),
    ("allow: {regexes: ['a{4294967294}']}", "allow regex does not compile: counted repeats")])
def test_issue_8_values_that_crashed_or_exhausted_the_loader_are_problems(
        write_policy: Callable[[str], Path], line: str, message: str) -> None:
    path = write_policy(f"schema: 1\n{line}\n")
    with pytest.raises(PolicyFileError, match=message) as info:
        load_policy(path, builtin=False)
    assert all(p.path == str(path) and p.line == 2 for p in info.value.problems)


def test_issue_8_a_null_policy_is_an_empty_policy_file(write_policy: Callable[[str], Path]
                                                       ) -> None:
    path = write_policy("null\n")
    with pytest.raises(PolicyFileError, match=f"{path}:1:1: empty policy file"):
        load_policy(path, builtin=False)
