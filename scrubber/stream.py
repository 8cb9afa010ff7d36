"""Scrubs an arbitrarily large text in overlapping windows, with memory bounded by the window.

``scrub_stream(scrubber, source, sink)`` reads ``source`` in chunks and writes the
scrubbed text to ``sink``. Each step scans the window ``[emitted - overlap, emitted +
chunk + overlap)`` and writes the text from ``emitted`` up to a cut point near
``emitted + chunk``:

- the cut never falls inside a finding: it moves back to the start of a finding that
  spans it (or forward to its end when that finding began at ``emitted``);
- findings that end at or before ``emitted`` were written by the previous step, those that
  start at or after the cut are left to the next step, which scans them again with the
  full ``overlap`` of left context (lookbehinds, hotword windows, decoded-view margins);
- ``token`` operators number values in one table for the whole stream, so ``<PERSON_1>``
  means the same person everywhere, exactly as for one ``scrub`` of the whole text.

Guarantee: the output equals ``scrubber.scrub(whole_text, names=names).text`` (and the
findings reported through ``on_finding`` equal the whole-text findings, offsets into the
whole text) whenever every finding, and the text each rule needs around it, fits in
``overlap`` characters; that is: no finding (after overlapping spans are merged) is longer
than ``overlap``, and no rule looks further than ``overlap`` characters before or after a
match (lookarounds, ``context.window``, a ``scrubber:allow`` line, a base64 run plus the
1024-character margin decoded views are scanned with, a soft-wrapped line). One more
exception: decoding is budgeted per ``scrub`` call (``Policy.decode_max_chars`` and at most
64 base64 runs per call), so on a text that exhausts that budget as a whole, the windows,
each with a fresh budget, find more than one whole-text call (never less).

Beyond the guarantee (a finding longer than ``overlap``) the output can differ from the
whole-text scrub: a finding that starts before the previous cut is still redacted from
the cut on (counted in ``StreamStats.clipped``), but characters before the cut were
already written. Memory is ``O(chunk + overlap)`` characters plus what one ``scrub`` of
a window needs. On an error (``ScanError``) the sink holds a partial output: discard it
(``scrub_file`` writes to a temp file and renames it only on success).
"""

from __future__ import annotations

import codecs
import dataclasses
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO, Protocol

from .engine import Scrubber
from .errors import ConfigError, InputTooLarge
from .model import Finding, ScrubResult
from .operators import Context
from .packs import Rule
from .redact import Tokens

DEFAULT_CHUNK = 1 << 20
DEFAULT_OVERLAP = 64 << 10
#: bytes read from a binary source per call
READ_BYTES = 1 << 20


class Source(Protocol):
    """Where text comes from: ``read(n)`` returns up to ``n`` characters, ``""`` at the end."""

    def read(self, size: int, /) -> str: ...


class Sink(Protocol):
    """Where scrubbed text goes."""

    def write(self, text: str, /) -> object: ...


@dataclass(frozen=True, slots=True)
class StreamStats:
    """What a stream run did: characters in and out, windows scanned, findings counted by
    rule id and by kind, and findings clipped at a cut (see the module docs). No values."""

    chars_in: int = 0
    chars_out: int = 0
    windows: int = 0
    by_rule: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    by_kind: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    clipped: int = 0

    @property
    def findings(self) -> int:
        """How many findings were redacted in total."""
        return sum(self.by_rule.values())

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping of the counts."""
        return {"chars_in": self.chars_in, "chars_out": self.chars_out,
                "windows": self.windows, "findings": self.findings,
                "by_rule": dict(self.by_rule), "by_kind": dict(self.by_kind),
                "clipped": self.clipped}


def check_size(scrubber: Scrubber, size: int) -> None:
    """Raise ``InputTooLarge`` if ``size`` characters exceed the policy's ``max_input_chars``."""
    limit = scrubber.policy.max_input_chars
    if size > limit:
        raise InputTooLarge(size, limit)


def scrub_bounded(scrubber: Scrubber, text: str, *, names: Iterable[str] = ()) -> ScrubResult:
    """``scrubber.scrub(text)``, refused with ``InputTooLarge`` above ``max_input_chars``."""
    check_size(scrubber, len(text))
    return scrubber.scrub(text, names=names)


def window_sizes(scrubber: Scrubber, chunk_chars: int = DEFAULT_CHUNK,
                 overlap_chars: int = DEFAULT_OVERLAP) -> tuple[int, int]:
    """``(chunk, overlap)`` scaled down, in proportion, so one window fits ``max_input_chars``."""
    limit = scrubber.policy.max_input_chars
    size = chunk_chars + 2 * overlap_chars
    if size <= limit:
        return chunk_chars, overlap_chars
    return max(1, chunk_chars * limit // size), overlap_chars * limit // size


class _NoHash(Exception):
    """Raised to a probed operator that asks for a keyed hash (its output is kept as is)."""


def _no_hash(value: str) -> str:
    raise _NoHash


class _Renderer:
    """Re-renders ``token`` operators with one numbering table for the whole stream."""

    def __init__(self, scrubber: Scrubber) -> None:
        self._rules: Mapping[str, Rule] = {r.id: r for r in scrubber.rules}
        self._marker = scrubber.policy.marker
        self._tokens = Tokens()

    def __call__(self, finding: Finding, value: str) -> str:
        rule = self._rules[finding.rule_id]
        used = False

        def token(entity: str, val: str) -> int:
            nonlocal used
            used = True
            return self._tokens(entity, val)

        ctx = Context(rule.id, rule.entity, finding.prefix, finding.fingerprint, self._marker,
                      token, _no_hash, None)
        try:
            out = rule.operator(value, ctx)
        except (_NoHash, ConfigError):  # hash / encrypt: keyed, already the same everywhere
            return finding.replacement
        return out if used else finding.replacement


class _Buffer:
    """A sliding buffer over ``source``: ``text`` is the source from offset ``base`` on."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.text = ""
        self.base = 0
        self.eof = False

    @property
    def end(self) -> int:
        return self.base + len(self.text)

    def fill(self, upto: int) -> None:
        """Read until the buffer reaches offset ``upto`` or the source ends."""
        parts = [self.text]
        have = self.end
        while have < upto and not self.eof:
            piece = self.source.read(upto - have)
            if not piece:
                self.eof = True
            parts.append(piece)
            have += len(piece)
        self.text = "".join(parts)

    def drop(self, before: int) -> None:
        """Forget the text before offset ``before``."""
        if before > self.base:
            self.text = self.text[before - self.base:]
            self.base = before


def _cut(findings: Iterable[Finding], lo: int, emitted: int, target: int) -> int:
    """Where to stop writing: ``target``, unless a finding spans it."""
    for f in findings:
        start, end = f.start + lo, f.end + lo
        if start < target < end:
            return start if start > emitted else end
        if start >= target:
            break
    return target


class _Stream:
    """State of one ``scrub_stream`` run."""

    def __init__(self, scrubber: Scrubber, sink: Sink, names: tuple[str, ...],
                 on_finding: Callable[[Finding], object] | None) -> None:
        self.scrubber, self.sink, self.names = scrubber, sink, names
        self.on_finding = on_finding
        self.render = _Renderer(scrubber)
        self.emitted = self.chars_out = self.windows = self.clipped = 0
        self.by_rule: Counter[str] = Counter()
        self.by_kind: Counter[str] = Counter()

    def step(self, buf: _Buffer, chunk: int, overlap: int) -> None:
        """Scan one window of ``buf`` and write up to its cut."""
        target = self.emitted + chunk
        buf.fill(target + overlap)
        lo = max(buf.base, self.emitted - overlap)
        window = buf.text[lo - buf.base:]
        result = self.scrubber.scrub(window, names=self.names)
        self.windows += 1
        cut = buf.end if buf.eof else _cut(result.findings, lo, self.emitted, target)
        self.emit(window, result.findings, lo, cut)
        buf.drop(cut - overlap)

    def emit(self, window: str, findings: Iterable[Finding], lo: int, cut: int) -> None:
        """Write ``[emitted, cut)`` of the text with the findings inside it redacted."""
        pos = self.emitted
        for f in findings:
            start, end = f.start + lo, f.end + lo
            if end <= self.emitted:
                continue
            if start >= cut:
                break
            if start < self.emitted:
                self.clipped += 1
                f = _clip(f, window[f.start:self.emitted - lo])
                start = self.emitted
            replacement = self.render(f, window[start - lo:end - lo])
            self.write(window[pos - lo:start - lo])
            self.write(replacement)
            pos = end
            self.found(dataclasses.replace(f, start=start, end=end, replacement=replacement))
        self.write(window[pos - lo:cut - lo])
        self.emitted = cut

    def write(self, text: str) -> None:
        if text:
            self.sink.write(text)
            self.chars_out += len(text)

    def found(self, finding: Finding) -> None:
        self.by_rule[finding.rule_id] += 1
        self.by_kind[finding.kind] += 1
        if self.on_finding is not None:
            self.on_finding(finding)

    def stats(self, chars_in: int) -> StreamStats:
        return StreamStats(chars_in, self.chars_out, self.windows,
                           MappingProxyType(dict(self.by_rule)),
                           MappingProxyType(dict(self.by_kind)), self.clipped)


def _clip(f: Finding, written: str) -> Finding:
    """A finding whose start was already written: only what follows is redacted, and a kept
    prefix already written is not repeated."""
    prefix = f.prefix[len(written):] if f.prefix.startswith(written) else ""
    replacement = f.replacement
    if f.prefix and replacement.startswith(f.prefix):
        replacement = prefix + replacement[len(f.prefix):]
    return dataclasses.replace(f, prefix=prefix, replacement=replacement)


def scrub_stream(scrubber: Scrubber, source: Source, sink: Sink, *,
                 chunk_chars: int = DEFAULT_CHUNK, overlap_chars: int = DEFAULT_OVERLAP,
                 names: Iterable[str] = (),
                 on_finding: Callable[[Finding], object] | None = None) -> StreamStats:
    """Scrub everything ``source`` yields into ``sink``, in windows of ``chunk_chars`` plus
    ``overlap_chars`` of context on each side; see the module docs for the exact guarantee.

    ``names`` are as for ``Scrubber.scrub``. ``on_finding`` receives each finding, with
    offsets into the whole text, in order. Raises ``ConfigError`` for bad sizes (a window
    must fit the policy's ``max_input_chars``) and ``ScanError`` like ``scrub``: the sink
    then holds a partial output, to be discarded.
    """
    if chunk_chars < 1 or overlap_chars < 0:
        raise ConfigError("chunk_chars must be at least 1 and overlap_chars at least 0")
    if chunk_chars + 2 * overlap_chars > scrubber.policy.max_input_chars:
        raise ConfigError("a stream window (chunk_chars + 2 * overlap_chars) must fit "
                          "max_input_chars; see scrubber.stream.window_sizes")
    run = _Stream(scrubber, sink, tuple(names), on_finding)
    buf = _Buffer(source)
    while True:
        buf.fill(run.emitted + 1)
        if buf.end <= run.emitted:
            return run.stats(buf.end)
        run.step(buf, chunk_chars, overlap_chars)


class BytesSource:
    """A ``Source`` over a binary stream: UTF-8, undecodable bytes as surrogate escapes
    (``BytesSink`` writes them back byte for byte); line endings are kept as they are."""

    def __init__(self, raw: BinaryIO, read_bytes: int = READ_BYTES) -> None:
        self._raw = raw
        self._size = read_bytes
        self._decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self._done = False

    def read(self, size: int, /) -> str:
        """Up to about ``size`` characters (at least one unless the stream has ended)."""
        while not self._done:
            data = self._raw.read(max(1, min(size, self._size)))
            self._done = not data
            text = self._decoder.decode(data, final=self._done)
            if text:
                return text
        return ""


class BytesSink:
    """A ``Sink`` over a binary stream, UTF-8 with surrogate escapes restored to bytes."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw

    def write(self, text: str, /) -> int:
        return self._raw.write(text.encode("utf-8", "surrogateescape"))


def scrub_file(scrubber: Scrubber, source: str | Path, target: str | Path, *,
               names: Iterable[str] = (), chunk_chars: int = DEFAULT_CHUNK,
               overlap_chars: int = DEFAULT_OVERLAP) -> StreamStats:
    """Stream file ``source`` into ``target`` (which may be the same file) atomically: a temp
    file beside ``target`` is renamed over it only when the whole file is scrubbed, keeping
    ``target``'s permissions; on any error the temp file is removed and ``target`` is left
    as it was. Invalid UTF-8 bytes are copied unchanged."""
    target = Path(target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
            stats = scrub_stream(scrubber, BytesSource(src), BytesSink(dst), names=names,
                                 chunk_chars=chunk_chars, overlap_chars=overlap_chars)
            dst.flush()
            os.fsync(dst.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return stats
