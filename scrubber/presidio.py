"""Presidio interop: our rules as a Presidio recognizer, and Presidio's spans merged into ours.

Needs the ``presidio`` extra (``presidio-analyzer``). Nothing here downloads a
model: ``analyzer_from_model_path`` accepts only a spaCy pipeline folder that
already exists (``spacy.blank("en").to_disk(path)`` or an installed model's
folder).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .engine import Scrubber, default_scrubber
from .errors import ConfigError, ScanError
from .model import Finding, ScrubResult, Severity

try:
    from presidio_analyzer import (
        AnalysisExplanation,
        AnalyzerEngine,
        EntityRecognizer,
        RecognizerResult,
    )
    from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngineProvider
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError("scrubber.presidio needs presidio-analyzer: install 'scrubber[presidio]'"
                      ) from exc

PRESIDIO_SEVERITY = Severity.MEDIUM
LABEL = "<{entity}>"


class ScrubberRecognizer(EntityRecognizer):
    """A Presidio ``EntityRecognizer`` that reports this project's findings.

    Entity names are ours (Presidio's names for PII, e.g. ``EMAIL_ADDRESS``;
    ``GITHUB_TOKEN``-style names for secrets). Spans cover the whole value;
    with ``keep_prefix=True`` a secret's span starts after its kept prefix, so
    a Presidio anonymizer keeps the part that identifies the key, as we do.
    Every result has ``score`` (default 1.0: our rules validate) and metadata
    with the rule ids and the keyed fingerprint, never the value.
    """

    def __init__(self, scrubber: Scrubber | None = None, *, supported_language: str = "en",
                 name: str = "ScrubberRecognizer", score: float = 1.0,
                 keep_prefix: bool = False) -> None:
        self.scrubber = scrubber if scrubber is not None else default_scrubber()
        self.score = score
        self.keep_prefix = keep_prefix
        self.label = name
        entities = sorted({rule.entity for rule in self.scrubber.rules})
        super().__init__(supported_entities=entities, name=name,
                         supported_language=supported_language)

    def load(self) -> None:
        """Nothing to load: the Scrubber is built already."""

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        """Our findings in ``text`` whose entity is in ``entities`` (all if empty)."""
        wanted = set(entities or self.supported_entities)
        return [self._result(f) for f in self.scrubber.scan(text) if f.entity in wanted]

    def _result(self, f: Finding) -> RecognizerResult:
        start = f.start + len(f.prefix) if self.keep_prefix else f.start
        explanation = AnalysisExplanation(recognizer=self.label, original_score=self.score,
                                          textual_explanation=f"scrubber rule {f.rule_id}")
        metadata = {
            RecognizerResult.RECOGNIZER_NAME_KEY: self.label,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            "scrubber_rule_ids": list(f.rule_ids or (f.rule_id,)),
            "scrubber_kind": f.kind,
            "scrubber_fingerprint": f.fingerprint,
        }
        return RecognizerResult(f.entity, start, f.end, self.score, explanation, metadata)


# --------------------------------------------------------------------------- Presidio as a detector


@dataclass(frozen=True, slots=True)
class PresidioSpan:
    """One Presidio result: ``text[start:end]`` is an ``entity`` found by ``recognizer``."""

    start: int
    end: int
    entity: str
    score: float
    recognizer: str

    @property
    def rule_id(self) -> str:
        return f"presidio:{self.recognizer}"


@dataclass(frozen=True)
class PresidioDetector:
    """Runs a caller-supplied Presidio ``AnalyzerEngine`` and returns its spans.

    ``entities`` limits what Presidio looks for (None: everything it supports);
    ``score_threshold`` drops results below it (None: the analyzer's default).
    A failure of the analyzer raises ``ScanError``: treat the text as unscrubbed.
    """

    analyzer: AnalyzerEngine
    language: str = "en"
    entities: tuple[str, ...] | None = None
    score_threshold: float | None = None

    def detect(self, text: str) -> list[PresidioSpan]:
        try:
            results = self.analyzer.analyze(
                text=text, language=self.language,
                entities=list(self.entities) if self.entities is not None else None,
                score_threshold=self.score_threshold)
        except Exception as exc:  # any analyzer failure: fail closed, never echo the text
            raise ScanError(f"the Presidio analyzer failed ({exc.__class__.__name__}); "
                            "treat the text as unscrubbed") from None
        return [_span(r) for r in results if 0 <= r.start < r.end <= len(text)]


def _span(r: RecognizerResult) -> PresidioSpan:
    meta = r.recognition_metadata or {}
    name = meta.get(RecognizerResult.RECOGNIZER_NAME_KEY) or r.entity_type
    return PresidioSpan(r.start, r.end, r.entity_type, float(r.score), str(name))


Member = Finding | PresidioSpan


def _clusters(members: Iterable[Member]) -> list[list[Member]]:
    """Group spans that overlap (directly or through a chain), in text order."""
    out: list[list[Member]] = []
    end = -1
    for m in sorted(members, key=lambda m: (m.start, -m.end, isinstance(m, PresidioSpan))):
        if out and m.start < end:
            out[-1].append(m)
            end = max(end, m.end)
        else:
            out.append([m])
            end = m.end
    return out


def _ids(cluster: Sequence[Member]) -> tuple[str, ...]:
    ids: list[str] = []
    for m in cluster:
        for rid in (m.rule_ids or (m.rule_id,)) if isinstance(m, Finding) else (m.rule_id,):
            if rid not in ids:
                ids.append(rid)
    return tuple(ids)


def _merge_cluster(text: str, cluster: Sequence[Member],
                   fingerprint: Callable[[str], str]) -> Finding:
    start, end = cluster[0].start, max(m.end for m in cluster)
    ours = [m for m in cluster if isinstance(m, Finding)]
    if len(ours) == 1 and (ours[0].start, ours[0].end) == (start, end):
        return dataclasses.replace(ours[0], rule_ids=_ids(cluster))
    lead = max(cluster, key=lambda m: (m.end - m.start, isinstance(m, Finding),
                                       getattr(m, "score", 1.0)))
    return Finding(
        start, end, lead.rule_id,
        "secret" if any(f.kind == "secret" for f in ours) else "pii", lead.entity,
        max((f.severity for f in ours), default=PRESIDIO_SEVERITY), "",
        fingerprint(text[start:end]), _ids(cluster), LABEL.format(entity=lead.entity))


def merge(text: str, ours: Sequence[Finding], theirs: Sequence[PresidioSpan],
          fingerprint: Callable[[str], str]) -> ScrubResult:
    """Our findings and Presidio's spans as one redaction of ``text``.

    Identical spans are one finding (ours, with Presidio's recognizer added to
    ``rule_ids``); overlapping spans become their union, labelled with the
    entity of the longest (ours on a tie); a span only Presidio found becomes
    ``<ENTITY>``. Our own findings keep their operator's output when nothing
    overlaps them.
    """
    findings = [_merge_cluster(text, c, fingerprint) for c in _clusters([*ours, *theirs])]
    pieces: list[str] = []
    last = 0
    for f in findings:
        pieces += (text[last:f.start], f.replacement)
        last = f.end
    pieces.append(text[last:])
    return ScrubResult("".join(pieces), tuple(findings))


def scrub_with_presidio(scrubber: Scrubber, analyzer: AnalyzerEngine | PresidioDetector,
                        text: str, *, language: str = "en",
                        entities: Sequence[str] | None = None,
                        score_threshold: float | None = None) -> ScrubResult:
    """Scrub ``text`` with ``scrubber`` and a Presidio analyzer, merging both (see ``merge``).

    ``analyzer`` is an ``AnalyzerEngine`` (run with ``language``, ``entities``,
    ``score_threshold``) or a ready ``PresidioDetector``. Either side failing
    raises ``ScanError``: the text must be treated as unscrubbed.
    """
    detector = analyzer if isinstance(analyzer, PresidioDetector) else PresidioDetector(
        analyzer, language, tuple(entities) if entities is not None else None, score_threshold)
    ours = scrubber.scrub(text).findings
    return merge(text, ours, detector.detect(text), scrubber.fingerprint)


def analyzer_from_model_path(path: str | Path, language: str = "en") -> AnalyzerEngine:
    """An ``AnalyzerEngine`` over the spaCy pipeline saved in folder ``path``.

    Never downloads: a missing folder is a ``ConfigError`` (Presidio would try
    to download a model by that name). A blank pipeline
    (``spacy.blank("en").to_disk(path)``) gives Presidio's pattern and checksum
    recognizers without named-entity recognition.
    """
    folder = Path(path)
    if not (folder / "meta.json").is_file():
        raise ConfigError(f"no spaCy pipeline in {folder} (expected a folder with meta.json, "
                          "e.g. saved by nlp.to_disk); nothing is downloaded")
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": language, "model_name": str(folder.resolve())}],
    })
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=[language])
