"""Exception tree of scrubber; every error the library raises on purpose is one of these.

    ScrubberError
    ├── RulePackError      a rule pack (or several) is invalid; ``.problems`` lists them all
    ├── ConfigError        a bad argument or policy value passed by the caller
    ├── InputTooLarge      a text above the policy's ``max_input_chars`` (stream it instead)
    └── ScanError          scanning failed; callers must fail closed (never pass text through)
        └── ScanTimeout    a rule's regex exceeded its time budget

No exception text ever contains scanned text: messages name rules, files and
positions only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a rule pack, located at ``path:line:col`` (1-based)."""

    path: str
    line: int
    col: int
    message: str
    rule_id: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}"
        who = f" rule '{self.rule_id}':" if self.rule_id else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}:{who} {self.message}{hint}"


class ScrubberError(Exception):
    """Base class of every error raised by scrubber."""


class RulePackError(ScrubberError):
    """One or more rule packs are invalid; ``problems`` holds every problem found."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(ScrubberError, ValueError):
    """A caller passed a bad argument or policy value; the message names it."""


class ScanError(ScrubberError):
    """Scanning could not complete; the text must be treated as unscrubbed."""


class ScanTimeout(ScanError):
    """A rule's regex exceeded the time budget (possible ReDoS or hostile input)."""

    def __init__(self, rule_id: str, budget: float) -> None:
        self.rule_id = rule_id
        self.budget = budget
        super().__init__(f"rule '{rule_id}' exceeded its {budget:g}s regex time budget")


class InputTooLarge(ScrubberError):
    """A text is longer than the policy's ``max_input_chars``: stream it instead."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(f"input of {size} characters exceeds max_input_chars={limit}; "
                         "scrub it with scrubber.stream.scrub_stream (the scrub command "
                         "streams large files by itself)")
