"""The ReDoS linter: classic bad shapes flagged, safe look-alikes not, errors really slow."""

from __future__ import annotations

from pathlib import Path

import pytest
import regex
from hypothesis import assume, given
from hypothesis import strategies as st

from scrubber.cli import main
from scrubber.lint import lint, lint_pattern
from scrubber.packs import RuleSet

A = "a" * 2000
#: CPU seconds (``regex`` measures its timeout in process time, so a loaded box does not
#: make a fast search time out); each flagged input below takes seconds to hours
TIMEOUT = 0.25
#: (flagged pattern, safe rewrite, input): each flagged pattern must time out on its input
#: while the rewrite finishes. ``regex`` guards simple nested repeats, which
#: turns their exponential cost into about n³ per search, hence 2,000-character inputs
#: (seconds to minutes) for those and 40-60 characters for overlapping alternatives.
EXPONENTIAL = (
    (r"(a+)+!", r"a+!", A + "?!"),
    (r"(a*)*!", r"a*!", A + "?!"),
    (r"(\w+\s?)*!", r"(?:\w+\s)*\w*!", A + "?!"),
    (r"(?:[a-z]+-?)+!", r"(?:[a-z]+-)*[a-z]+!", A + "?!"),
    (r"(x+x+)+y", r"xx+y", "x" * 2000 + "!y"),
    (r"([a-zA-Z]+)*$", r"[a-zA-Z]*$", A + "1"),
    (r"^(([a-z])+.)+[A-Z]([a-z])+$", r"^[a-z]+[A-Z][a-z]+$", A + "!"),
    (r"(?:\w+[-.]?)+@", r"(?:\w+[-.])*\w+@", A + "!@"),
    (r"(?i)(?:[A-Z][a-z]+\s?)+!", r"(?:[A-Z][a-z]+\s?)+!", A + "?!"),
    (r"(?:\s*\w+)+:", r"(?:\s+\w+)+:", A + "!:"),
    (r"(.*a){3,}!", r"(?:[^a\n]*a){3,}!", "a" * 1000 + "\n!"),
    (r"(?:(a+)+b)*+!", r"(?:a+b)*+!", A + "?!b"),
    (r"(?>(a+)+b)", r"(?>a+b)", A + "!b"),
    (r"(?=(a+)+b)", r"(?=a+b)", A + "!b"),
    (r"(a|a)*!", r"a*!", "a" * 40 + "?!"),
    (r"(a|aa)+!", r"a+!", "a" * 60 + "?!"),
    (r"(a|ab|b)*c", r"[ab]*c", "ab" * 30 + "!c"),
    (r"(?:\w|[0-9])+!", r"\w+!", "1" * 40 + "?!"),
    (r"(?:\d|\d\d)+!", r"\d+!", "1" * 60 + "?!"),
    (r"(?:\w|-|\.|[a-z])*@", r"[\w.-]*@", "a" * 40 + "!@"),
    (r"(?:\p{L}|[a-z])+!", r"\p{L}+!", "a" * 40 + "?!"),
)
#: flagged although ``regex`` happens to collapse ``\w|\d`` into one set: a rule must not
#: depend on that optimisation (``(?:\w|[0-9])+`` above is not collapsed, and is slow)
COLLAPSED_BY_REGEX = (r"(\w|\d)+!", r"(?:\d|\w)+!")
POLYNOMIAL = (
    r"\w+\w+!",
    r"\d+.\d+!",
    r"\s*\n\s*x",
    r"a+a*b",
    r"(?:\w+\s?){0,4}!",
    r"[^\s]{6,512}\S+!",
    r"\w+\d+\w+!",
    r".*=.*;",
    r"[a-z]+x[a-z0-9x]+;",
)
CLEAN = (
    r"[a-z]+-[a-z]+",
    r"(?:ab)+",
    r"(a+)++",
    r"(?:\w+\s?)*+!",
    r"\w++\w+",
    r"(?>\w+)\w+",
    r"(?:[a-z]+-)+!",
    r"(a|ab)*c",
    r"[a-f0-9]{32}",
    r"(?:\w{1,4}\s?){0,4}!",
    r"\d{4}-\d{2}-\d{2}",
    r"(?i:abc)+def",
    r"\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)*",
    r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==)?",
    r"(?>(a+)+)",
    r"(?=(a+)+)",
    r"a{0,20}?a{0,24}?!",
    r"(?:\d+\.)*\d+!",
    r"\w+@\w+",
    r"(?:[a-z]|[A-Z])+!",
    r"(?:\s*,)*\s*x",
    r"(?<![\w-])(?P<secret>sk-[A-Za-z0-9]{48})(?![\w-])",
    r"(?x) (?: [a-z]+ - )+ \d  # verbose",
)
#: look-alikes of the classics that stay linear, on the input that would hurt the classic
FAST_LOOKALIKES = (
    (r"(a|ab)*c", "ab" * 1000 + "!c"),
    (r"(?:[a-z]+-)+!", A + "?!"),
    (r"(a+)++!", A + "?!"),
    (r"(?:\w+\s?)*+!", A + "?!"),
)


def severities(pattern: str) -> list[str]:
    return [i.severity for i in lint_pattern(pattern)]


@pytest.mark.parametrize(("bad", "safe", "text"), EXPONENTIAL, ids=[c[0] for c in EXPONENTIAL])
def test_exponential_patterns_are_errors_and_really_slow(bad: str, safe: str, text: str) -> None:
    assert "error" in severities(bad)
    assert severities(safe) == []
    with pytest.raises(TimeoutError):
        regex.search(bad, text, timeout=TIMEOUT)
    regex.search(safe, text, timeout=TIMEOUT)  # the rewrite finishes on the same input


@pytest.mark.parametrize("pattern", COLLAPSED_BY_REGEX)
def test_overlapping_single_character_alternatives_are_errors(pattern: str) -> None:
    assert severities(pattern) == ["error"]
    issue = lint_pattern(pattern)[0]
    assert issue.check == "exponential"
    assert "overlapping alternatives" in issue.message


@pytest.mark.parametrize("pattern", POLYNOMIAL)
def test_adjacent_overlapping_loops_are_warnings(pattern: str) -> None:
    issues = lint_pattern(pattern)
    assert issues
    assert {(i.severity, i.check) for i in issues} == {("warning", "polynomial")}


@pytest.mark.parametrize("pattern", CLEAN)
def test_safe_lookalikes_are_clean(pattern: str) -> None:
    assert lint_pattern(pattern) == ()


@pytest.mark.parametrize(("pattern", "text"), FAST_LOOKALIKES)
def test_clean_lookalikes_really_are_fast(pattern: str, text: str) -> None:
    assert lint_pattern(pattern) == ()
    regex.search(pattern, text, timeout=TIMEOUT)


def test_bounded_small_repeats_are_less_severe() -> None:
    assert severities(r"(?:\w+\s?)+!") == ["error"]
    assert set(severities(r"(?:\w+\s?){0,4}!")) == {"warning"}
    assert severities(r"(?:\w{1,4}\s?){0,4}!") == []
    assert severities(r"[a-z]{0,20}[a-z0-9]{0,24}!") == []  # n at most 20: constant factor
    assert severities(r"[a-z]{1,200}[a-z0-9]{1,200}!") == ["warning"]


def test_issue_names_the_repeat_and_a_rewrite() -> None:
    (issue,) = lint_pattern(r"key=(\w+\s?)*;")
    assert issue.offset == 4
    assert "`(\\w+\\s?)*`" in issue.message
    assert "possessive" in issue.hint


@pytest.mark.parametrize("pattern", [r"(?R)", r"(a)(?1)", r"a{e<=1}b",
                                     r"(?V1)[[a-z]--[aeiou]]+", r"(*FAIL)|a"])
def test_unsupported_syntax_is_one_warning(pattern: str) -> None:
    issues = lint_pattern(pattern)
    assert [(i.severity, i.check) for i in issues] == [("warning", "unanalysed")]


def test_pattern_that_does_not_compile_is_one_warning() -> None:
    (issue,) = lint_pattern("(unclosed")
    assert (issue.severity, issue.check) == ("warning", "unanalysed")


TOKENS = ("a", "b", "x", r"\w", r"\d", r"\s", ".", "[a-z]", r"[^\s]", r"\p{L}", "(", ")", "(?:",
          "(?>", "(?=", "(?<!", "(?i:", "(?P<n>", "(?P=n)", "|", "*", "+", "?", "{2}", "{1,3}",
          "{0,}", "*+", "++", "+?", r"\b", "^", "$", r"\1", "[", "]", "-", "{", "}", "\\",
          "#", "(?x)", " ", "\n", "é", "(?#c)", r"\x41", r"[\]a]")


@given(pattern=st.one_of(st.text(max_size=30),
                         st.lists(st.sampled_from(TOKENS), max_size=16).map("".join)),
       flags=st.sampled_from([0, regex.IGNORECASE, regex.VERBOSE, regex.DOTALL]))
def test_linter_never_crashes(pattern: str, flags: int) -> None:
    try:
        regex.compile(pattern, flags)
    except (regex.error, ValueError, OverflowError):
        assume(False)
    for issue in lint_pattern(pattern, flags):
        assert issue.severity in ("error", "warning")
        assert 0 <= issue.offset <= len(pattern)


def test_no_builtin_rule_has_a_lint_error(builtin_rules: RuleSet) -> None:
    lints = lint(builtin_rules)
    assert [str(x) for x in lints if x.severity == "error"] == []
    assert [str(x) for x in lints if x.check == "unanalysed"] == []


PACKS = Path(__file__).parent / "packs" / "lint"


def regex_key(pack: Path) -> str:
    """``path:line:col`` of the value of the pack's (only) ``regex:`` key."""
    for n, line in enumerate(pack.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip().startswith("regex: "):
            return f"{pack}:{n}:{line.index('regex: ') + len('regex: ') + 1}"
    raise AssertionError(f"{pack} has no regex")


def test_rules_check_fails_on_a_lint_error(capsys: pytest.CaptureFixture[str]) -> None:
    pack = PACKS / "redos.yaml"
    assert main(["rules", "check", "--no-builtin", str(pack)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"{regex_key(pack)}: rule 'lint-demo-exponential': ReDoS error: ")
    assert len(out.splitlines()) == 1  # its examples and smoke test pass: only the lint fails
    assert "1 ReDoS lint errors" in err


def test_rules_check_warnings_fail_only_with_strict(capsys: pytest.CaptureFixture[str]) -> None:
    pack = PACKS / "polynomial.yaml"
    assert main(["rules", "check", "--no-builtin", str(pack)]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith(f"{regex_key(pack)}: rule 'lint-demo-polynomial': ReDoS warning: ")
    assert main(["rules", "check", "--no-builtin", "--strict", str(pack)]) == 1
