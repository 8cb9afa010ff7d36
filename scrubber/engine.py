"""The Scrubber: wires prefilter -> matcher -> validators -> allow -> resolve -> redact."""

from __future__ import annotations

import dataclasses
import functools
import os
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

import regex

from . import accel, allow, decode, matcher, redact, resolve
from .errors import ConfigError, InputTooLarge
from .model import KINDS, Candidate, Finding, Policy, ScrubResult, Severity
from .operators import check_marker, sealer_for
from .packs import RuleSet, known_name_rule, load_rules
from .prefilter import NO_RANGES, Prefilter, Selection

KEY_ENV = "SCRUBBER_KEY"
#: how far before a new label a name it revealed can start (cue, honorific and name)
REVEAL_REACH = 160


def _resolve_key(key: bytes | str | None) -> bytes:
    if key is None:
        env = os.environ.get(KEY_ENV)
        return env.encode() if env else secrets.token_bytes(32)
    if isinstance(key, str):
        key = key.encode()
    if len(key) < 16:
        raise ConfigError("key must be at least 16 bytes (fingerprints and hashes are keyed)")
    return key


def _check_policy(policy: Policy) -> None:
    if not set(policy.kinds) <= set(KINDS) or not policy.kinds:
        raise ConfigError(f"kinds must be a non-empty subset of {KINDS}, got {policy.kinds!r}")
    if not 0 <= policy.decode_depth <= 4:
        raise ConfigError("decode_depth must be between 0 and 4")
    if policy.max_input_chars < 1 or policy.decode_max_chars < 0:
        raise ConfigError("max_input_chars must be positive and decode_max_chars not negative")
    if not policy.timeout > 0:
        raise ConfigError("timeout must be a positive number of seconds")
    try:
        check_marker(policy.marker)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


class Scrubber:
    """A reusable, thread-safe, picklable scrubbing engine over a RuleSet.

    >>> s = Scrubber(load_rules(), kinds=("pii",))
    >>> s.scrub("mail jane@kestrel.io").text
    'mail <EMAIL_ADDRESS>'

    Keyword arguments override fields of ``policy`` (see ``Policy``). Scanning
    errors (a regex timeout) raise ``ScanError``: callers must fail closed.
    """

    def __init__(self, rules: RuleSet | None = None, *, policy: Policy | None = None,
                 **overrides: Any) -> None:
        policy = policy or Policy()
        try:
            policy = dataclasses.replace(policy, **overrides)
        except TypeError as exc:
            raise ConfigError(f"unknown policy option: {exc}") from None
        if isinstance(policy.min_severity, str):
            policy = dataclasses.replace(policy, min_severity=Severity.parse(policy.min_severity))
        _check_policy(policy)
        self.policy = policy
        self.ruleset = rules if rules is not None else load_rules()
        self._key = _resolve_key(policy.key)
        self._setup()

    def _setup(self) -> None:
        p = self.policy
        self._rules = tuple(r for r in self.ruleset
                            if r.kind in p.kinds and r.severity >= p.min_severity)
        self._priority = tuple(r.spec.priority for r in self._rules)
        self._prefilter = accel.build_prefilter(self._rules, p.backend)
        # names the caller passes in belong to one more rule, outside the prefilter
        self._names_index = len(self._rules) if "pii" in p.kinds else -1
        if self._names_index >= 0:
            self._rules = (*self._rules, known_name_rule())
            self._priority = (*self._priority, 0)
        # rules whose matches depend on neighbouring words that other rules redact, with
        # a keyword prefilter of their own (the redacted text is scanned for them only)
        self._rescan = tuple(i for i, r in enumerate(self._rules)
                             if r.kind == "pii" and r.entity == "PERSON" and r.spec.keywords)
        again = [self._rules[i].spec for i in self._rescan]
        self._rescan_filter = Prefilter([r.keywords for r in again], [r.always_run for r in again],
                                        [r.anchored for r in again])
        self._seal = sealer_for(((r.id, r.operator) for r in self._rules), p.reversible_key,
                                self._key)
        self._gate = allow.Gate(self.ruleset.allow, allow.marker_head(p.marker), self.fingerprint,
                                frozenset(p.ignore_fingerprints), p.allow_pragma,
                                allow.marker_pattern(p.marker))

    def __getstate__(self) -> dict[str, Any]:
        return {"policy": self.policy, "ruleset": self.ruleset, "key": self._key}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.policy, self.ruleset, self._key = state["policy"], state["ruleset"], state["key"]
        self._setup()

    def __repr__(self) -> str:
        return f"Scrubber(rules={len(self._rules)}, kinds={self.policy.kinds!r})"

    @property
    def rules(self) -> RuleSet:
        """The rules this scrubber runs (after the policy's kind/severity selection)."""
        return RuleSet(self._rules, self.ruleset.allow)

    def _select(self, text: str, prefilter: Prefilter | accel.VectorscanPrefilter | None = None
                ) -> Selection:
        """``prefilter`` (default: the scrubber's) on ``text``, or every rule if it is off."""
        chosen = prefilter or self._prefilter
        if self.policy.prefilter:
            return chosen.select(text)
        return chosen.everything(), None, NO_RANGES

    def _direct(self, text: str) -> list[Candidate]:
        chosen, starts, ranges = self._select(text)
        found: list[Candidate] = []
        timeout = self.policy.timeout
        for index in chosen:
            rule = self._rules[index]
            at = starts.get(index) if starts is not None else None
            where = ranges.get(index)
            if at is not None:
                found.extend(matcher.find_at(rule, index, text, at, timeout))
            elif where is not None and rule.reach is not None:
                found.extend(matcher.find_in(rule, index, text, where, rule.reach, timeout))
            else:
                found.extend(matcher.find(rule, index, text, timeout))
        return found

    def _decoded(self, text: str) -> list[Candidate]:
        """Candidates hidden by an encoding (URL, entities, escapes, base64, soft wraps)."""
        found: list[Candidate] = []
        limits = decode.Limits(depth=self.policy.decode_depth,
                               max_chars=self.policy.decode_max_chars)
        for view in decode.views(text, limits):
            found.extend(self._in_view(view))
        return found

    def _in_view(self, view: decode.View) -> list[Candidate]:
        """Candidates of a decoded view that touch a decoded region, mapped to the original.

        Each rule sees the whole view. A rule with a bounded reach is searched only
        where a match could touch a decoded region (``matcher.find_in``); an anchored
        rule is tried only at its keywords; others scan the view.
        """
        # joining wrapped lines glues words together: only self-identifying keys
        # (non-negative priority) are looked for across a join, never generic rules
        generic = "unwrap" not in view.name
        chosen, starts, _ranges = self._select(view.text)
        found: list[Candidate] = []
        timeout, size = self.policy.timeout, len(view.text)
        for index in chosen:
            if not generic and self._priority[index] < 0:
                continue
            rule = self._rules[index]
            ranges = matcher.near(view.changed, rule.reach, size)
            at = starts.get(index) if starts is not None else None
            if at is not None:
                cands = matcher.find_at(rule, index, view.text, matcher.within(at, ranges),
                                        timeout)
            elif rule.reach is not None:
                cands = matcher.find_in(rule, index, view.text, ranges, rule.reach, timeout)
            else:
                cands = matcher.find(rule, index, view.text, timeout)
            found.extend(decode.remap(view, 0, size, cands))
        return found

    def _candidates(self, text: str) -> list[Candidate]:
        found = self._direct(text)
        if self.policy.decode_depth:
            found.extend(self._decoded(text))
        return allow.keep(found, text, self._gate)

    def _known_names(self, text: str, names: Iterable[str]) -> list[Candidate]:
        """Every whole-word, any-case occurrence of each given name and of its parts."""
        wanted = set()
        for name in names:
            if not isinstance(name, str):
                raise TypeError("names must be strings")
            parts = name.split()
            wanted.add(" ".join(parts))
            wanted.update(p for p in parts if len(p.strip(".")) >= 2)
        if not wanted or self._names_index < 0:
            return []
        words = "|".join(regex.escape(w).replace(r"\ ", r"\s+")
                         for w in sorted(wanted, key=len, reverse=True))
        pattern = regex.compile(rf"(?<!\w)(?:{words})(?!\w)", regex.IGNORECASE)
        index = self._names_index
        return [(m.start(), m.end(), index, m.start()) for m in pattern.finditer(text)]

    def scrub(self, text: str, *, names: Iterable[str] = ()) -> ScrubResult:
        """Scrub ``text``: secrets keep their prefix, PII is replaced; everything else stays.

        ``names`` are people the caller already knows appear (the ticket's requester, an
        assignee): each, and each of its words, is replaced wherever it occurs, any case
        (rule ``person-known-name``; only when the policy's kinds include ``pii``).
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        if len(text) > self.policy.max_input_chars:
            raise InputTooLarge(len(text), self.policy.max_input_chars)
        found = self._candidates(text)
        if names:
            found.extend(allow.keep(self._known_names(text, names), text, self._gate))
        result = self._redact(text, found)
        if self._rescan and result.findings:
            extra = self._revealed(text, result)
            if extra:
                result = self._redact(text, [*found, *extra])
        return result

    def _redact(self, text: str, found: list[Candidate]) -> ScrubResult:
        spans = resolve.resolve(found, self._priority)
        return redact.redact(text, spans, self._rules, self._key, self.policy.marker,
                             self._seal)

    def _revealed(self, text: str, result: ScrubResult) -> list[Candidate]:
        """Names that show only once their neighbours are redacted, as original spans.

        A name rule refuses "Zoë" before "Müller-like" words (it may be half a name) but
        takes it before "<IBAN_CODE>"; running the name rules once more on the redacted
        text and adding what they find keeps ``scrub`` idempotent. Only a name right
        before a new label can appear, so anchored name rules are tried at the keywords
        in the ``REVEAL_REACH`` characters before each label; the others scan it whole.
        """
        out, timeout = result.text, self.policy.timeout
        tries: dict[int, set[int] | None] = {}  # rescan rule -> start offsets (None: whole)
        for lo, hi in _before_labels(result.findings, REVEAL_REACH):
            chosen, starts, _ = self._select(out[lo:hi], self._rescan_filter)
            for local in chosen:
                at = starts.get(local) if starts is not None else None
                if at is None:
                    tries[local] = None
                elif (seen := tries.setdefault(local, set())) is not None:
                    seen.update(lo + p for p in at)
        found: list[Candidate] = []
        for local, offsets in tries.items():
            index = self._rescan[local]
            rule = self._rules[index]
            found.extend(matcher.find(rule, index, out, timeout) if offsets is None
                         else matcher.find_at(rule, index, out, sorted(offsets), timeout))
        return allow.keep(list(redact.to_original(found, result.findings)), text, self._gate)

    def scan(self, text: str, *, names: Iterable[str] = ()) -> list[Finding]:
        """The findings ``scrub`` would redact, sorted and non-overlapping."""
        return list(self.scrub(text, names=names).findings)

    def fingerprint(self, value: str) -> str:
        """The keyed fingerprint this scrubber gives ``value`` (for revocation lists)."""
        return redact.fingerprint(self._key, value)


def _before_labels(findings: Sequence[Finding], reach: int) -> list[tuple[int, int]]:
    """Merged windows of the redacted text: ``reach`` characters before each label."""
    out: list[tuple[int, int]] = []
    for at, _end in redact.label_spans(findings):
        lo = max(0, at - reach)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], at + 1)
        else:
            out.append((lo, at + 1))
    return out


@functools.lru_cache(maxsize=1)
def default_scrubber() -> Scrubber:
    """The shared Scrubber over the built-in packs (built once, immutable)."""
    return Scrubber()


def scrub(text: str, *, names: Iterable[str] = ()) -> ScrubResult:
    """Scrub ``text`` with the built-in packs (``names``: see ``Scrubber.scrub``).

    >>> scrub("write to jane@kestrel.io").text
    'write to <EMAIL_ADDRESS>'
    """
    return default_scrubber().scrub(text, names=names)


def scan(text: str) -> list[Finding]:
    """Findings in ``text`` with the built-in packs (never the values themselves)."""
    return default_scrubber().scan(text)
