"""Find, load and compile rule packs into an immutable RuleSet (built-in packs ship in the wheel).

Loading collects every problem of every pack (schema, regex, validators,
operators, duplicate ids, unknown disables/overrides) and raises them together
as one ``RulePackError``.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import pickle
import re
import string
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import regex

from . import cache
from . import operators as ops
from . import validators as vals
from .errors import ConfigError, Problem, RulePackError
from .model import Severity
from .reach import reach
from .spec import AllowSpec, Call, PackSpec, Pos, RuleSpec, parse_pack

REGEX_FLAGS: Mapping[str, int] = MappingProxyType({
    "ignorecase": regex.IGNORECASE, "multiline": regex.MULTILINE, "dotall": regex.DOTALL,
    "verbose": regex.VERBOSE})
PACK_SUFFIXES = (".yaml", ".yml")
#: items a user regex's counted repeats may expand to when compiled (``a{4294967294}`` would
#: take the machine's memory in ``regex.compile``; built-in rules stay far below)
MAX_REGEX_ITEMS = 100_000
_COUNT = re.compile(r"\{(\d*)(?:,\d*)?\}")


def _class_end(pattern: str, i: int) -> int:
    """The index after the character class opening at ``i`` (its first unescaped ``]``)."""
    j = i + 1
    j += pattern.startswith("^", j)
    j += pattern.startswith("]", j)
    while j < len(pattern) and pattern[j] != "]":
        j += 2 if pattern[j] == "\\" else 1
    return j + 1


def regex_items(pattern: str) -> int:
    """An upper bound on the items ``pattern``'s counted repeats expand to when compiled.

    ``regex`` unrolls the minimum count of ``X{m}`` and ``X{m,n}``, so ``(?:ab){3}`` costs 6.
    The scan is deliberately rough: it never undercounts a repeat.
    """
    stack, last, i = [0], 1, 0
    while i < len(pattern):
        ch = pattern[i]
        count = _COUNT.match(pattern, i) if ch == "{" else None
        if count and count.group() != "{}":
            digits = count.group(1).lstrip("0") or "0"
            times = int(digits) if len(digits) < 10 else 10 ** 10
            stack[-1] += last * (max(times, 1) - 1)
            last *= max(times, 1)
            i = count.end()
            continue
        if ch == "(":
            stack.append(0)
        elif ch == ")" and len(stack) > 1:
            last = max(stack.pop(), 1)
            stack[-1] += last
        else:
            last = 1
            stack[-1] += 1
            if ch == "[":
                i = _class_end(pattern, i)
                continue
            i += ch == "\\"
        i += 1
    return sum(stack)


def plain_template(params: Mapping[str, Any], name: str = "template") -> None:
    """Raise ValueError unless ``params[name]`` (if given) is a string whose fields carry no
    format spec or conversion: ``{entity:>99999999999}`` would build a huge string."""
    if name not in params:
        return
    template = params[name]
    if not isinstance(template, str):
        raise ValueError(f"{name} must be a string")
    try:
        fields = [(field, spec, conv) for _, field, spec, conv
                  in string.Formatter().parse(template)]
    except ValueError as exc:
        raise ValueError(f"{name} {template!r} is not a valid template ({exc})") from None
    if any(field is not None and (spec or conv) for field, spec, conv in fields):
        raise ValueError(f"{name} {template!r}: fields take no format spec or conversion")


def _reason(exc: Exception) -> str:
    """A factory's error as text; a type other than ValueError/TypeError is named."""
    if isinstance(exc, ValueError | TypeError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def compile_user_regex(pattern: str, flags: int = 0) -> regex.Pattern[str]:
    """``regex.compile`` for a regex from a pack or policy; ``regex.error`` when it is too large."""
    items = regex_items(pattern)
    if items > MAX_REGEX_ITEMS:
        raise regex.error(f"counted repeats expand to about {items} items (at most "
                          f"{MAX_REGEX_ITEMS})")
    try:
        return regex.compile(pattern, flags)
    except (ValueError, OverflowError, RecursionError) as exc:  # e.g. (?V1) clashing with V0
        raise regex.error(f"{exc.__class__.__name__}: {exc}") from None


@dataclass(frozen=True, slots=True)
class Allow:
    """A compiled allowlist: exact values, searched regexes, case-insensitive stopwords, and
    keyed fingerprints (checked by the engine, which holds the key)."""

    values: frozenset[str] = frozenset()
    regexes: tuple[regex.Pattern[str], ...] = ()
    stopwords: tuple[str, ...] = ()
    fingerprints: frozenset[str] = frozenset()

    def allows(self, value: str) -> bool:
        if value in self.values:
            return True
        if self.stopwords:
            low = value.lower()
            if any(w in low for w in self.stopwords):
                return True
        return any(r.search(value) for r in self.regexes)

    def __bool__(self) -> bool:
        return bool(self.values or self.regexes or self.stopwords or self.fingerprints)


@dataclass(frozen=True, slots=True)
class Context:
    """Compiled hotwords: ``require`` must and ``exclude`` must not match within ``window``
    characters of a match (whole words, any case)."""

    require: regex.Pattern[str] | None
    exclude: regex.Pattern[str] | None
    window: int

    def accepts(self, text: str, start: int, end: int) -> bool:
        lo, hi = max(0, start - self.window), min(len(text), end + self.window)
        if self.require is not None and self.require.search(text, lo, hi) is None:
            return False
        return self.exclude is None or self.exclude.search(text, lo, hi) is None


def _words(words: tuple[str, ...]) -> regex.Pattern[str] | None:
    if not words:
        return None
    alternation = "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))
    return regex.compile(rf"(?<!\w)(?:{alternation})(?!\w)", regex.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled rule: the spec plus its pattern, predicates, allowlist and operator."""

    spec: RuleSpec
    pattern: regex.Pattern[str]
    secret_group: int | str
    validators: tuple[tuple[int | str, vals.Predicate], ...]
    allow: Allow
    operator: ops.Operator
    prefix_group: str | None
    prefix_chars: int
    severity: Severity
    context: Context | None = None
    #: how far right of a match's start the regex reads (``scrubber.reach``); None: unbounded
    reach: int | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def entity(self) -> str:
        return self.spec.entity


@dataclass(frozen=True, slots=True)
class RuleSet:
    """An immutable, picklable, thread-shareable set of compiled rules (pack order)."""

    rules: tuple[Rule, ...]
    allow: Allow = Allow()

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rules)


#: the rule that findings of caller-supplied names (``scrub(text, names=...)``) belong to
KNOWN_NAME_RULE = "person-known-name"


def known_name_rule() -> Rule:
    """The rule for names the caller passes in: PERSON, numbered per ticket like the cue rules.

    It has no pattern of its own: the engine searches the given names.
    """
    spec = RuleSpec(id=KNOWN_NAME_RULE, kind="pii", entity="PERSON", severity="medium",
                    regex="(?!)", path="<engine>", pack="engine",
                    description="A person name given by the caller (e.g. the ticket's requester).")
    return Rule(spec, regex.compile("(?!)"), 0, (), Allow(), ops.token(), None, 0,
                Severity.MEDIUM)


def builtin_rules_dir() -> Path:
    """Where the built-in packs are: inside the installed package, else the source tree."""
    packaged = Path(str(importlib.resources.files("scrubber"))) / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


def pack_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and directories (recursively) into pack files, each file once."""
    out: list[Path] = []
    seen: set[Path] = set()
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.suffix in PACK_SUFFIXES)
        elif p.exists():
            found = [p]
        else:
            raise ConfigError(f"rule pack not found: {p}")
        for f in found:
            if f.resolve() not in seen:
                seen.add(f.resolve())
                out.append(f)
    return out


def read_packs(files: Iterable[Path]) -> tuple[list[PackSpec], list[Problem]]:
    """Parse every file; return the usable specs and all problems found."""
    specs, problems = [], []
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(f), 1, 1, f"cannot read pack: {exc.__class__.__name__}"))
            continue
        spec, found = parse_pack(text, str(f))
        problems.extend(found)
        if spec is not None:
            specs.append(spec)
    return specs, problems


# --------------------------------------------------------------------------- compile


class _Compiler:
    """Compiles specs, recording problems instead of stopping at the first."""

    def __init__(self, validators: Mapping[str, Any], operators: Mapping[str, Any]) -> None:
        self.validators = {**vals.BUILTIN, **validators}
        self.custom_validators = set(validators)
        self.operators = {**ops.BUILTIN, **operators}
        self.problems: list[Problem] = []

    def problem(self, spec: RuleSpec, field: str, message: str, hint: str | None = None,
                pos: Pos | None = None) -> None:
        at = pos or spec.pos(field.split(".")[0])
        self.problems.append(Problem(spec.path, at.line, at.col, message, spec.id, hint))

    def allow(self, spec: RuleSpec | None, allow: AllowSpec, path: str = "") -> Allow:
        compiled = []
        for pattern in allow.regexes:
            try:
                compiled.append(compile_user_regex(pattern))
            except regex.error as exc:
                if spec is not None:
                    self.problem(spec, "allow", f"allow regex does not compile: {exc}")
                else:
                    self.problems.append(Problem(path, allow.pos.line, allow.pos.col,
                                                 f"allow regex does not compile: {exc}"))
        if spec is not None and allow.fingerprints:
            self.problem(spec, "allow", "allow.fingerprints only works in a pack's top-level "
                         "allow", "fingerprints are checked once, for every rule")
        return Allow(frozenset(allow.values), tuple(compiled),
                     tuple(w.lower() for w in allow.stopwords), frozenset(allow.fingerprints))

    def pattern(self, spec: RuleSpec) -> regex.Pattern[str] | None:
        flags = regex.V0
        for f in spec.flags:
            flags |= REGEX_FLAGS[f]
        try:
            return compile_user_regex(spec.regex, flags)
        except regex.error as exc:
            self.problem(spec, "regex", f"regex does not compile: {exc}")
            return None

    def group(self, spec: RuleSpec, pattern: regex.Pattern[str], group: object, field: str
              ) -> bool:
        names = sorted(pattern.groupindex)
        ok = (isinstance(group, int) and 0 <= group <= pattern.groups) or group in names
        if not ok:
            have = ", ".join(names) or f"{pattern.groups} unnamed"
            self.problem(spec, field, f"{field} {group!r} is not a group of the regex",
                         f"groups: {have}")
        return ok

    def predicates(self, spec: RuleSpec, pattern: regex.Pattern[str]
                   ) -> list[tuple[int | str, vals.Predicate]]:
        out = []
        for call in spec.validators:
            factory = self.validators.get(call.name)
            if factory is None:
                self.problem(spec, "validators", f"unknown validator '{call.name}'",
                             "expected one of: " + ", ".join(sorted(self.validators)), call.pos)
                continue
            params = call.kwargs()
            group = params.pop("group", _default_group(spec, pattern))
            if not self.group(spec, pattern, group, "validators"):
                continue
            pred = self.build(spec, call, factory, params, custom=call.name in
                              self.custom_validators)
            if pred is not None:
                out.append((group, pred))
        return out

    def build(self, spec: RuleSpec, call: Call, factory: Any, params: dict[str, Any],
              custom: bool = False) -> Any:
        try:
            plain_template(params)
            if custom:
                return _bind_custom(factory, params)
            return factory(**params)
        except Exception as exc:  # any failure of a factory means its parameters are bad
            self.problem(spec, "", f"bad parameters for '{call.name}': {_reason(exc)}",
                         pos=call.pos)
            return None

    def operator(self, spec: RuleSpec, call: Call, pattern: regex.Pattern[str]
                 ) -> tuple[ops.Operator, str | None, int] | None:
        factory = self.operators.get(call.name)
        if factory is None:
            self.problem(spec, "redact", f"unknown operator '{call.name}'",
                         "expected one of: " + ", ".join(sorted(self.operators)), call.pos)
            return None
        params = call.kwargs()
        op = self.build(spec, call, factory, params)
        if op is None:
            return None
        group = params.get("group") if call.name == "keep_prefix" else None
        if group is not None and not self.group(spec, pattern, group, "redact.group"):
            return None
        chars = params.get("chars", 4) if call.name == "keep_prefix" else 0
        return op, group, int(chars) if group is None else 0

    def rule(self, spec: RuleSpec, extra_allow: AllowSpec | None, redact: Call | None,
             severity: str | None) -> Rule | None:
        before = len(self.problems)
        pattern = self.pattern(spec)
        if pattern is None:
            return None
        secret_group = spec.secret_group if spec.secret_group is not None \
            else _default_group(spec, pattern)
        self.group(spec, pattern, secret_group, "secret_group")
        preds = self.predicates(spec, pattern)
        allow_spec = _merge_allow(spec.allow, extra_allow)
        allow = self.allow(spec, allow_spec)
        default = Call("keep_prefix" if spec.kind == "secret" else "replace", (), spec.pos(""))
        op = self.operator(spec, redact or spec.redact or default, pattern)
        if op is None or len(self.problems) > before:
            return None
        ctx = spec.context
        context = Context(_words(ctx.require), _words(ctx.exclude), ctx.window) \
            if ctx.require or ctx.exclude else None
        return Rule(spec, pattern, secret_group, tuple(preds), allow, op[0], op[1], op[2],
                    Severity.parse(severity or spec.severity), context,
                    reach(spec.regex, pattern.flags))


def _default_group(spec: RuleSpec, pattern: regex.Pattern[str]) -> int | str:
    if spec.secret_group is not None:
        return spec.secret_group
    return "secret" if "secret" in pattern.groupindex else 0


def _bind_custom(fn: Any, params: dict[str, Any]) -> vals.Predicate:
    import functools
    import inspect

    inspect.signature(fn).bind("value", **params)
    return functools.partial(fn, **params) if params else fn


def _merge_allow(base: AllowSpec, extra: AllowSpec | None) -> AllowSpec:
    if not extra:
        return base
    return dataclasses.replace(base, values=base.values + extra.values,
                               regexes=base.regexes + extra.regexes,
                               stopwords=base.stopwords + extra.stopwords,
                               fingerprints=base.fingerprints + extra.fingerprints)


# --------------------------------------------------------------------------- assemble


def _index(specs: list[PackSpec], problems: list[Problem]) -> dict[str, RuleSpec]:
    by_id: dict[str, RuleSpec] = {}
    for pack in specs:
        for rule in pack.rules:
            first = by_id.get(rule.id)
            if first is not None:
                at, was = rule.pos("id"), first.pos("id")
                problems.append(Problem(rule.path, at.line, at.col,
                                        f"rule id '{rule.id}' already defined at "
                                        f"{first.path}:{was.line}:{was.col}"))
                continue
            by_id[rule.id] = rule
    return by_id


def _apply_user_changes(specs: list[PackSpec], by_id: dict[str, RuleSpec],
                        problems: list[Problem]) -> tuple[set[str], dict[str, Any]]:
    disabled: set[str] = set()
    overrides: dict[str, Any] = {}
    for pack in specs:
        for rid, pos in pack.disable:
            if rid not in by_id:
                problems.append(Problem(pack.path, pos.line, pos.col,
                                        f"cannot disable unknown rule '{rid}'", hint=_near(rid,
                                                                                          by_id)))
            disabled.add(rid)
        for ov in pack.overrides:
            if ov.rule_id not in by_id:
                problems.append(Problem(ov.path, ov.pos.line, ov.pos.col,
                                        f"cannot override unknown rule '{ov.rule_id}'",
                                        hint=_near(ov.rule_id, by_id)))
            overrides[ov.rule_id] = ov
    return disabled, overrides


def _near(rid: str, by_id: Mapping[str, object]) -> str | None:
    import difflib

    close = difflib.get_close_matches(rid, list(by_id), n=1)
    return f"did you mean '{close[0]}'?" if close else None


def compile_packs(specs: list[PackSpec], problems: list[Problem], *,
                  enable: Iterable[str] | None = None, disable: Iterable[str] = (),
                  validators: Mapping[str, Any] | None = None,
                  operators: Mapping[str, Any] | None = None) -> RuleSet:
    """Compile parsed packs into a RuleSet, raising RulePackError with every problem."""
    by_id = _index(specs, problems)
    disabled, overrides = _apply_user_changes(specs, by_id, problems)
    wanted = _select(by_id, enable, disable)
    comp = _Compiler(validators or {}, operators or {})
    rules = []
    for rid, spec in by_id.items():
        ov = overrides.get(rid)
        rule = comp.rule(spec, ov.allow if ov else None, ov.redact if ov else None,
                         ov.severity if ov else None)
        if rule is not None and not spec.broken and rid not in disabled and rid in wanted:
            rules.append(rule)
    global_allow = AllowSpec()
    for p in specs:
        global_allow = _merge_allow(global_allow, p.allow)
    allow = comp.allow(None, global_allow, specs[0].path if specs else "")
    problems.extend(comp.problems)
    if problems:
        raise RulePackError(problems)
    return RuleSet(tuple(rules), allow)


def _select(by_id: Mapping[str, RuleSpec], enable: Iterable[str] | None,
            disable: Iterable[str]) -> set[str]:
    wanted = set(by_id) if enable is None else set(enable)
    unknown = (wanted | set(disable)) - set(by_id)
    if unknown:
        name = sorted(unknown)[0]
        hint = _near(name, by_id)
        raise ConfigError(f"unknown rule id '{name}'" + (f" ({hint})" if hint else ""))
    return wanted - set(disable)


def load_rules(*paths: str | Path, builtin: bool = True, enable: Iterable[str] | None = None,
               disable: Iterable[str] = (), validators: Mapping[str, Any] | None = None,
               operators: Mapping[str, Any] | None = None) -> RuleSet:
    """Load the built-in packs (unless ``builtin=False``) plus ``paths`` into a RuleSet.

    ``paths`` are pack files or directories. User packs may add rules, ``disable``
    built-in ones and ``override`` their operator, allowlist or severity.
    ``enable``/``disable`` select rule ids; ``validators``/``operators`` add
    named extensions (``{"name": callable}``). Raises ``RulePackError`` listing
    every problem, with ``file:line:col``.

    >>> rules = load_rules()
    >>> len(rules) > 40
    True
    """
    files = pack_files(([builtin_rules_dir()] if builtin else []) + list(paths))
    if validators or operators:  # code the cache cannot key
        specs, problems = read_packs(files)
        return compile_packs(specs, problems, enable=enable, disable=disable,
                             validators=validators, operators=operators)
    return _cached_rules(files, None if enable is None else sorted(enable), sorted(disable))


def _cached_rules(files: list[Path], enable: list[str] | None, disable: list[str]) -> RuleSet:
    """Compile ``files`` (or reuse the compiled set cached for exactly this content)."""
    try:
        name = cache.key("rules", repr((enable, disable)),
                         *(p for f in files for p in (str(f.resolve()), f.read_bytes())))
    except OSError:
        name = None  # an unreadable pack: read_packs reports it
    blob = cache.read("rules", name) if name else None
    if blob is not None:
        try:
            found = pickle.loads(blob)
        except Exception:  # a corrupt entry is a miss, never an error
            found = None
        if isinstance(found, RuleSet):
            return found
    specs, problems = read_packs(files)
    rules = compile_packs(specs, problems, enable=enable, disable=disable)
    if name:
        cache.write("rules", name, pickle.dumps(rules, pickle.HIGHEST_PROTOCOL))
    return rules
