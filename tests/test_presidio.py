"""Presidio interop with a blank spaCy pipeline saved to a temp folder (nothing downloaded)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import spacy
import tldextract

import scrubber
from scrubber.fakes import expand
from scrubber.model import Finding, Severity
from scrubber.presidio import (
    PresidioDetector,
    PresidioSpan,
    ScrubberRecognizer,
    analyzer_from_model_path,
    merge,
    scrub_with_presidio,
)

from .conftest import TEST_KEY

GH = expand("{{crc32:ghp_}}", "presidio")
CARD = expand("{{card:4:16}}", "presidio")
TICKET = (f"Hi, I'm locked out. Reach me at jane.doe@kestrel.io.\n"
          f"Status page https://status.kestrel.io/incidents/77 shows nothing.\n"
          f"My token {GH} and card {CARD} still work.\n")


def _no_network(*args: object, **kwargs: object) -> None:
    raise AssertionError("the Presidio interop must not open network connections")


@pytest.fixture(scope="module")
def offline() -> Iterator[None]:
    """No sockets, and tldextract (used by Presidio's e-mail recognizer) on its snapshot."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", _no_network)
        mp.setattr(tldextract, "extract", tldextract.TLDExtract(suffix_list_urls=(),
                                                                cache_dir=None))
        yield


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("blank-en")
    spacy.blank("en").to_disk(path)
    return path


@pytest.fixture(scope="module")
def analyzer(offline: None, model_dir: Path) -> Any:
    return analyzer_from_model_path(model_dir)


@pytest.fixture(scope="module")
def ours() -> scrubber.Scrubber:
    return scrubber.Scrubber(scrubber.load_rules(), key=TEST_KEY)


def _covered(span: tuple[int, int], findings: tuple[Finding, ...]) -> bool:
    return any(f.start <= span[0] and span[1] <= f.end for f in findings)


def test_missing_model_folder_is_a_config_error_not_a_download(offline: None,
                                                               tmp_path: Path) -> None:
    with pytest.raises(scrubber.ConfigError, match="nothing is downloaded"):
        analyzer_from_model_path(tmp_path / "en_core_web_lg")


def test_our_engine_as_a_presidio_recognizer(offline: None, model_dir: Path,
                                            ours: scrubber.Scrubber) -> None:
    analyzer = analyzer_from_model_path(model_dir)
    recognizer = ScrubberRecognizer(ours)
    analyzer.registry.add_recognizer(recognizer)
    expected = {(f.entity, f.start, f.end) for f in ours.scan(TICKET)}
    mine = recognizer.analyze(TICKET, [])
    assert {(r.entity_type, r.start, r.end) for r in mine} == expected
    # through the analyzer: Presidio's own de-duplication may credit an identical span to its
    # recognizer, but every finding of ours is there, and the secret only we know about
    results = analyzer.analyze(text=TICKET, language="en")
    assert expected <= {(r.entity_type, r.start, r.end) for r in results}
    secret = next(f for f in ours.scan(TICKET) if f.kind == "secret")
    assert secret.entity in recognizer.supported_entities
    assert any(r.entity_type == secret.entity and
               r.recognition_metadata["recognizer_name"] == recognizer.name for r in results)
    for r in mine:
        assert r.score == 1.0
        assert TICKET[r.start:r.end] not in str(r.recognition_metadata)
    shifted = ScrubberRecognizer(ours, keep_prefix=True).analyze(TICKET, [secret.entity])
    assert [(r.start, r.end) for r in shifted] == [(secret.start + len(secret.prefix),
                                                   secret.end)]


def test_scrub_with_presidio_merges_and_deduplicates(analyzer: Any,
                                                     ours: scrubber.Scrubber) -> None:
    theirs = PresidioDetector(analyzer).detect(TICKET)
    own = ours.scrub(TICKET)
    result = scrub_with_presidio(ours, analyzer, TICKET)
    # Presidio's EMAIL_ADDRESS and ours on the same span are one finding, our operator's output
    email = next(f for f in own.findings if f.entity == "EMAIL_ADDRESS")
    assert any((s.entity, s.start, s.end) == ("EMAIL_ADDRESS", email.start, email.end)
               for s in theirs)
    merged = [f for f in result.findings if (f.start, f.end) == (email.start, email.end)]
    assert len(merged) == 1
    assert merged[0].replacement == email.replacement
    assert merged[0].rule_ids[0] == "email-address"
    assert "presidio:EmailRecognizer" in merged[0].rule_ids
    # every span of either side is inside exactly one finding; findings are sorted and disjoint
    for span in [(f.start, f.end) for f in own.findings] + [(s.start, s.end) for s in theirs]:
        assert _covered(span, result.findings)
    assert all(a.end <= b.start for a, b in zip(result.findings, result.findings[1:],
                                                strict=False))
    # what only Presidio found (the URL) is labelled with its entity
    url = next(s for s in theirs if s.entity == "URL" and "status" in TICKET[s.start:s.end])
    assert not _covered((url.start, url.end), own.findings)
    assert "<URL>" in result.text
    assert TICKET[url.start:url.end] not in result.text
    for f in own.findings:
        assert TICKET[f.start:f.end] not in result.text


def test_merge_unions_partial_overlaps_and_keeps_other_text() -> None:
    text = "call 0123456789 now, or mail a@b.io"
    phone = Finding(5, 15, "phone-number-labeled", "pii", "PHONE_NUMBER", Severity.MEDIUM,
                    fingerprint="f", replacement="<PHONE_NUMBER>")
    spans = [PresidioSpan(10, 19, "US_BANK_NUMBER", 0.4, "UsBankRecognizer"),
             PresidioSpan(31, 35, "URL", 0.5, "UrlRecognizer"),
             PresidioSpan(31, 35, "URL", 0.5, "UrlRecognizer")]
    result = merge(text, [phone], spans, lambda v: f"fp{len(v)}")
    assert [(f.start, f.end, f.entity) for f in result.findings] == [
        (5, 19, "PHONE_NUMBER"), (31, 35, "URL")]
    assert result.findings[0].rule_ids == ("phone-number-labeled", "presidio:UsBankRecognizer")
    assert result.findings[1].rule_ids == ("presidio:UrlRecognizer",)
    assert result.findings[1].severity == Severity.MEDIUM
    assert result.text == "call <PHONE_NUMBER>, or mail a@<URL>"


def test_analyzer_failure_fails_closed_without_echoing_text(ours: scrubber.Scrubber) -> None:
    class Broken:
        def analyze(self, **kwargs: Any) -> list[Any]:
            raise RuntimeError(f"cannot handle {kwargs['text']}")

    with pytest.raises(scrubber.ScanError) as info:
        scrub_with_presidio(ours, Broken(), TICKET)  # type: ignore[arg-type]
    assert "RuntimeError" in str(info.value)
    assert "kestrel" not in str(info.value)
    assert info.value.__cause__ is None
