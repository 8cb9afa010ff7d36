"""Fuzzing the pack and policy loaders: mutated and generated YAML loads, or fails naming the file.

Sources are the real packs in ``rules/`` and ``tests/packs`` and the policies in
``tests/policies`` and ``examples``. Mutations: deleted, duplicated and swapped lines, keys
and values swapped, wrong types, bad regexes, huge numbers, deep nesting, YAML aliases
("billion laughs"), non-UTF-8 bytes, BOMs and tabs. A load either succeeds (and the result
scrubs text) or raises ``RulePackError``/``ConfigError`` whose problems each name the file
and a line. ``SCRUBBER_FUZZ_EXAMPLES=N`` runs N examples per test instead of the profile's.
"""

from __future__ import annotations

import inspect
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st

import scrubber
from scrubber import cache, operators, validators
from scrubber.errors import ConfigError, RulePackError, ScanTimeout, ScrubberError
from scrubber.fakes import expand
from scrubber.policyfile import POLICY_FIELDS, load_policy
from scrubber.spec import PACK_FIELDS, RULE_FIELDS

from .conftest import TEST_KEY

ROOT = Path(__file__).parents[1]
PACKS = tuple(sorted((ROOT / "rules").rglob("*.yaml"))) + tuple(
    sorted((ROOT / "tests" / "packs").rglob("*.yaml")))
POLICIES = (*sorted((ROOT / "tests" / "policies").rglob("*.yaml")),
            ROOT / "examples" / "policy.yaml")
FUZZ = settings(max_examples=int(os.environ.get("SCRUBBER_FUZZ_EXAMPLES") or
                                 settings.default.max_examples), deadline=None)
#: seconds one load may take before it counts as a hang
HANG = 20
SAMPLE = (f"token {expand('{{crc32:ghp_}}', 'fuzz')} key=sk_live_{expand('{{alnum:24}}', 'fuzz')}"
          " mail jane.doe@example.org card 4111 1111 1111 1111 phone +1 415 555 0100\n"
          "Hi Jane Roe,\nAKIAIOSFODNN7EXAMPLE password: hunter2hunter2 \x00 ünï\r\n")

LAUGHS = b"".join(b"l%d: &l%d [" % (i, i) + b", ".join([b"*l%d" % (i - 1)] * 9) + b"]\n"
                  for i in range(1, 9))
TOKENS = (
    b"[]", b"{}", b"null", b"~", b"true", b"-1", b"0", b"1e999", b"-.inf", b".nan",
    b"99999999999999999999999999", b"9" * 5000, b"'{'", b"'(?'", b"'(?P<secret>'",
    b"'a{4294967294}'", b"'(?:(?:a{1000}){1000}){1000}'", b"'(a+)+$'", b"'(?:)'",
    b"'\\\\'", b"!!binary zz", b"!!int x", b"!!python/object:os.system x", b"!foo bar",
    b"2024-13-45", b"2024-01-01", b"&a [*a]", b"*nowhere", b"<<: *a", b"? [a, b]\n: c",
    b"---\n", b"...\n", b"%YAML 1.1\n", b"\"\\ud800\"", b"[" * 80 + b"]" * 80,
    b"[" * 3000, b"{a: " * 70 + b"1" + b"}" * 70, b"\t", b"\x00", b"\xff\xfe", b"\xc3(",
    b"\xef\xbb\xbf", b"\r", b"\r\n", b"'{entity:>99999999999}'", b"'{0}'", b"'{n!r}'",
    b"{operator: replace, template: 5}", b"{operator: mask, keep_last: 1e400}",
    b"{entropy: {min: 1e400}}", b"{length: {min: .inf}}", b"{stdnum: {number: '..'}}",
    b"{azure_identifiable: {signature: AZEU, seeds: [{}]}}", b"{phone: {regions: 5}}",
    b"- keep_prefix\n", b"~nobody/x.yaml", b"'" + b"a" * 5000 + b"'", LAUGHS,
)
MUTATIONS = ("delete", "duplicate", "swap", "swap_kv", "value", "insert", "number", "tabs",
             "truncate", "flip", "bom")


class Hang(Exception):
    """A load ran longer than ``HANG`` seconds."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang(f"no result after {HANG}s")


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def mutate(data: bytes, op: str, at: float, token: bytes, other: float) -> bytes:
    """One mutation of ``data`` at the relative position ``at`` (``other``: a second one)."""
    lines = data.splitlines(keepends=True) or [b""]
    i, j = int(at * len(lines)) % len(lines), int(other * len(lines)) % len(lines)
    pos = int(at * len(data))
    if op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(i, lines[i])
    elif op == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "swap_kv" and b": " in lines[i]:
        indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
        key, _, value = lines[i].strip().partition(b": ")
        lines[i] = indent + value + b": " + key + b"\n"
    elif op == "value" and b": " in lines[i]:
        lines[i] = lines[i].split(b": ", 1)[0] + b": " + token + b"\n"
    elif op == "tabs":
        lines[i] = b"\t" + lines[i].lstrip(b" ")
    elif op == "number":
        return _bigger_number(data, pos, token)
    elif op in ("insert", "truncate", "flip", "bom"):
        return _bytes_op(data, op, pos, token, other)
    return b"".join(lines)


def _bigger_number(data: bytes, pos: int, token: bytes) -> bytes:
    start = next((k for k in range(pos, len(data)) if data[k:k + 1].isdigit()), None)
    if start is None:
        return data
    end = start
    while data[end:end + 1].isdigit():
        end += 1
    huge = b"9" * (10 + len(token) % 40) if len(token) < 100 else b"9" * 5000
    return data[:start] + huge + data[end:]


def _bytes_op(data: bytes, op: str, pos: int, token: bytes, other: float) -> bytes:
    if op == "insert":
        return data[:pos] + token + data[pos:]
    if op == "truncate":
        return data[:pos]
    if op == "flip" and data:
        k = min(pos, len(data) - 1)
        return data[:k] + bytes([data[k] ^ (1 + int(other * 254))]) + data[k + 1:]
    return b"\xef\xbb\xbf" + data


@st.composite
def mutated(draw: st.DrawFn, sources: tuple[Path, ...]) -> tuple[Path, bytes]:
    source = draw(st.sampled_from(sources))
    data = source.read_bytes()
    steps = draw(st.lists(st.tuples(st.sampled_from(MUTATIONS), st.floats(0, 1),
                                    st.sampled_from(TOKENS), st.floats(0, 1)),
                          min_size=1, max_size=4))
    for op, at, token, other in steps:
        data = mutate(data, op, at, token, other)
    return source, data


# --------------------------------------------------------------------------- generated packs


def _params(registry: Any) -> tuple[str, ...]:
    return tuple(sorted({p for f in registry.values() for p in inspect.signature(f).parameters}))


NAMES = tuple(sorted({*validators.BUILTIN, *operators.BUILTIN}))
PARAMS = _params(validators.BUILTIN) + _params(operators.BUILTIN) + ("operator", "group")
KEYS = tuple(sorted({*RULE_FIELDS, *PACK_FIELDS, *POLICY_FIELDS, *NAMES, *PARAMS, "values",
                     "regexes", "stopwords", "fingerprints", "match", "no_match", "text",
                     "require", "exclude", "window", "paths", "builtin", "enable", "disable",
                     "domains", "staff", "PERSON", "EMAIL_ADDRESS", "API_KEY"}))
WORDS = ("secret", "pii", "high", "low", "API_KEY", "ghp_", "(?P<secret>ghp_[A-Za-z0-9]{36})",
         "(?P<prefix>x)(?P<secret>y+)", "(a+)+$", "(", "prefix", "keep_prefix", "mask", "token",
         "replace", "{entity}", "{nope}", "<{entity}_{n}>", "ignorecase", "verbose", "fuzz-pack",
         "r-1", "US", "UK", "acme.io", "*", "~")
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-2, 70),
                    st.floats(), st.text(max_size=12), st.sampled_from(WORDS + NAMES))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=5), max_leaves=25)
rules = st.fixed_dictionaries(
    {"id": st.sampled_from(("r-1", "r-2")) | values, "kind": st.sampled_from(("secret", "pii")),
     "entity": st.just("API_KEY") | values, "keywords": st.just(["ghp_"]) | values,
     "regex": st.sampled_from(WORDS) | values},
    optional={name: values for name in RULE_FIELDS
              if name not in ("id", "kind", "entity", "keywords", "regex")})
packs = st.fixed_dictionaries(
    {"schema": st.just(1) | values, "pack": st.just("fuzz-pack") | values,
     "rules": st.lists(rules, max_size=3)},
    optional={name: values for name in PACK_FIELDS if name not in ("schema", "pack", "rules")})
policies = st.fixed_dictionaries(
    {"schema": st.just(1) | values},
    optional={name: values for name in POLICY_FIELDS if name != "schema"})


# --------------------------------------------------------------------------- invariants


@pytest.fixture(scope="module", autouse=True)
def no_rule_cache() -> Iterator[None]:
    """Fuzz the loader itself: no compiled-rule cache entry per mutated pack."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(cache.CACHE_ENV, "off")
        yield


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "a" / "b"
    path.mkdir(parents=True)
    return path


def check_load(path: Path, load: Callable[[Path], Any], files: tuple[str, ...]) -> None:
    """``load(path)`` succeeds and its result scrubs text, or fails naming a file and line."""
    error: ScrubberError | None = None
    try:
        with time_limit(HANG):
            result = load(path)
    except (RulePackError, ConfigError) as exc:
        error = exc
    if isinstance(error, RulePackError):
        event("problems")
        check_problems(error, files)
    elif error is not None:
        event("ConfigError")
        assert any(f in str(error) for f in files), str(error)
    else:
        event("loaded")
        check_usable(result)


def check_problems(error: RulePackError, files: tuple[str, ...]) -> None:
    assert error.problems
    for problem in error.problems:
        assert problem.path in files, str(problem)
        assert problem.line >= 1
        assert problem.col >= 1
        assert str(problem).startswith(f"{problem.path}:{problem.line}:{problem.col}:")


def check_usable(result: Any) -> None:
    """A rule set (and policy) that loaded builds a Scrubber that scrubs text."""
    ruleset, policy = result if isinstance(result, tuple) else (result, None)
    scrub = scrubber.Scrubber(ruleset, key=TEST_KEY, policy=policy, timeout=0.5)
    try:
        with time_limit(HANG):
            scrub.scrub(SAMPLE)
    except ScanTimeout:  # a user regex that backtracks: fail closed, as documented
        pass


def load_pack(path: Path) -> Any:
    return scrubber.load_rules(path, builtin=False)


def load_policy_file(path: Path) -> Any:
    return load_policy(path, builtin=False)


@FUZZ
@given(case=mutated(PACKS))
def test_mutated_packs_load_or_fail_naming_the_file(case: tuple[Path, bytes],
                                                    workdir: Path) -> None:
    path = workdir / "pack.yaml"
    path.write_bytes(case[1])
    check_load(path, load_pack, (str(path),))


@FUZZ
@given(pack=packs)
def test_generated_packs_load_or_fail_naming_the_file(pack: dict[str, Any],
                                                      workdir: Path) -> None:
    path = workdir / "generated.yaml"
    path.write_text(yaml.safe_dump(pack), encoding="utf-8")
    check_load(path, load_pack, (str(path),))


@FUZZ
@given(case=mutated(POLICIES), pack=st.sampled_from(PACKS))
def test_mutated_policies_load_or_fail_naming_the_file(case: tuple[Path, bytes], pack: Path,
                                                       workdir: Path) -> None:
    path = workdir / "policy.yaml"
    selected = workdir / "selected.yaml"
    selected.write_bytes(pack.read_bytes())
    data = case[1].replace(b"paths: []", b"paths: [selected.yaml]")
    path.write_bytes(data)
    check_load(path, load_policy_file, (str(path), str(selected)))


@FUZZ
@given(policy=policies)
def test_generated_policies_load_or_fail_naming_the_file(policy: dict[str, Any],
                                                         workdir: Path) -> None:
    path = workdir / "generated-policy.yaml"
    path.write_text(yaml.safe_dump(policy), encoding="utf-8")
    check_load(path, load_policy_file, (str(path),))


def test_mutations_change_the_input() -> None:
    source = ROOT / "examples" / "policy.yaml"
    data = source.read_bytes()
    changed = {op: mutate(data, op, 0.3, b"[]", 0.7) != data for op in MUTATIONS}
    assert all(changed.values()), changed
