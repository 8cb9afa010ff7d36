"""Helpers shared by the benchmarks: corpora, baselines, timing, scaling and the ratio guard."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import random
import statistics
import string
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from scrubber import Policy, Rule, RuleSet, Scrubber, load_rules

from . import corpus as corpus_mod

MB = 1_000_000
BENCH_MB = float(os.environ.get("SCRUBBER_BENCH_MB", "2"))
SMOKE_MB = float(os.environ.get("SCRUBBER_BENCH_SMOKE_MB", "0.1"))
BENCH_SEED = int(os.environ.get("SCRUBBER_BENCH_SEED", "0"))
LATENCY_N = int(os.environ.get("SCRUBBER_BENCH_LATENCY_N", "300"))
SMOKE_LATENCY_N = 100
LATENCY_SIZE = 4096
BUDGET = float(os.environ.get("SCRUBBER_BENCH_BUDGET", "6"))
PRESIDIO_MB = float(os.environ.get("SCRUBBER_BENCH_PRESIDIO_MB", "0.2"))
SMOKE_PRESIDIO_MB = 0.02
CORPORA = tuple(c for c in os.environ.get("SCRUBBER_BENCH_CORPORA", ",".join(
    corpus_mod.CORPORA)).split(",") if c)
#: a fixed key, so fingerprints (and their cost) are the same in every run
KEY = b"scrubber-benchmark-key-not-a-secret"
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Corpus:
    tickets: list[corpus_mod.Ticket]
    texts: list[str]
    nbytes: int
    gen_seconds: float
    name: str = "mailbox"


def make_corpus(mb: float | None = None, size: int | None = None, n: int | None = None,
                name: str = "mailbox") -> Corpus:
    t0 = time.perf_counter()
    if n is not None:
        tickets = corpus_mod.generate(n, BENCH_SEED, size=size, corpus=name)
    else:
        tickets = corpus_mod.generate_bytes(mb or BENCH_MB, BENCH_SEED, size=size, corpus=name)
    took = time.perf_counter() - t0
    texts = [t.text for t in tickets]
    return Corpus(tickets, texts, corpus_mod.total_bytes(texts), took, name)


def head(corpus: Corpus, mb: float) -> Corpus:
    """The first tickets of ``corpus`` reaching ``mb`` MB (all of it if smaller)."""
    out, total = [], 0
    for t in corpus.tickets:
        if total >= mb * MB:
            break
        out.append(t)
        total += t.size
    return Corpus(out, [t.text for t in out], total, 0.0, corpus.name)


def is_smoke(config: Any) -> bool:
    """True under ``--benchmark-disable`` (the project's addopts) without ``--benchmark-enable``."""
    return bool(config.getoption("benchmark_disable")
                and not config.getoption("benchmark_enable"))


# --------------------------------------------------------------------------- engine backends

#: the label of "whatever the engine does by default" (the only one before backends existed)
DEFAULT_BACKEND = "default"


def backends() -> tuple[str, ...]:
    """The engine backends to benchmark.

    BACKEND PARAMETER: once ``Policy`` has a ``backend`` field (``"auto"``, ``"portable"``,
    ``"vectorscan"``), every backend that can run here is benchmarked; before that, only
    the engine's default.
    """
    if "backend" not in {f.name for f in dataclasses.fields(Policy)}:
        return (DEFAULT_BACKEND,)
    try:
        from scrubber import accel
    except ImportError:
        return ("portable",)
    return ("portable", "vectorscan") if accel.available() else ("portable",)


def engine_options(backend: str) -> dict[str, Any]:
    """``Scrubber`` keyword arguments selecting ``backend``."""
    return {} if backend == DEFAULT_BACKEND else {"backend": backend}


def make_scrubber(rules: RuleSet, policy: str, backend: str, **extra: Any) -> Scrubber:
    """``policy`` "full" (every rule) or "secrets" (``kinds=("secret",)``), on ``backend``."""
    kinds: dict[str, Any] = {"kinds": ("secret",)} if policy == "secrets" else {}
    return Scrubber(rules, key=KEY, **kinds, **engine_options(backend), **extra)


# --------------------------------------------------------------------------- workloads


def rule_counts(rules: RuleSet | Sequence[Rule]) -> dict[str, int]:
    rs = list(rules)
    return {"rules loaded": len(rs), "secret rules": sum(r.kind == "secret" for r in rs),
            "pii rules": sum(r.kind == "pii" for r in rs)}


def scrub_all(scrubber: Scrubber, texts: list[str]) -> int:
    """One pass, one ``scrub`` call per ticket (as in the product); returns #findings."""
    n = 0
    for text in texts:
        n += len(scrubber.scrub(text).findings)
    return n


def naive_scan(rules: tuple[Rule, ...], text: str) -> int:
    """The naive baseline: every rule's regex over the whole text, then its validators.

    No prefilter, no allowlist, no overlap resolution, no redaction: this is the
    floor a per-rule ``finditer`` loop pays. Returns the number of validated matches.
    """
    found = 0
    for rule in rules:
        group = rule.secret_group
        validators = rule.validators
        for m in rule.pattern.finditer(text):
            start, end = m.span(group)
            if start >= end:
                continue
            for g, predicate in validators:
                value = m.group(g)
                if value is None or not predicate(value):
                    break
            else:
                found += 1
    return found


def naive_all(rules: tuple[Rule, ...], texts: list[str]) -> int:
    n = 0
    for text in texts:
        n += naive_scan(rules, text)
    return n


# --------------------------------------------------------------------------- timing


def label(info: Mapping[str, Any]) -> str:
    """The unique key of one measurement in the session's results."""
    return ":".join(str(info.get(k, "")) for k in ("role", "corpus", "policy", "backend",
                                                   "rules"))


def record(benchmark: Any, results: dict[str, dict[str, Any]], info: dict[str, Any]) -> None:
    info["smoke"] = bool(benchmark.disabled)
    benchmark.extra_info.update(info)
    results[label(info)] = info


def time_passes(benchmark: Any, fn: Callable[[], int], budget: float = BUDGET,
                max_rounds: int = 15, min_rounds: int = 5) -> tuple[list[float], int]:
    """Seconds of each timed pass of ``fn``, and its result.

    With ``--benchmark-enable``: one untimed calibration/warm-up pass, then
    ``budget / pass time`` timed passes (clamped to [min_rounds, max_rounds]).
    With ``--benchmark-disable`` (smoke mode) the single call is timed here, so
    the summary still shows an (indicative, single-pass) number.
    """
    if benchmark.disabled:
        t0 = time.perf_counter()
        result = benchmark(fn)
        return [time.perf_counter() - t0], result
    t0 = time.perf_counter()
    fn()
    calib = time.perf_counter() - t0
    rounds = max(min_rounds, min(max_rounds, int(budget / max(calib, 1e-9))))
    result = benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=0)
    return list(benchmark.stats.stats.data), result


def mbps(nbytes: int, seconds: list[float]) -> dict[str, float]:
    return {"MB/s": round(nbytes / MB / statistics.median(seconds), 3),
            "MB/s best": round(nbytes / MB / min(seconds), 3)}


def run_throughput(benchmark: Any, results: dict[str, dict[str, Any]], info: dict[str, Any],
                   fn: Callable[[], int], corpus: Corpus, budget: float = BUDGET,
                   max_rounds: int = 15, min_rounds: int = 5) -> dict[str, Any]:
    """Time whole-corpus passes of ``fn``; record MB/s (median and best pass) under ``info``."""
    seconds, findings = time_passes(benchmark, fn, budget, max_rounds, min_rounds)
    info.update({"corpus": corpus.name, "bytes": corpus.nbytes, "tickets": len(corpus.texts),
                 "passes": len(seconds), "findings": findings, **mbps(corpus.nbytes, seconds)})
    record(benchmark, results, info)
    return info


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an ascending list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def loadavg() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "?"


# --------------------------------------------------------------------------- presidio


def presidio_installed() -> bool:
    return all(importlib.util.find_spec(m) is not None
               for m in ("presidio_analyzer", "spacy", "tldextract"))


# --------------------------------------------------------------------------- scaling

SCALING_BASE = 200
SCALING_TOTAL = 800
#: body shapes of the synthetic rules: (regex, placeholder for the example)
_SHAPES = (("[A-Za-z0-9]{32}", "{{alnum:32}}"), ("[a-f0-9]{40}", "{{hex:40}}"),
           ("[A-Za-z0-9_-]{43}", "{{b64url:43}}"))


def synthetic_rules(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` vendor-like secret rules, each with its own literal prefix (``ab3q_`` style)."""
    rng = random.Random(f"scrubber-bench|synthetic|{seed}")
    rules: list[dict[str, Any]] = []
    seen: set[str] = set()
    while len(rules) < n:
        prefix = "".join(rng.choices(string.ascii_lowercase, k=3)) + rng.choice(
            string.digits) + rng.choice(string.ascii_lowercase) + "_"
        if prefix in seen:
            continue
        seen.add(prefix)
        body, placeholder = rng.choice(_SHAPES)
        rules.append({
            "id": f"bench-synthetic-{len(rules):04d}",
            "description": "Synthetic literal-prefixed key (benchmark only).",
            "keywords": [prefix],
            "regex": rf"(?<![A-Za-z0-9_])(?P<secret>(?P<prefix>{prefix}){body})(?![A-Za-z0-9_-])",
            "redact": {"operator": "keep_prefix", "group": "prefix"},
            "examples": {"match": [f"token: {prefix}{placeholder}"],
                         "no_match": [f"token: {prefix}short"]},
        })
    return rules


def write_synthetic_pack(directory: Path, n: int, seed: int = 0) -> Path:
    """A user pack of ``synthetic_rules(n, seed)`` (YAML schema 1) in ``directory``."""
    pack = {"schema": 1, "pack": "bench-synthetic",
            "description": "Synthetic literal-prefixed secret rules for the scaling benchmark.",
            "defaults": {"kind": "secret", "entity": "SYNTHETIC_KEY", "severity": "high"},
            "rules": synthetic_rules(n, seed)}
    path = directory / "bench-synthetic.yaml"
    path.write_text(yaml.safe_dump(pack, sort_keys=False), encoding="utf-8")
    return path


def scaling_rulesets(directory: Path, builtin: RuleSet) -> dict[int, RuleSet]:
    """Secret rule sets: the first ``SCALING_BASE`` built-in secret rules (pack order), and
    those plus synthetic ones, loaded as a user pack, up to ``SCALING_TOTAL`` rules."""
    pack = write_synthetic_pack(directory, SCALING_TOTAL - SCALING_BASE)
    synthetic = load_rules(pack, builtin=False).rules
    base = tuple(r for r in builtin if r.kind == "secret")[:SCALING_BASE]
    return {SCALING_BASE: RuleSet(base, builtin.allow),
            SCALING_TOTAL: RuleSet(base + synthetic, builtin.allow)}


# --------------------------------------------------------------------------- start-up

_STARTUP_CHILD = """
import json, sys, time
t0 = time.perf_counter()
import scrubber
t1 = time.perf_counter()
rules = scrubber.load_rules()
t2 = time.perf_counter()
engine = scrubber.Scrubber(rules, **json.loads(sys.argv[1]))
t3 = time.perf_counter()
engine.scrub("token ghp_x and mail jane@example.org")
t4 = time.perf_counter()
print(json.dumps({"import s": t1 - t0, "load_rules s": t2 - t1, "build s": t3 - t2,
                  "first scrub s": t4 - t3}))
"""


def startup_once(backend: str) -> dict[str, float]:
    """Import, ``load_rules()``, ``Scrubber(...)`` and a first scrub, in a fresh process."""
    options = json.dumps({"key": KEY.decode(), **engine_options(backend)})
    out = subprocess.run([sys.executable, "-c", _STARTUP_CHILD, options], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    parsed: dict[str, float] = json.loads(out)
    return parsed


def scrubber_command() -> list[str]:
    """The installed ``scrubber`` console script next to this interpreter, else ``-m``."""
    script = Path(sys.executable).with_name("scrubber")
    return [str(script)] if script.exists() else [sys.executable, "-m", "scrubber"]


def cli_scrub_once(path: Path) -> float:
    """Wall seconds of ``scrubber scrub PATH`` in a fresh process."""
    env = {**os.environ, "SCRUBBER_KEY": KEY.decode()}
    t0 = time.perf_counter()
    subprocess.run([*scrubber_command(), "scrub", str(path)], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- ratio guard

#: Ratio floors of the CI guard (``test_ratio_floors``): MB/s of the engine divided by MB/s
#: of the naive loop over the same rules, on the same mailbox tickets, in the same process.
#: Set about 40% below what the guard measured here (see benchmarks/README.md).
RATIO_FLOORS: Mapping[str, float] = MappingProxyType({
    "full/naive": 1.6,
    "secrets/naive-secrets": 1.7,
})
GUARD_TICKETS = 6   # the first tickets of the seed-0 mailbox corpus (~20 KB)
GUARD_ROUNDS = 5


def guard_ratios(pairs: Mapping[str, tuple[Callable[[], object], Callable[[], object]]],
                 rounds: int = GUARD_ROUNDS) -> dict[str, float]:
    """``{name: median over rounds of baseline seconds / engine seconds}``.

    Each pair is ``(engine pass, baseline pass)`` over the same texts. One untimed warm-up
    of each, then ``rounds`` interleaved rounds, so a burst of load on a shared machine hits
    both sides of a ratio alike.
    """
    for fast, slow in pairs.values():
        fast()
        slow()
    per_round: dict[str, list[float]] = {name: [] for name in pairs}
    for _ in range(rounds):
        for name, (fast, slow) in pairs.items():
            t0 = time.perf_counter()
            fast()
            t1 = time.perf_counter()
            slow()
            t2 = time.perf_counter()
            per_round[name].append((t2 - t1) / max(t1 - t0, 1e-9))
    return {name: round(statistics.median(values), 2) for name, values in per_round.items()}


def floor_failures(measured: Mapping[str, float], floors: Mapping[str, float] = RATIO_FLOORS
                   ) -> list[str]:
    """One message per ratio below its floor (a missing ratio is a failure too)."""
    out = []
    for name, floor in floors.items():
        value = measured.get(name)
        if value is None or value < floor:
            out.append(f"ratio {name} = {value}x is below its floor {floor}x")
    return out


def guard_pairs(full: Scrubber, secrets: Scrubber, texts: list[str]
                ) -> dict[str, tuple[Callable[[], object], Callable[[], object]]]:
    """The guard's workloads: each engine against the naive loop over the rules it runs."""
    full_rules, secret_rules = tuple(full.rules), tuple(secrets.rules)
    return {
        "full/naive": (lambda: scrub_all(full, texts), lambda: naive_all(full_rules, texts)),
        "secrets/naive-secrets": (lambda: scrub_all(secrets, texts),
                                  lambda: naive_all(secret_rules, texts)),
    }
