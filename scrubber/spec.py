"""Rule-pack YAML to typed specs with source positions; every schema check lives here.

Nothing here compiles a regex or looks up a validator: that is ``packs``'s job,
which uses the positions recorded here to point at the offending line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import yaml

from .errors import Problem
from .model import KINDS, SEVERITIES

SCHEMA_VERSION = 1
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FLAGS = ("ignorecase", "multiline", "dotall", "verbose")
Params = tuple[tuple[str, Any], ...]
Path = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Pos:
    """A 1-based line and column in a pack file."""

    line: int = 1
    col: int = 1


@dataclass(frozen=True, slots=True)
class Call:
    """A named validator or operator with its parameters, as written in the pack."""

    name: str
    params: Params = ()
    pos: Pos = Pos()

    def kwargs(self) -> dict[str, Any]:
        return dict(self.params)


@dataclass(frozen=True, slots=True)
class AllowSpec:
    """Values that are never findings: exact values, searched regexes, stopwords, and keyed
    fingerprints (from ``scrubber scan`` output: they survive the text moving)."""

    values: tuple[str, ...] = ()
    regexes: tuple[str, ...] = ()
    stopwords: tuple[str, ...] = ()
    pos: Pos = Pos()
    fingerprints: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.values or self.regexes or self.stopwords or self.fingerprints)


@dataclass(frozen=True, slots=True)
class ContextSpec:
    """Hotwords: whole words (any case) that must, or must not, occur near a match."""

    require: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    window: int = 48


@dataclass(frozen=True, slots=True)
class Example:
    """One example text; ``secret`` and ``redacted`` are optional expectations."""

    text: str
    secret: str | None = None
    redacted: str | None = None
    pos: Pos = Pos()


@dataclass(frozen=True, slots=True)
class Examples:
    match: tuple[Example, ...] = ()
    no_match: tuple[Example, ...] = ()
    todo_match: tuple[Example, ...] = ()
    todo_no_match: tuple[Example, ...] = ()
    contexts: bool = False


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule exactly as a pack declares it (after defaults), not yet compiled."""

    id: str
    kind: str
    entity: str
    severity: str
    regex: str
    path: str
    keywords: tuple[str, ...] = ()
    always_run: bool = False
    anchored: bool = False  # every match starts at one of the keywords (see matcher.find_at)
    description: str = ""
    flags: tuple[str, ...] = ()
    secret_group: str | int | None = None
    priority: int = 0
    validators: tuple[Call, ...] = ()
    allow: AllowSpec = AllowSpec()
    redact: Call | None = None
    references: tuple[str, ...] = ()
    examples: Examples = Examples()
    pack: str = ""
    positions: tuple[tuple[str, Pos], ...] = ()
    broken: bool = False  # schema problems were reported; compile only to report more
    context: ContextSpec = ContextSpec()

    def pos(self, name: str) -> Pos:
        """Where field ``name`` is written (the rule's own position if absent)."""
        found = dict(self.positions)
        return found.get(name, found.get("", Pos()))


@dataclass(frozen=True, slots=True)
class Override:
    """A user pack's change to a rule defined elsewhere (operator, allowlist, severity)."""

    rule_id: str
    path: str
    pos: Pos
    severity: str | None = None
    redact: Call | None = None
    allow: AllowSpec = AllowSpec()


@dataclass(frozen=True, slots=True)
class PackSpec:
    """One parsed pack: its rules plus what it disables, overrides and allows globally."""

    path: str
    pack: str
    description: str = ""
    rules: tuple[RuleSpec, ...] = ()
    disable: tuple[tuple[str, Pos], ...] = ()
    overrides: tuple[Override, ...] = ()
    allow: AllowSpec = AllowSpec()
    pos: Pos = Pos()


# --------------------------------------------------------------------------- YAML with marks


#: how deep a pack's YAML may nest (a recursive alias nests forever)
MAX_YAML_DEPTH = 64
#: values built beyond one per character of the file: aliases cannot expand a small file
#: into millions of values ("billion laughs")
YAML_NODE_ALLOWANCE = 10_000


class _TooLarge(Exception):
    """The document nests too deeply, or its aliases expand too far; ``mark`` says where."""

    def __init__(self, mark: Any) -> None:
        super().__init__()
        self.mark = mark


@dataclass
class _Doc:
    """A YAML document as plain Python values plus the position of every node."""

    path: str
    marks: dict[Path, Pos] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    budget: int = YAML_NODE_ALLOWANCE
    scalars: yaml.constructor.SafeConstructor = field(
        default_factory=yaml.constructor.SafeConstructor)

    def at(self, path: Path) -> Pos:
        while path and path not in self.marks:
            path = path[:-1]
        return self.marks.get(path, Pos())

    def problem(self, path: Path, message: str, rule: str | None = None, hint: str | None = None,
                key: bool = False) -> None:
        pos = self.marks.get((*path, "<key>"), self.at(path)) if key else self.at(path)
        self.problems.append(Problem(self.path, pos.line, pos.col, message, rule, hint))


def _scalar(node: yaml.Node, doc: _Doc) -> Any:
    """A scalar's value; a value its tag cannot read (``2024-13-45``, ``!!int x``) is a problem."""
    try:
        return doc.scalars.construct_object(node)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError):
        mark = node.start_mark
        doc.problems.append(Problem(doc.path, mark.line + 1, mark.column + 1,
                                    f"cannot read value as {node.tag}",
                                    hint="quote it to make it a string"))
        return None


def _construct(node: yaml.Node, path: Path, doc: _Doc) -> Any:
    doc.budget -= 1
    if doc.budget < 0 or len(path) > MAX_YAML_DEPTH:
        raise _TooLarge(node.start_mark)
    doc.marks[path] = Pos(node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for knode, vnode in node.value:
            key = _scalar(knode, doc) if isinstance(knode, yaml.ScalarNode) else None
            if not isinstance(key, str):
                doc.problem(path, "mapping keys must be plain strings")
                continue
            key_path: Path = (*path, key, "<key>")
            doc.marks[key_path] = Pos(knode.start_mark.line + 1, knode.start_mark.column + 1)
            if key in out:
                doc.problem((*path, key), f"duplicate key '{key}'", key=True)
            out[key] = _construct(vnode, (*path, key), doc)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), doc) for i, item in enumerate(node.value)]
    return _scalar(node, doc)


def _load_yaml(text: str, path: str) -> tuple[Any, _Doc]:
    doc = _Doc(path, budget=len(text) + YAML_NODE_ALLOWANCE)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = getattr(exc, "problem", None) or "invalid YAML"
        doc.problems.append(Problem(path, line, col, f"invalid YAML: {reason}"))
        return None, doc
    except RecursionError:  # the pure-Python loader recurses per nesting level
        doc.problems.append(Problem(path, 1, 1, "invalid YAML: nested too deeply"))
        return None, doc
    if node is None:
        doc.problems.append(Problem(path, 1, 1, "empty pack", hint="expected 'schema: 1'"))
        return None, doc
    try:
        data = _construct(node, (), doc)
    except _TooLarge as exc:
        doc.problems.append(Problem(path, exc.mark.line + 1, exc.mark.column + 1,
                                    "YAML nests too deeply or its aliases expand too far",
                                    hint=f"at most {MAX_YAML_DEPTH} levels; an alias may not "
                                         "contain itself"))
        return None, doc
    if data is None and not doc.problems:  # a document that is just `null` or `~`
        doc.problems.append(Problem(path, 1, 1, "empty pack", hint="expected 'schema: 1'"))
    return data, doc


# --------------------------------------------------------------------------- field checks

Check = Callable[[Any], bool]


def _is_str(v: Any) -> bool:
    return isinstance(v, str) and bool(v)


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(_is_str(x) for x in v)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


RULE_FIELDS: Mapping[str, tuple[Check, str]] = MappingProxyType({
    "id": (_is_str, "a kebab-case string"),
    "description": (lambda v: isinstance(v, str), "a string"),
    "kind": (lambda v: v in KINDS, "one of: " + ", ".join(KINDS)),
    "entity": (lambda v: _is_str(v) and v.upper() == v, "an upper-case entity name"),
    "severity": (lambda v: v in SEVERITIES, "one of: " + ", ".join(SEVERITIES)),
    "keywords": (_is_str_list, "a list of non-empty strings"),
    "always_run": (lambda v: isinstance(v, bool), "true or false"),
    "anchored": (lambda v: isinstance(v, bool), "true or false"),
    "regex": (_is_str, "a non-empty string"),
    "flags": (lambda v: _is_str_list(v) and set(v) <= set(FLAGS), "a list of: " + ", ".join(FLAGS)),
    "secret_group": (lambda v: _is_str(v) or _is_int(v), "a group name or number"),
    "priority": (_is_int, "an integer"),
    "validators": (lambda v: isinstance(v, list), "a list of one-key mappings"),
    "allow": (lambda v: isinstance(v, dict), "a mapping with values/regexes/stopwords"),
    "redact": (lambda v: isinstance(v, dict), "a mapping with an 'operator' key"),
    "references": (_is_str_list, "a list of strings"),
    "examples": (lambda v: isinstance(v, dict), "a mapping with match/no_match lists"),
    "context": (lambda v: isinstance(v, dict), "a mapping with require/exclude/window"),
})
REQUIRED_RULE_FIELDS = ("id", "kind", "entity", "regex")
DEFAULTABLE = ("kind", "entity", "severity", "redact", "priority", "keywords", "validators")
PACK_FIELDS = ("schema", "pack", "description", "defaults", "rules", "disable", "override",
               "allow")
ALLOW_FIELDS = ("values", "regexes", "stopwords", "fingerprints")
EXAMPLE_LISTS = ("match", "no_match", "todo_match", "todo_no_match")
EXAMPLE_FIELDS = ("text", "secret", "redacted")
OVERRIDE_FIELDS = ("severity", "redact", "allow")
CONTEXT_FIELDS = ("require", "exclude", "window")


def _unknown(doc: _Doc, path: Path, data: dict[str, Any], known: tuple[str, ...] | list[str],
             what: str, rule: str | None = None) -> None:
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = (f"did you mean '{close[0]}'?" if close
                    else "expected one of: " + ", ".join(known))
            doc.problem((*path, key), f"unknown {what} '{key}'", rule, hint, key=True)


def _call(doc: _Doc, path: Path, value: Any, rule: str | None, what: str) -> Call | None:
    """Parse ``{name: {params}}`` (validators) or ``{operator: name, ...}`` (redact)."""
    pos = doc.at(path)
    if what == "redact":
        if not isinstance(value, dict) or not _is_str(value.get("operator")):
            doc.problem(path, "redact needs an 'operator'", rule,
                        "e.g. {operator: keep_prefix, group: prefix}")
            return None
        params = tuple((k, v) for k, v in value.items() if k != "operator")
        return Call(value["operator"], params, pos)
    if isinstance(value, str):
        return Call(value, (), pos)
    if isinstance(value, dict) and len(value) == 1:
        name, params = next(iter(value.items()))
        if params is None or isinstance(params, dict):
            return Call(name, tuple((params or {}).items()), pos)
    doc.problem(path, f"each {what} must be a name or a one-key mapping {{name: {{params}}}}", rule)
    return None


def _allow(doc: _Doc, path: Path, value: Any, rule: str | None) -> AllowSpec:
    if not isinstance(value, dict):
        return AllowSpec()
    _unknown(doc, path, value, ALLOW_FIELDS, "allow field", rule)
    lists = {}
    for name in ALLOW_FIELDS:
        items = value.get(name, [])
        if not _is_str_list(items):
            doc.problem((*path, name), f"allow.{name} must be a list of strings", rule)
            items = []
        lists[name] = tuple(items)
    return AllowSpec(lists["values"], lists["regexes"], lists["stopwords"], doc.at(path),
                     lists["fingerprints"])


def _context(doc: _Doc, path: Path, value: Any, rule: str) -> ContextSpec:
    if not isinstance(value, dict):
        return ContextSpec()
    _unknown(doc, path, value, CONTEXT_FIELDS, "context field", rule)
    words = {}
    for name in ("require", "exclude"):
        items = value.get(name, [])
        if not _is_str_list(items):
            doc.problem((*path, name), f"context.{name} must be a list of words", rule)
            items = []
        words[name] = tuple(items)
    window = value.get("window", 48)
    if not _is_int(window) or not 1 <= window <= 1000:
        doc.problem((*path, "window"), "context.window must be an integer from 1 to 1000", rule)
        window = 48
    if not words["require"] and not words["exclude"]:
        doc.problem(path, "context needs 'require' or 'exclude' words", rule)
    return ContextSpec(words["require"], words["exclude"], window)


def _example(doc: _Doc, path: Path, value: Any, rule: str) -> Example | None:
    pos = doc.at(path)
    if isinstance(value, str):
        return Example(value, pos=pos)
    if isinstance(value, dict):
        _unknown(doc, path, value, EXAMPLE_FIELDS, "example field", rule)
        text = value.get("text")
        if not isinstance(text, str):
            doc.problem(path, "example needs a 'text' string", rule)
            return None
        secret, redacted = value.get("secret"), value.get("redacted")
        if (secret is not None and not isinstance(secret, str)) or (
            redacted is not None and not isinstance(redacted, str)
        ):
            doc.problem(path, "example 'secret' and 'redacted' must be strings", rule)
            return None
        return Example(text, secret, redacted, pos)
    doc.problem(path, "example must be a string or a mapping with 'text'", rule)
    return None


def _examples(doc: _Doc, path: Path, value: Any, rule: str) -> Examples:
    if not isinstance(value, dict):
        return Examples()
    _unknown(doc, path, value, [*EXAMPLE_LISTS, "contexts"], "examples field", rule)
    lists: dict[str, tuple[Example, ...]] = {}
    for name in EXAMPLE_LISTS:
        items = value.get(name, [])
        if not isinstance(items, list):
            doc.problem((*path, name), f"examples.{name} must be a list", rule)
            items = []
        parsed = (_example(doc, (*path, name, i), v, rule) for i, v in enumerate(items))
        lists[name] = tuple(e for e in parsed if e is not None)
    contexts = value.get("contexts", False)
    if not isinstance(contexts, bool):
        doc.problem((*path, "contexts"), "examples.contexts must be true or false", rule)
        contexts = False
    if not lists["match"] or not lists["no_match"]:
        doc.problem(path, "examples need at least one 'match' and one 'no_match'", rule)
    return Examples(lists["match"], lists["no_match"], lists["todo_match"],
                    lists["todo_no_match"], contexts)


def _rule(doc: _Doc, path: Path, data: Any, defaults: dict[str, Any], pack: str) -> RuleSpec | None:
    if not isinstance(data, dict):
        doc.problem(path, "each rule must be a mapping")
        return None
    rid = data.get("id") if isinstance(data.get("id"), str) else None
    _unknown(doc, path, data, list(RULE_FIELDS), "field", rid)
    merged = {**defaults, **data}
    ok = True
    for name in REQUIRED_RULE_FIELDS:
        if name not in merged:
            doc.problem(path, f"missing required field '{name}'", rid)
            ok = False
    for name, (check, expected) in RULE_FIELDS.items():
        if name in merged and not check(merged[name]):
            doc.problem((*path, name), f"field '{name}' must be {expected}", rid)
            ok = False
    if rid is not None and not ID_RE.match(rid):
        doc.problem((*path, "id"), f"rule id '{rid}' is not kebab-case", rid,
                    "use lower-case letters, digits and single dashes")
        ok = False
    if ok and not merged.get("keywords") and not merged.get("always_run"):
        doc.problem(path, "rule has no keywords", rid,
                    "add literal keywords for the prefilter, or set always_run: true")
        ok = False
    if ok and merged.get("anchored") and (merged.get("always_run") or not merged.get("keywords")):
        doc.problem((*path, "anchored"), "an anchored rule needs keywords and no always_run", rid,
                    "anchored: true says every match starts at one of the keywords")
        ok = False
    if rid is None or not isinstance(merged.get("regex"), str):
        return None
    if not ok:  # keep what is usable so the regex and validators get checked too
        merged = {k: v for k, v in merged.items() if k not in RULE_FIELDS
                  or RULE_FIELDS[k][0](v)}
        merged.setdefault("kind", "secret")
        merged.setdefault("entity", "UNKNOWN")
    vals = merged.get("validators", [])
    if not isinstance(vals, list):
        vals = []
    calls = (_call(doc, (*path, "validators", i), v, rid, "validator") for i, v in enumerate(vals))
    redact = _call(doc, (*path, "redact"), merged["redact"], rid, "redact") \
        if "redact" in merged else None
    positions = (*((k, doc.at((*path, k))) for k in data), ("", doc.at(path)))
    return RuleSpec(
        id=rid, kind=merged["kind"], entity=merged["entity"],
        severity=merged.get("severity", "high" if merged["kind"] == "secret" else "medium"),
        regex=merged["regex"], path=doc.path, keywords=tuple(merged.get("keywords", ())),
        always_run=merged.get("always_run", False), anchored=merged.get("anchored", False),
        description=merged.get("description", ""),
        flags=tuple(merged.get("flags", ())), secret_group=merged.get("secret_group"),
        priority=merged.get("priority", 0), validators=tuple(c for c in calls if c),
        allow=_allow(doc, (*path, "allow"), merged.get("allow"), rid), redact=redact,
        references=tuple(merged.get("references", ())),
        examples=_examples(doc, (*path, "examples"), merged.get("examples"), rid),
        pack=pack, positions=positions, broken=not ok,
        context=_context(doc, (*path, "context"), merged.get("context"), rid),
    )


def _overrides(doc: _Doc, value: Any) -> Iterator[Override]:
    if not isinstance(value, dict):
        doc.problem(("override",), "override must map rule ids to {severity, redact, allow}")
        return
    for rid, body in value.items():
        path: Path = ("override", rid)
        if not isinstance(body, dict):
            doc.problem(path, "override must be a mapping", rid)
            continue
        _unknown(doc, path, body, OVERRIDE_FIELDS, "override field", rid)
        sev = body.get("severity")
        if sev is not None and sev not in SEVERITIES:
            doc.problem((*path, "severity"), "severity must be one of: " + ", ".join(SEVERITIES),
                        rid)
            sev = None
        redact = _call(doc, (*path, "redact"), body["redact"], rid, "redact") \
            if "redact" in body else None
        yield Override(rid, doc.path, doc.at(path), sev, redact,
                       _allow(doc, (*path, "allow"), body.get("allow"), rid))


def _header(doc: _Doc, data: dict[str, Any]) -> bool:
    _unknown(doc, (), data, PACK_FIELDS, "top-level key")
    if data.get("schema") != SCHEMA_VERSION:
        doc.problem(("schema",), f"unsupported or missing schema version {data.get('schema')!r}",
                    hint=f"this scrubber reads 'schema: {SCHEMA_VERSION}'")
        return False
    if not (_is_str(data.get("pack")) and ID_RE.match(data["pack"])):
        doc.problem(("pack",), "missing or invalid 'pack' name", hint="a kebab-case name")
        return False
    return True


def _defaults(doc: _Doc, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        doc.problem(("defaults",), "defaults must be a mapping")
        return {}
    _unknown(doc, ("defaults",), value, DEFAULTABLE, "defaults field")
    return {k: v for k, v in value.items() if k in DEFAULTABLE}


def parse_pack(text: str, path: str) -> tuple[PackSpec | None, list[Problem]]:
    """Parse one pack's YAML text; return the spec (None if unusable) and every problem."""
    data, doc = _load_yaml(text, path)
    if data is None:
        return None, doc.problems
    if not isinstance(data, dict):
        doc.problem((), "a pack must be a mapping with schema, pack and rules")
        return None, doc.problems
    if not _header(doc, data):
        return None, doc.problems
    defaults = _defaults(doc, data.get("defaults"))
    rules_data = data.get("rules", [])
    if not isinstance(rules_data, list):
        doc.problem(("rules",), "rules must be a list")
        rules_data = []
    parsed = (_rule(doc, ("rules", i), r, defaults, data["pack"]) for i, r in enumerate(rules_data))
    rules = tuple(r for r in parsed if r is not None)
    disable = data.get("disable", [])
    if not _is_str_list(disable):
        doc.problem(("disable",), "disable must be a list of rule ids")
        disable = []
    overrides = tuple(_overrides(doc, data["override"])) if "override" in data else ()
    spec = PackSpec(
        path=path, pack=data["pack"], description=data.get("description", ""), rules=rules,
        disable=tuple((rid, doc.at(("disable", i))) for i, rid in enumerate(disable)),
        overrides=overrides, allow=_allow(doc, ("allow",), data.get("allow"), None), pos=doc.at(()),
    )
    return spec, doc.problems
