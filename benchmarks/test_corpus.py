"""The benchmark corpora are deterministic, shaped as described, and their plants get scrubbed.

Planted types whose rule pack does not exist yet are skipped (see ``_coverage``), so these
tests keep passing while packs are added, and start checking a type as soon as its rule lands.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

import scrubber
from scrubber import Scrubber

from . import corpus as C
from .harness import BENCH_MB, KEY, Corpus

ROOT = Path(__file__).resolve().parent.parent


def _digest(texts: list[str]) -> str:
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_text() -> None:
    assert C.tickets(25, seed=11) == C.tickets(25, seed=11)
    assert C.generate(5, seed=11) == C.generate(5, seed=11)


def test_ticket_i_does_not_depend_on_n() -> None:
    assert C.tickets(4, seed=11) == C.tickets(9, seed=11)[:4]


def test_other_seed_other_text() -> None:
    assert set(C.tickets(10, seed=1)).isdisjoint(C.tickets(10, seed=2))


def test_same_text_in_another_process_and_hash_seed() -> None:
    code = ("import hashlib; from benchmarks import corpus as C\n"
            "for name in C.CORPORA:\n"
            "    texts = C.tickets(6, seed=5, corpus=name)\n"
            "    print(hashlib.sha256('\\x00'.join(texts).encode()).hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    assert out == [_digest(C.tickets(6, seed=5, corpus=name)) for name in C.CORPORA]


@pytest.mark.parametrize("name", list(C.CORPORA))
def test_each_corpus_is_deterministic_and_its_own(name: str) -> None:
    assert C.tickets(4, seed=2, corpus=name) == C.tickets(6, seed=2, corpus=name)[:4]
    others = {t for other in C.CORPORA if other != name
              for t in C.tickets(4, seed=2, corpus=other)}
    assert others.isdisjoint(C.tickets(4, seed=2, corpus=name))


def test_corpus_bytes_reaches_the_size() -> None:
    texts = C.corpus_bytes(0.05, seed=3)
    assert C.total_bytes(texts) >= 50_000
    assert C.total_bytes(texts[:-1]) < 50_000


# --------------------------------------------------------------------------- shape


def test_generation_is_fast(corpus: Corpus) -> None:
    assert corpus.gen_seconds < 5.0 * max(BENCH_MB, 1) / 2, (
        f"generating {corpus.nbytes:,} bytes took {corpus.gen_seconds:.2f}s")


def test_sizes_languages_and_content(corpus: Corpus) -> None:
    sizes = [t.size for t in corpus.tickets]
    assert min(sizes) >= 700
    assert max(sizes) <= 7000
    assert 2500 <= sum(sizes) / len(sizes) <= 4500
    assert {t.lang for t in corpus.tickets} == set(C.LANGS)
    non_ascii = sum(not t.text.isascii() for t in corpus.tickets) / len(corpus.tickets)
    assert non_ascii > 0.5
    joined = "\n".join(corpus.texts[:200])
    for needle in ("req_", "X-Request-Id: ", "Traceback (most recent call last)", "    at ",
                   "\tat com.acme.", "curl -X POST", "HTTP/1.1 ", '"error": {', "\n> ",
                   "$ git log", ".env", "```", "ü", "é", "ñ", "の", "Z INFO"):
        assert needle in joined, needle
    assert any(e in joined for e in C.EMOJI)


def test_secret_density_is_one_per_5kb(corpus: Corpus) -> None:
    secrets = sum(p.kind == "secret" for t in corpus.tickets for p in t.plants)
    kb_per_secret = corpus.nbytes / secrets / 1000
    assert 4.0 <= kb_per_secret <= 6.0, kb_per_secret
    types = {p.type for t in corpus.tickets for p in t.plants}
    assert set(C.SECRET_TYPES) | {t for t, _ in C.MAILBOX_PII_ODDS} <= types


def test_plants_are_verbatim_in_text(corpus: Corpus) -> None:
    for t in corpus.tickets:
        for p in t.plants:
            assert p.value in t.text


def test_fixed_size_tickets() -> None:
    sizes = [t.size for t in C.generate(60, seed=4, size=4096)]
    assert all(3700 <= s <= 4500 for s in sizes), (min(sizes), max(sizes))
    assert 3900 <= sum(sizes) / len(sizes) <= 4300


# ------------------------------------------------- planted values get scrubbed


@cache
def _coverage(kind: str, type_: str, probe: str) -> tuple[str, ...]:
    """Rule ids present for a planted type: its expected ids that ``load_rules().get`` knows,
    else any loaded rule that redacts a bare sample (a pack under an id we did not guess)."""
    rules = scrubber.load_rules()
    ids = C.SECRET_TYPES[type_].rule_ids if kind == "secret" else C.PII_TYPES[type_]
    present = tuple(i for i in ids if rules.get(i) is not None)
    if present:
        return present
    found = Scrubber(rules, key=KEY).scrub(f"value: {probe}\n").findings
    return tuple(sorted({f.rule_id for f in found
                         if f.start <= len("value: ") < f.end}))


@pytest.fixture(scope="module")
def scrubbed(corpus: Corpus) -> list[str]:
    """``scrubber.scrub`` (the default scrubber, every built-in pack) of every ticket."""
    return [scrubber.scrub(text).text for text in corpus.texts]


def _check_removed(kind: str, type_: str, corpus: Corpus, scrubbed: list[str]) -> None:
    plants = [(i, p) for i, t in enumerate(corpus.tickets) for p in t.plants
              if p.kind == kind and p.type == type_]
    assert plants, f"no planted {type_} in the corpus"
    covered = _coverage(kind, type_, plants[0][1].value)
    if not covered:
        ids = C.SECRET_TYPES[type_].rule_ids if kind == "secret" else C.PII_TYPES[type_]
        pytest.skip(f"no rule for planted {kind} '{type_}' yet (looked for {', '.join(ids)})")
    missed = []
    for i, p in plants:
        if p.value in scrubbed[i]:
            text = corpus.texts[i]
            at = text.index(p.value)
            line = text[text.rfind("\n", 0, at) + 1: text.find("\n", at)]
            missed.append(f"ticket {i}: {line!r}")
    assert not missed, (f"{len(missed)}/{len(plants)} planted {type_} values survive scrubbing "
                        f"(rules {covered}):\n" + "\n".join(missed[:10]))


@pytest.mark.parametrize("type_", list(C.SECRET_TYPES))
def test_planted_secrets_are_removed(type_: str, corpus: Corpus, scrubbed: list[str]) -> None:
    _check_removed("secret", type_, corpus, scrubbed)


@pytest.mark.parametrize("type_", [t for t, _ in C.MAILBOX_PII_ODDS])
def test_planted_pii_is_removed(type_: str, corpus: Corpus, scrubbed: list[str]) -> None:
    _check_removed("pii", type_, corpus, scrubbed)


def test_prefilter_never_drops_a_finding(corpus: Corpus) -> None:
    """The keyword prefilter must give exactly the findings of a run without it."""
    rules = scrubber.load_rules()
    fast, slow = Scrubber(rules, key=KEY), Scrubber(rules, key=KEY, prefilter=False)
    for i, text in enumerate(corpus.texts[:80]):
        assert fast.scrub(text) == slow.scrub(text), f"ticket {i}"


# --------------------------------------------------------------------------- the other corpora

SAMPLE_MB = 0.1


@pytest.fixture(scope="module")
def samples() -> dict[str, list[C.Ticket]]:
    """The first ~0.1 MB of every corpus (seed 0)."""
    return {name: C.generate_bytes(SAMPLE_MB, corpus=name) for name in C.CORPORA}


def _per_plant(tickets: list[C.Ticket], *kinds: str) -> float:
    """Bytes of text per planted value of ``kinds``."""
    n = sum(p.kind in kinds for t in tickets for p in t.plants)
    return sum(t.size for t in tickets) / max(n, 1)


def test_clean_plants_nothing_and_has_no_secret_finding(samples: dict[str, list[C.Ticket]]
                                                      ) -> None:
    clean = samples["clean"]
    assert not [p for t in clean for p in t.plants]
    secrets_only = Scrubber(scrubber.load_rules(), key=KEY, kinds=("secret",))
    assert [f.rule_id for t in clean for f in secrets_only.scan(t.text)] == []


def test_secret_dense_has_a_secret_every_300_bytes(samples: dict[str, list[C.Ticket]]) -> None:
    assert 220 <= _per_plant(samples["secret-dense"], "secret") <= 420
    assert {p.type for t in samples["secret-dense"] for p in t.plants} >= set(C.SECRET_TYPES)


def test_pii_dense_has_pii_every_300_bytes(samples: dict[str, list[C.Ticket]]) -> None:
    tickets = samples["pii-dense"]
    assert 200 <= _per_plant(tickets, "pii") <= 400
    assert _per_plant(tickets, "secret") == sum(t.size for t in tickets)  # none planted
    assert {p.type for t in tickets for p in t.plants} >= {t for t, _ in C.MAILBOX_PII_ODDS}


def test_log_heavy_is_logs_with_many_addresses(samples: dict[str, list[C.Ticket]]) -> None:
    tickets = samples["log-heavy"]
    types = [p.type for t in tickets for p in t.plants]
    assert sum(t.size for t in tickets) / (types.count("ipv4") + types.count("ipv6")) < 400
    assert types.count("ipv6") > 0.2 * types.count("ipv4")
    joined = "\n".join(t.text for t in tickets)
    for needle in ("HTTP/1.1\" ", "req_id=req_", "request_id=", '"remote_addr":"', "Z level=",
                   "+0000] \"", "::"):
        assert needle in joined, needle
    assert 0.5 <= _per_plant(tickets, "secret") / C.SECRET_EVERY <= 1.5


def test_non_ascii_is_mostly_other_scripts(samples: dict[str, list[C.Ticket]]) -> None:
    tickets = samples["non-ascii"]
    text = "\n".join(t.text for t in tickets)
    raw = text.encode("utf-8")
    non_ascii_bytes = len(raw) - sum(c.isascii() for c in text)
    assert non_ascii_bytes / len(raw) >= 0.55
    assert {t.lang for t in tickets} >= {"ru", "zh", "ko", "ar", "ja"}
    for first, last in (("\u0400", "\u04ff"), ("\u0600", "\u06ff"), ("\uac00", "\ud7a3"),
                        ("\u4e00", "\u9fff"), ("\u3040", "\u30ff")):  # Cyrillic ... kana
        assert any(first <= c <= last for c in text), (first, last)
    assert any(c in text for c in "éüñ")
    assert 0.5 <= _per_plant(tickets, "secret") / C.SECRET_EVERY <= 1.5


@pytest.mark.parametrize("name", list(C.CORPORA))
def test_plants_are_verbatim_and_get_scrubbed(name: str, samples: dict[str, list[C.Ticket]]
                                              ) -> None:
    engine = Scrubber(scrubber.load_rules(), key=KEY)
    missed: dict[str, int] = {}
    for t in samples[name]:
        out = engine.scrub(t.text).text
        for p in t.plants:
            assert p.value in t.text
            if p.value in out and _coverage(p.kind, p.type, p.value):
                missed[p.type] = missed.get(p.type, 0) + 1
    assert not missed, f"planted values that survive scrubbing in {name}: {missed}"
