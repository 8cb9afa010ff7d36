"""Policy files: one YAML file that selects packs, operators, allowlists and scan options.

``load_policy(path)`` returns the ``(RuleSet, Policy)`` pair that every front end
(library, CLI, mail, batch) builds its ``Scrubber`` from. Problems are collected
and raised together as ``PolicyFileError``, each as ``file:line:col: message
(hint)``, exactly like a rule pack's.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import regex

from . import operators as ops
from .engine import Scrubber
from .errors import Problem, RulePackError
from .model import BACKENDS, KINDS, SEVERITIES, Policy, Severity
from .packs import (
    RuleSet,
    builtin_rules_dir,
    compile_packs,
    compile_user_regex,
    pack_files,
    plain_template,
    read_packs,
)
from .spec import (
    ALLOW_FIELDS,
    AllowSpec,
    Call,
    Override,
    PackSpec,
    Pos,
    RuleSpec,
    _allow,
    _call,
    _Doc,
    _is_int,
    _is_str,
    _is_str_list,
    _load_yaml,
    _unknown,
)

SCHEMA_VERSION = 1
POLICY_FIELDS = ("schema", "description", "packs", "operators", "allow", "phone_regions",
                 "kinds", "min_severity", "marker", "timeout", "decode_depth", "allow_pragma",
                 "max_input_chars", "decode_max_chars", "backend")
PACKS_FIELDS = ("builtin", "paths", "enable", "disable")
POLICY_ALLOW_FIELDS = (*ALLOW_FIELDS, "domains", "staff")
DOMAIN_RE = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
EMAIL_ENTITY, PERSON_ENTITY = "EMAIL_ADDRESS", "PERSON"
Ids = tuple[tuple[str, Pos], ...]
#: Presidio entity names accepted in ``operators`` even when no loaded rule has them yet
#: (a later pack, or a Presidio detector, may bring them).
KNOWN_ENTITIES = frozenset({
    "PERSON", "LOCATION", "NRP", "DATE_TIME", "DATE_OF_BIRTH", "URL", "MAC_ADDRESS",
    "STREET_ADDRESS", "PASSPORT", "DRIVER_LICENSE", "US_PASSPORT", "US_DRIVER_LICENSE",
    "US_BANK_NUMBER", "US_ITIN", "UK_NHS", "UK_NINO", "CRYPTO", "MEDICAL_LICENSE",
})


class PolicyFileError(RulePackError):
    """A policy file (or a pack it selects) is invalid; ``problems`` lists every problem."""


def _positive(v: Any) -> bool:
    """A positive, finite number (``1e999`` and a 400-digit integer are not)."""
    if not isinstance(v, int | float) or isinstance(v, bool):
        return False
    try:
        return 0 < float(v) < math.inf
    except OverflowError:
        return False


def _marker_ok(v: Any) -> bool:
    """Plain ``{rule_id}``, ``{entity}``, ``{fingerprint}`` fields only: a format spec such
    as ``{entity:>99999999999}`` would build a huge string for every redaction."""
    try:
        plain_template({"marker": v}, "marker")
        ops.check_marker(v)
    except ValueError:
        return False
    return True


OPTION_CHECKS: Mapping[str, tuple[Any, str]] = MappingProxyType({
    "kinds": (lambda v: _is_str_list(v) and bool(v) and set(v) <= set(KINDS),
              "a non-empty list of: " + ", ".join(KINDS)),
    "min_severity": (lambda v: v in SEVERITIES, "one of: " + ", ".join(SEVERITIES)),
    "marker": (_marker_ok, "a template using only {rule_id}, {entity} and {fingerprint}"),
    "timeout": (_positive, "a positive number of seconds"),
    "decode_depth": (lambda v: _is_int(v) and 0 <= v <= 4, "an integer from 0 to 4"),
    "allow_pragma": (lambda v: isinstance(v, bool), "true or false"),
    "max_input_chars": (lambda v: _is_int(v) and v >= 1, "a positive number of characters"),
    "decode_max_chars": (lambda v: _is_int(v) and v >= 0, "a number of characters (0 or more)"),
    "backend": (lambda v: v in BACKENDS, "one of: " + ", ".join(BACKENDS)),
})


@dataclass(frozen=True, slots=True)
class PolicySpec:
    """A policy file as written, with positions; packs are not read yet."""

    path: str
    builtin: bool = True
    packs: tuple[tuple[Path, Pos], ...] = ()
    enable: Ids | None = None
    disable: Ids = ()
    operators: tuple[tuple[str, Call], ...] = ()
    allow: AllowSpec = field(default_factory=AllowSpec)
    domains: tuple[str, ...] = ()
    staff: tuple[str, ...] = ()
    phone_regions: tuple[str, ...] | None = None
    options: tuple[tuple[str, Any], ...] = ()

    def policy(self) -> Policy:
        """The scan options as a ``Policy`` (fields the file leaves out keep their defaults)."""
        opts = dict(self.options)
        if "kinds" in opts:
            opts["kinds"] = tuple(opts["kinds"])
        if "min_severity" in opts:
            opts["min_severity"] = Severity.parse(opts["min_severity"])
        if "timeout" in opts:
            opts["timeout"] = float(opts["timeout"])
        return Policy(**opts)


# --------------------------------------------------------------------------- parse


def _ids(doc: _Doc, path: tuple[object, ...], value: Any) -> Ids:
    if not _is_str_list(value):
        doc.problem(path, f"{path[-1]} must be a list of rule ids")
        return ()
    return tuple((rid, doc.at((*path, i))) for i, rid in enumerate(value))


def _existing(base: Path, name: str) -> Path | None:
    """``name`` under ``base`` if it exists (``~nobody/x``, a NUL or a too-long name: None)."""
    try:
        full = base / Path(name).expanduser()
        return full if full.exists() else None
    except (OSError, RuntimeError, ValueError):
        return None


def _packs(doc: _Doc, value: Any, base: Path) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        doc.problem(("packs",), "packs must be a mapping with builtin, paths, enable, disable")
        return {}
    _unknown(doc, ("packs",), value, PACKS_FIELDS, "packs field")
    out: dict[str, Any] = {}
    if "builtin" in value:
        if isinstance(value["builtin"], bool):
            out["builtin"] = value["builtin"]
        else:
            doc.problem(("packs", "builtin"), "packs.builtin must be true or false")
    paths = value.get("paths", [])
    if not _is_str_list(paths):
        doc.problem(("packs", "paths"), "packs.paths must be a list of files or directories")
        paths = []
    found = []
    for i, name in enumerate(paths):
        full = _existing(base, name)
        if full is not None:
            found.append((full, doc.at(("packs", "paths", i))))
        else:
            doc.problem(("packs", "paths", i), f"pack path not found: {name}",
                        hint="relative paths start at the policy file's folder")
    out["packs"] = tuple(found)
    if "enable" in value:
        out["enable"] = _ids(doc, ("packs", "enable"), value["enable"])
    out["disable"] = _ids(doc, ("packs", "disable"), value.get("disable", []))
    return out


def _operator(doc: _Doc, entity: str, value: Any) -> Call | None:
    path = ("operators", entity)
    call = (Call(value, (), doc.at(path)) if _is_str(value)
            else _call(doc, path, value, None, "redact"))
    if call is None:
        return None
    factory = ops.BUILTIN.get(call.name)
    if factory is None:
        close = difflib.get_close_matches(call.name, list(ops.BUILTIN), n=1)
        doc.problem(path, f"unknown operator '{call.name}' for {entity}",
                    hint=f"did you mean '{close[0]}'?" if close
                    else "expected one of: " + ", ".join(sorted(ops.BUILTIN)))
        return None
    try:
        plain_template(call.kwargs())
        factory(**call.kwargs())
    except Exception as exc:  # any failure of a factory means its parameters are bad
        doc.problem(path, f"bad parameters for '{call.name}' for {entity}: {exc}")
        return None
    return call


def _operators(doc: _Doc, value: Any) -> tuple[tuple[str, Call], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        doc.problem(("operators",), "operators must map entity names to operators",
                    hint="e.g. {PERSON: token, CREDIT_CARD: {operator: mask, keep_last: 4}}")
        return ()
    out = []
    for entity, body in value.items():
        if entity.upper() != entity:
            doc.problem(("operators", entity), f"entity '{entity}' must be upper-case",
                        hint=f"did you mean '{entity.upper()}'?", key=True)
            continue
        call = _operator(doc, entity, body)
        if call is not None:
            out.append((entity, call))
    return tuple(out)


def _regexes_ok(doc: _Doc, allow: AllowSpec) -> AllowSpec:
    good = []
    for i, pattern in enumerate(allow.regexes):
        try:
            compile_user_regex(pattern)
        except regex.error as exc:
            doc.problem(("allow", "regexes", i), f"allow regex does not compile: {exc}")
            continue
        good.append(pattern)
    return dataclasses.replace(allow, regexes=tuple(good))


def _allowlists(doc: _Doc, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        doc.problem(("allow",), "allow must be a mapping", hint="with " +
                    ", ".join(POLICY_ALLOW_FIELDS))
        return {}
    _unknown(doc, ("allow",), value, POLICY_ALLOW_FIELDS, "allow field")
    plain = {k: v for k, v in value.items() if k in ALLOW_FIELDS}
    out: dict[str, Any] = {"allow": _regexes_ok(doc, _allow(doc, ("allow",), plain, None))}
    for name in ("domains", "staff"):
        items = value.get(name, [])
        if not _is_str_list(items):
            doc.problem(("allow", name), f"allow.{name} must be a list of strings")
            items = []
        out[name] = tuple(items)
    for i, domain in enumerate(out["domains"]):
        if not DOMAIN_RE.match(domain):
            doc.problem(("allow", "domains", i), f"'{domain}' is not a domain name",
                        hint="a name such as acme.io; subdomains are included")
    return out


def _regions(doc: _Doc, value: Any) -> tuple[str, ...] | None:
    import phonenumbers

    known = sorted(phonenumbers.SUPPORTED_REGIONS)
    if not _is_str_list(value) or not value:
        doc.problem(("phone_regions",), "phone_regions must be a non-empty list of region "
                    "codes", hint="ISO 3166 alpha-2, e.g. [US, GB, DE]")
        return None
    for i, region in enumerate(value):
        if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            close = ["GB"] if region.upper() == "UK" else difflib.get_close_matches(
                region.upper(), known, n=1)
            doc.problem(("phone_regions", i), f"unknown phone region '{region}'",
                        hint=f"did you mean '{close[0]}'?" if close else None)
    return tuple(r.upper() for r in value)


def _options(doc: _Doc, data: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    out = []
    for name, (check, expected) in OPTION_CHECKS.items():
        if name not in data:
            continue
        if check(data[name]):
            out.append((name, data[name]))
        else:
            doc.problem((name,), f"'{name}' must be {expected}")
    return tuple(out)


def parse_policy(text: str, path: str) -> tuple[PolicySpec | None, list[Problem]]:
    """Parse a policy file's YAML text; return the spec (None if unusable) and every problem."""
    data, doc = _load_yaml(text, path)
    if data is None:
        return None, [dataclasses.replace(p, message="empty policy file") if p.message ==
                      "empty pack" else p for p in doc.problems]
    if not isinstance(data, dict):
        doc.problem((), "a policy must be a mapping starting with 'schema: 1'")
        return None, doc.problems
    _unknown(doc, (), data, POLICY_FIELDS, "top-level key")
    if data.get("schema") != SCHEMA_VERSION:
        doc.problem(("schema",), f"unsupported or missing schema version {data.get('schema')!r}",
                    hint=f"this scrubber reads 'schema: {SCHEMA_VERSION}'")
        return None, doc.problems
    if not isinstance(data.get("description", ""), str):
        doc.problem(("description",), "description must be a string")
    fields: dict[str, Any] = {**_packs(doc, data.get("packs"), Path(path).parent),
                              **_allowlists(doc, data.get("allow"))}
    if "phone_regions" in data:
        fields["phone_regions"] = _regions(doc, data["phone_regions"])
    spec = PolicySpec(path=path, operators=_operators(doc, data.get("operators")),
                      options=_options(doc, data), **fields)
    return spec, sorted(doc.problems, key=lambda p: (p.line, p.col))


# --------------------------------------------------------------------------- apply


def _near(name: str, known: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f"did you mean '{close[0]}'?" if close else None


def _check_names(spec: PolicySpec, rules: Mapping[str, RuleSpec], problems: list[Problem]
                 ) -> None:
    entities = {r.entity for r in rules.values()} | KNOWN_ENTITIES
    for what, ids in (("enable", spec.enable or ()), ("disable", spec.disable)):
        for rid, pos in ids:
            if rid not in rules:
                problems.append(Problem(spec.path, pos.line, pos.col,
                                        f"cannot {what} unknown rule '{rid}'",
                                        hint=_near(rid, rules)))
    for entity, call in spec.operators:
        if entity not in entities:
            problems.append(Problem(spec.path, call.pos.line, call.pos.col,
                                    f"no loaded rule has entity '{entity}'",
                                    hint=_near(entity, entities)))


def _with_regions(pack: PackSpec, regions: tuple[str, ...]) -> PackSpec:
    def region(call: Call) -> Call:
        if call.name != "phone":
            return call
        params = tuple((k, v) for k, v in call.params if k != "regions")
        return dataclasses.replace(call, params=(*params, ("regions", regions)))

    rules = tuple(dataclasses.replace(r, validators=tuple(map(region, r.validators)))
                  for r in pack.rules)
    return dataclasses.replace(pack, rules=rules)


def _name_regex(name: str) -> str:
    return "(?i)^" + r"\s+".join(map(regex.escape, name.split())) + "$"


def _domain_regex(domain: str) -> str:
    return r"(?i)@(?:[a-z0-9-]+\.)*" + regex.escape(domain) + "$"


def _policy_pack(spec: PolicySpec, packs: list[PackSpec]) -> PackSpec:
    """A synthetic last pack carrying the policy's overrides and global allowlist.

    A later override replaces an earlier one for the same rule, so each keeps
    what the packs' own override of that rule said (severity, allow) and adds
    the policy's operator and allowlists.
    """
    earlier: dict[str, Override] = {}
    for pack in packs:
        earlier.update((ov.rule_id, ov) for ov in pack.overrides)
    by_entity = dict(spec.operators)
    extra = {EMAIL_ENTITY: AllowSpec(regexes=tuple(map(_domain_regex, spec.domains))),
             PERSON_ENTITY: AllowSpec(regexes=tuple(map(_name_regex, spec.staff)))}
    overrides = []
    for rule in (r for p in packs for r in p.rules):
        call, allow = by_entity.get(rule.entity), extra.get(rule.entity, AllowSpec())
        if call is None and not allow:
            continue
        base = earlier.get(rule.id) or Override(rule.id, spec.path, Pos())
        merged = dataclasses.replace(
            base.allow, values=base.allow.values + allow.values,
            regexes=base.allow.regexes + allow.regexes)
        overrides.append(Override(rule.id, spec.path, call.pos if call else Pos(),
                                  base.severity, call or base.redact, merged))
    return PackSpec(path=spec.path, pack="policy", overrides=tuple(overrides), allow=spec.allow)


def compile_policy(spec: PolicySpec, problems: list[Problem], *,
                   rules: Iterable[str | Path] = (), builtin: bool | None = None,
                   disable: Iterable[str] = ()) -> RuleSet:
    """The RuleSet a parsed policy selects; raises PolicyFileError with every problem.

    ``rules``, ``builtin`` and ``disable`` come on top of the file (a command
    line's ``--rules``, ``--no-builtin`` and ``--disable``).
    """
    use_builtin = spec.builtin if builtin is None else builtin
    paths = [p for p, _ in spec.packs] + [Path(r) for r in rules]
    files = pack_files(([builtin_rules_dir()] if use_builtin else []) + paths)
    specs, pack_problems = read_packs(files)
    problems = [*problems, *pack_problems]
    by_id = {r.id: r for p in specs for r in p.rules}
    _check_names(spec, by_id, problems)
    if spec.phone_regions:
        specs = [_with_regions(p, spec.phone_regions) for p in specs]
    enable = None if spec.enable is None else [r for r, _ in spec.enable if r in by_id]
    off = [r for r, _ in spec.disable if r in by_id] + list(disable)
    try:
        return compile_packs([*specs, _policy_pack(spec, specs)], problems, enable=enable,
                             disable=off)
    except RulePackError as exc:
        raise PolicyFileError(exc.problems) from None


def load_policy(path: str | Path, *, rules: Iterable[str | Path] = (),
                builtin: bool | None = None, disable: Iterable[str] = ()
                ) -> tuple[RuleSet, Policy]:
    """Read a policy file; return the RuleSet and Policy it selects.

    Raises ``PolicyFileError`` listing every problem of the file and of the
    packs it selects, each as ``file:line:col: message (hint)``.
    """
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyFileError([Problem(name, 1, 1, "cannot read policy file: "
                                       f"{exc.__class__.__name__}")]) from None
    spec, problems = parse_policy(text, name)
    if spec is None:
        raise PolicyFileError(problems)
    ruleset = compile_policy(spec, problems, rules=rules, builtin=builtin, disable=disable)
    return ruleset, spec.policy()


def scrubber_from_policy(path: str | Path, **overrides: Any) -> Scrubber:
    """A Scrubber built from a policy file; keyword arguments override its options
    (``key=``, ``reversible_key=``, ``kinds=``, ...)."""
    ruleset, policy = load_policy(path)
    return Scrubber(ruleset, policy=policy, **overrides)
