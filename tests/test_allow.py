"""Allowlists: values, keyed fingerprints (pack and ignore file), the opt-in inline pragma."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import scrubber
from scrubber.fakes import expand

from .conftest import TEST_KEY

GH = expand("{{crc32:ghp_}}", "allow")
OTHER = expand("{{crc32:ghp_}}", "allow-2")


def test_fingerprint_in_a_pack_allows_that_value_only(
        write_pack: Callable[[str], Path]) -> None:
    fp = scrubber.Scrubber(scrubber.load_rules(), key=TEST_KEY).fingerprint(GH)
    pack = write_pack(f"""
        schema: 1
        pack: known-test-keys
        allow: {{fingerprints: ['{fp}']}}
        """)
    s = scrubber.Scrubber(scrubber.load_rules(pack), key=TEST_KEY)
    assert [f.fingerprint for f in s.scan(f"{GH} {OTHER}")] == [s.fingerprint(OTHER)]


def test_policy_ignore_list_and_key_dependence(builtin_rules: scrubber.RuleSet) -> None:
    fp = scrubber.Scrubber(builtin_rules, key=TEST_KEY).fingerprint(GH)
    same_key = scrubber.Scrubber(builtin_rules, key=TEST_KEY, ignore_fingerprints=frozenset({fp}))
    assert same_key.scan(GH) == []
    other_key = scrubber.Scrubber(builtin_rules, key=b"another-key-0123456789abcdef",
                                  ignore_fingerprints=frozenset({fp}))
    assert len(other_key.scan(GH)) == 1


def test_rule_level_fingerprints_are_rejected(write_pack: Callable[[str], Path]) -> None:
    pack = write_pack("""
        schema: 1
        pack: bad
        rules:
          - id: bad-key
            kind: secret
            entity: API_KEY
            keywords: [bad_]
            regex: 'bad_[a-z]{20}'
            allow: {fingerprints: ['0123456789abcdef']}
            examples: {match: ['bad_{{lower:20}}'], no_match: ['bad_x']}
        """)
    with pytest.raises(scrubber.RulePackError, match="only works in a pack's top-level allow"):
        scrubber.load_rules(pack, builtin=False)


def test_pragma_is_off_by_default_and_per_line(builtin_rules: scrubber.RuleSet) -> None:
    text = f"test key {GH}  # scrubber:allow\nlive key {OTHER}\n"
    assert len(scrubber.Scrubber(builtin_rules).scan(text)) == 2
    honoured = scrubber.Scrubber(builtin_rules, allow_pragma=True)
    [only] = honoured.scan(text)
    assert text[only.start:only.end] == OTHER


def test_cli_ignore_file_round_trip(tmp_path: Path) -> None:
    env = {**os.environ, "SCRUBBER_KEY": "cli-ignore-file-key-0123456789"}
    ticket = tmp_path / "t.txt"
    ticket.write_text(f"known {GH}\nnew {OTHER}\n")

    def scan(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "scrubber", "scan", "--format", "json",
                               str(ticket), *extra], capture_output=True, text=True, env=env,
                              timeout=120)

    first = json.loads(scan().stdout)
    ignore = tmp_path / "ignore.txt"
    ignore.write_text(f"# known test key\n{first[0]['fingerprint']}  # line 1 of the ticket\n")
    second = json.loads(scan("--ignore-file", str(ignore)).stdout)
    assert [f["line"] for f in second] == [2]
    ignore.write_text("not-a-fingerprint\n")
    bad = scan("--ignore-file", str(ignore))
    assert bad.returncode == 2
    assert f"{ignore}:1: expected a 16-hex-digit fingerprint" in bad.stderr


def test_documentation_example_keys_survive(default: scrubber.Scrubber) -> None:
    text = ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
    assert default.scrub(text).text == text
