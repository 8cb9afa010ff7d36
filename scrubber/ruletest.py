"""Runs the examples every rule carries (match, no_match, contexts, todo) and a ReDoS smoke test.

``scrubber rules check`` and the test suite both call ``check``; a failure is
a ``Problem`` pointing at the example's line in the pack.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from . import matcher
from .engine import Scrubber
from .errors import Problem, ScanError
from .fakes import expand
from .model import Policy, ScrubResult
from .packs import Rule, RuleSet
from .spec import Example

#: where a secret gets pasted in real tickets; ``{secret}`` is replaced by the example value
CONTEXTS: tuple[tuple[str, str], ...] = (
    ("env file", "API_KEY={secret}\nDEBUG=false\n"),
    ("json", '{{"api_key": "{secret}", "status": 401}}'),
    ("yaml", "credentials:\n  token: {secret}\n  region: eu-west-1\n"),
    ("curl header", 'curl -H "X-Api-Key: {secret}" https://api.kestrel.dev/v1/items'),
    ("python", 'client = Client(api_key="{secret}", timeout=30)'),
    ("javascript", "const client = new Client({{ apiKey: '{secret}' }});"),
    ("log line", "2026-11-27T10:02:11Z ERROR auth failed key={secret} request_id=req_8a7d6f5e"),
    ("mail quote", "> On Fri, Jane wrote:\n> my key is {secret}\n> thanks"),
    ("url query", "https://api.kestrel.dev/v1/items?api_key={secret}&page=2"),
    ("html attribute", '<input type="hidden" name="token" value="{secret}">'),
)
TEST_KEY = b"scrubber-rule-examples-key-0001"
REDOS_SIZE = 100_000
REDOS_BUDGET_S = 1.0


@dataclass(frozen=True, slots=True)
class Case:
    """One expanded example of one rule, ready to run."""

    rule: Rule
    kind: str
    index: int
    example: Example
    text: str
    secret: str | None
    redacted: str | None


def cases(rule: Rule) -> Iterator[Case]:
    """Every example of ``rule`` with its placeholders expanded deterministically."""
    ex = rule.spec.examples
    for kind, items in (("match", ex.match), ("no_match", ex.no_match),
                        ("todo_match", ex.todo_match), ("todo_no_match", ex.todo_no_match)):
        for i, e in enumerate(items):
            seed = f"{rule.id}:{kind}:{i}"
            yield Case(rule, kind, i, e, expand(e.text, seed),
                       None if e.secret is None else expand(e.secret, seed),
                       None if e.redacted is None else expand(e.redacted, seed))


def pack_scrubber(ruleset: RuleSet, rule: Rule) -> Scrubber:
    """A Scrubber over the rules of ``rule``'s pack only, with a fixed key."""
    same = tuple(r for r in ruleset if r.spec.path == rule.spec.path)
    return Scrubber(RuleSet(same, ruleset.allow), policy=Policy(key=TEST_KEY))


def _fail(case: Case, message: str) -> Problem:
    pos = case.example.pos
    return Problem(case.rule.spec.path, pos.line, pos.col,
                   f"{case.kind} example {case.index + 1}: {message}", case.rule.id)


def run_case(case: Case, scrubber: Scrubber) -> list[Problem]:
    """Problems with one example (empty if it behaves as declared)."""
    try:
        result = scrubber.scrub(case.text)
    except ScanError as exc:
        return [_fail(case, str(exc))]
    mine = [f for f in result.findings if case.rule.id in f.rule_ids]
    if case.kind in ("no_match", "todo_no_match"):
        ok = not mine
        if case.kind == "todo_no_match":
            return [] if not ok else [_fail(case, "no longer matches; move it to no_match")]
        return [] if ok else [_fail(case, f"matched but should not (at offset {mine[0].start})")]
    if case.kind == "todo_match":
        return [] if len(mine) != 1 else [_fail(case, "matches now; move it to match")]
    return _check_match(case, mine, result.text)


def _check_match(case: Case, mine: list, out: str) -> list[Problem]:  # type: ignore[type-arg]
    spec = case.rule.spec
    problems = []
    if not spec.always_run and not any(k.lower() in case.text.lower() for k in spec.keywords):
        problems.append(_fail(case, "contains none of the rule's keywords, so the prefilter "
                                    "would skip it"))
    problems.extend(_anchor_problems(case, case.text))
    if len(mine) != 1:
        return [*problems, _fail(case, f"expected exactly one finding, got {len(mine)}")]
    found = case.text[mine[0].start:mine[0].end]
    if case.secret is not None and found != case.secret:
        problems.append(_fail(case, f"found a {len(found)}-char value, expected the "
                                    f"{len(case.secret)}-char 'secret'"))
    if case.redacted is not None and out != case.redacted:
        at = next((i for i, (a, b) in enumerate(zip(out, case.redacted, strict=False)) if a != b),
                  min(len(out), len(case.redacted)))
        problems.append(_fail(case, f"redacted output differs from 'redacted' at char {at}"))
    return problems


@dataclass(frozen=True, slots=True)
class Pasted:
    """What a context test pastes: the rule's whole match, and where its secret sits in it."""

    match: str
    secret_start: int
    secret_end: int
    kept: int

    @property
    def secret(self) -> str:
        return self.match[self.secret_start:self.secret_end]


def pasted(case: Case, scrubber: Scrubber) -> Pasted | None:
    """The smallest piece of a match example that the rule finds on its own, or None.

    That is the secret alone for self-identifying keys; the whole regex match for rules
    that need a nearby keyword (``aws_secret_access_key = ...``); the whole example for
    rules that also look past the match (``user:pass@host``).
    """
    mine = [f for f in scrubber.scan(case.text) if case.rule.id in f.rule_ids]
    if len(mine) != 1:
        return None
    start, end = mine[0].start, mine[0].end
    spans = [(start, end)]
    for m in case.rule.pattern.finditer(case.text):
        if m.start() <= start and end <= m.end():
            spans.append(m.span())
    spans.append((0, len(case.text)))
    for lo, hi in spans:
        piece = Pasted(case.text[lo:hi], start - lo, end - lo, len(mine[0].prefix))
        if removed(piece, piece.match, scrubber.scrub(piece.match)):
            return piece
    return None


def removed(p: Pasted, text: str, result: ScrubResult) -> bool:
    """True if the pasted secret is covered by a finding and none of its hidden part is left."""
    at = text.index(p.match) + p.secret_start
    covered = any(f.start <= at and f.end >= at + len(p.secret) for f in result.findings)
    hidden = p.secret[p.kept:]
    return covered and (len(hidden) < 8 or hidden not in result.text)


def _anchor_problems(case: Case, text: str) -> list[Problem]:
    """An ``anchored`` rule's every match must start at one of its keywords."""
    if not case.rule.spec.anchored:
        return []
    return [_fail(case, f"a match starts at offset {at}, not at a keyword, but the rule is "
                        "anchored (add the word it starts with to keywords)")
            for at in matcher.unanchored(case.rule, text)[:1]]


def run_contexts(case: Case, scrubber: Scrubber) -> list[Problem]:
    """The example's match must be found, and its secret removed, in every context."""
    p = pasted(case, scrubber)
    if p is None:
        if len([f for f in scrubber.scan(case.text) if case.rule.id in f.rule_ids]) != 1:
            return []  # reported by run_case
        return [_fail(case, "no part of the example is found on its own")]
    problems = []
    for name, template in CONTEXTS:
        text = template.format(secret=p.match)
        problems.extend(_anchor_problems(case, text))
        if not removed(p, text, scrubber.scrub(text)):
            problems.append(_fail(case, f"not removed in context '{name}'"))
    return problems


def redos_inputs(rule: Rule) -> Iterator[str]:
    """Adversarial inputs for ``rule``: long runs after each keyword, repeated near-misses."""
    runs = ("a" * REDOS_SIZE, "A1" * (REDOS_SIZE // 2), "9" * REDOS_SIZE, " " * REDOS_SIZE,
            "-_." * (REDOS_SIZE // 3), "a@" * (REDOS_SIZE // 2), "1." * (REDOS_SIZE // 2))
    yield from runs
    for kw in rule.spec.keywords[:3]:
        yield (kw + "a" * 60 + " ") * (REDOS_SIZE // (len(kw) + 61))
        yield kw + "=" + "Ab1" * (REDOS_SIZE // 3)


def run_redos(rule: Rule) -> list[Problem]:
    """The rule's regex must finish each adversarial input within the budget."""
    pos = rule.spec.pos("regex")
    for text in redos_inputs(rule):
        try:
            for _ in rule.pattern.finditer(text, timeout=REDOS_BUDGET_S):
                pass
        except TimeoutError:
            return [Problem(rule.spec.path, pos.line, pos.col,
                            f"regex took over {REDOS_BUDGET_S:g}s on a {len(text) // 1000} KB "
                            "adversarial input (catastrophic backtracking?)", rule.id,
                            "avoid nested or overlapping quantifiers")]
    return []


def check(ruleset: RuleSet, only: Iterable[str] | None = None, redos: bool = True
          ) -> list[Problem]:
    """Run every example (and the ReDoS smoke test) of the rules in ``only`` (default: all)."""
    wanted = set(only) if only is not None else None
    problems: list[Problem] = []
    scrubbers: dict[str, Scrubber] = {}
    for rule in ruleset:
        if wanted is not None and rule.id not in wanted:
            continue
        scrubber = scrubbers.get(rule.spec.path) or pack_scrubber(ruleset, rule)
        scrubbers[rule.spec.path] = scrubber
        for case in cases(rule):
            problems.extend(run_case(case, scrubber))
            if case.kind == "match" and rule.spec.examples.contexts:
                problems.extend(run_contexts(case, scrubber))
        if redos:
            problems.extend(run_redos(rule))
    return problems
