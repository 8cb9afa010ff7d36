"""Pack YAML to specs: values YAML cannot read, and aliases that nest or expand too far."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

import scrubber
from scrubber.spec import MAX_YAML_DEPTH, parse_pack

RULE = """\
schema: 1
pack: fuzz
description: {description}
rules:
  - id: r
    kind: secret
    entity: {entity}
    keywords: [abc]
    regex: 'abc[0-9]+'
    examples: {{match: ['abc1'], no_match: ['x']}}
"""


@pytest.mark.parametrize(("description", "entity", "tag"), [
    ("2024-13-45", "X", "timestamp"), ("ok", "!!binary zz_", "binary"),
    ("ok", "!!int abc", "int"), ("ok", "!foo X", "!foo")])
def test_issue_8_a_value_its_tag_cannot_read_is_a_problem(description: str, entity: str,
                                                          tag: str) -> None:
    _, problems = parse_pack(RULE.format(description=description, entity=entity), "p.yaml")
    assert any(tag in p.message and "cannot read value" in p.message for p in problems)
    assert all(p.path == "p.yaml" and p.line > 1 for p in problems)


def test_issue_8_a_recursive_alias_is_a_problem() -> None:
    _, problems = parse_pack("schema: 1\npack: p\nrules: &a [*a]\n", "p.yaml")
    assert [str(p).split(" (")[0] for p in problems] == [
        "p.yaml:3:8: YAML nests too deeply or its aliases expand too far"]


def test_issue_8_aliases_cannot_expand_a_small_pack_into_millions_of_values(
        write_pack: Callable[[str], Path]) -> None:
    levels = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n"
                     for i in range(1, 9))
    path = write_pack("schema: 1\npack: p\nl0: &l0 [x, x, x, x, x, x, x, x, x]\n" + levels)
    started = time.monotonic()
    with pytest.raises(scrubber.RulePackError, match="aliases expand too far"):
        scrubber.load_rules(path, builtin=False)
    assert time.monotonic() - started < 5


def test_issue_8_nesting_is_bounded() -> None:
    deep = "[" * (MAX_YAML_DEPTH + 5) + "]" * (MAX_YAML_DEPTH + 5)
    _, problems = parse_pack(f"schema: 1\npack: p\nrules: {deep}\n", "p.yaml")
    assert any("nests too deeply" in p.message for p in problems)


def test_an_alias_used_twice_still_loads() -> None:
    text = RULE.format(description="ok", entity="X").replace(
        "    keywords: [abc]", "    keywords: &k [abc]\n    references: *k")
    spec, problems = parse_pack(text, "p.yaml")
    assert problems == []
    assert spec is not None
    assert spec.rules[0].references == ("abc",)


@pytest.mark.parametrize("text", ["null\n", "~\n", "--- null\n"])
def test_issue_8_a_null_document_is_an_empty_pack_not_silently_skipped(
        write_pack: Callable[[str], Path], text: str) -> None:
    path = write_pack(text)
    with pytest.raises(scrubber.RulePackError, match=f"{path}:1:1: empty pack"):
        scrubber.load_rules(path, builtin=False)
