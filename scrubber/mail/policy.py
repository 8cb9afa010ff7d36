"""Mail policy: what to do with parts that cannot be scrubbed, limits, and the tag header."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine import Scrubber
from ..errors import ConfigError, ScrubberError

#: actions for a binary attachment in which a detector found a key
BINARY_ACTIONS = ("placeholder", "quarantine", "pass")
#: actions for signed parts (scrubbing breaks the signature) and encrypted parts (unreadable)
SIGNED_ACTIONS = ("scrub", "quarantine", "pass")
ENCRYPTED_ACTIONS = ("tag", "quarantine")
TAG_MODES = ("changed", "always", "never")


class MailError(ScrubberError):
    """The message could not be scrubbed; front ends answer with a temporary failure."""


class LimitExceeded(MailError):
    """A size, part-count, depth or decoded-size limit was exceeded (the poison path)."""

    def __init__(self, limit: str) -> None:
        self.limit = limit
        super().__init__(f"mail limit exceeded: {limit}")


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one message; exceeding one withholds the message instead of retrying."""

    max_bytes: int = 25 * 1024 * 1024
    max_parts: int = 500
    max_depth: int = 20
    max_headers: int = 1000
    #: decoded bytes allowed per encoded byte inside archives sniffed for keys
    max_ratio: float = 100.0
    #: decoded bytes allowed in total (parts, nested messages, archive members)
    max_decoded: int = 100 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class MailPolicy:
    """How ``scrub_message`` treats a message.

    ``binary``: a binary attachment in which a key was detected is replaced by a text
    placeholder part (default), withholds the whole message (``quarantine``) or passes
    tagged. Binaries with nothing detected always pass (and are counted). ``signed``:
    ``multipart/signed`` content is scrubbed (the signature then breaks; default),
    the message is withheld, or passed untouched and tagged. ``encrypted``: content that
    cannot be read is passed and tagged (default) or withheld. ``tag``: when to add the
    ``X-Scrubber`` header (``changed`` keeps clean messages byte-identical).
    """

    scrubber: Scrubber = field(default_factory=Scrubber)
    name: str = "default"
    binary: str = "placeholder"
    signed: str = "scrub"
    encrypted: str = "tag"
    tag: str = "changed"
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        for value, allowed, what in ((self.binary, BINARY_ACTIONS, "binary"),
                                     (self.signed, SIGNED_ACTIONS, "signed"),
                                     (self.encrypted, ENCRYPTED_ACTIONS, "encrypted"),
                                     (self.tag, TAG_MODES, "tag")):
            if value not in allowed:
                raise ConfigError(f"mail policy {what} must be one of {allowed}, got {value!r}")
