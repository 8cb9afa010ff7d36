"""Vectorscan prefilter: translation, superset property, same findings, cache, fallbacks."""

from __future__ import annotations

import dataclasses
import os
import random
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import hyperscan as hs
import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.corpus import ticket
from scrubber import Scrubber, accel, load_rules
from scrubber.errors import ConfigError
from scrubber.prefilter import FOLDS_TO_ASCII, Prefilter
from scrubber.ruletest import cases

RULES = load_rules().rules
#: characters where case folding or Unicode tables differ between regex and Vectorscan
TRICKY = "\u212a\u017f\u0130\u0131\u180e\u1c80\u13a0\uab70\u10d0\u0345\u00df\u1e9e"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("vectorscan-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(accel.CACHE_ENV, str(path))
        yield path


@pytest.fixture(scope="module")
def vs(cache: Path) -> accel.VectorscanPrefilter:
    return accel.VectorscanPrefilter(RULES)


@pytest.fixture(scope="module")
def scrubbers(vs: accel.VectorscanPrefilter) -> tuple[Scrubber, Scrubber]:
    fast = Scrubber(key=b"k" * 32)
    fast._prefilter = vs  # type: ignore[assignment]
    return fast, Scrubber(key=b"k" * 32, prefilter=False)


def _compile_one(expr: str) -> object:
    db = hs.Database()
    db.compile(expressions=[expr.encode()], ids=[0], flags=[hs.HS_FLAG_UTF8])
    return db


def _hs_chars(expr: str, chars: str) -> set[str]:
    """The characters of ``chars`` the single-character Vectorscan pattern matches."""
    data = chars.encode()
    ends: dict[int, str] = {}
    pos = 0
    for ch in chars:
        pos += len(ch.encode())
        ends[pos] = ch
    out: set[str] = set()
    _compile_one(expr).scan(data, match_event_handler=lambda i, s, e, f, c: out.add(ends[e]))
    return out


def _matching_rules(text: str) -> set[int]:
    return {i for i, r in enumerate(RULES) if r.pattern.search(text, timeout=5)}


# --------------------------------------------------------------------------- translation


@pytest.mark.parametrize(("pattern", "flags", "expected"), [
    (r"ab", 0, "ab"),
    (r"(?<![\w-])ab(?!\w)", 0, "ab"),
    (r"a++b*+c?+d{2}+", 0, "a+b*c?d{2}"),
    (r"(?>ab|c)d", 0, "(?:ab|c)d"),
    (r"(?P<s>[:-])x(?P=s)", 0, r"(?:[\x{2D}\x{3A}])x(?:[\x{2D}\x{3A}])"),
    (r"(a)\1", 0, "(?:a)(?:a)"),
    (r"k", regex.IGNORECASE, r"[\x{4B}\x{6B}\x{212A}]"),
    (r"(?i:s)t", 0, r"(?:[\x{53}\x{73}\x{17F}])t"),
    (r"(?i)s", 0, r"[\x{53}\x{73}\x{17F}]"),
    (r"a.b", 0, r"a[^\n]b"),
    (r"a.b", regex.DOTALL, r"a[\x00-\x{10FFFF}]b"),
    (r"\d{2,5}", 0, r"[\x{30}-\x{39}\x{80}-\x{10FFFF}]{2,}"),
    (r"[^\d\n]{0,30}x", 0, r"[\x{0}-\x{9}\x{B}-\x{2F}\x{3A}-\x{7F}\x{80}-\x{10FFFF}]*x"),
    (r"[A-F0-9]{3,200}", 0, r"[\x{30}-\x{39}\x{41}-\x{46}]{3,}"),
    (r"[é]", 0, r"[\x{E9}]"),
    (r"a(?=b)", 0, "a(?:b)"),
    (r"a(?=b)c", 0, "ac"),
    (r"(?<=x)a", 0, "(?:x)a"),
    (r"b(?<=x)a", 0, "ba"),
    (r"\x41\u00e9\N{EM DASH}", 0, r"A\x{E9}\x{2014}"),
    (r"a(?#note)b", 0, "ab"),
])
def test_superset_translation(pattern: str, flags: int, expected: str) -> None:
    assert accel.superset(pattern, flags) == expected
    _compile_one(expected)  # Vectorscan accepts it


@pytest.mark.parametrize("pattern", [
    r"(?x) a b", r"(?V1)[[a-z]--[aeiou]]", r"(?(1)a|b)", r"(a)(?1)", r"(?:ab){e<=1}",
    r"\p{Unknown_Property_Name}", r"(?|(a)|(b))", r"(?P=s)(?P<s>a)", r"[[:alpha:]]",
])
def test_untranslatable_patterns_raise(pattern: str) -> None:
    with pytest.raises((ValueError, regex.error)):
        accel.superset(pattern)


def _code_points() -> str:
    """ASCII, the tricky characters, every case partner of ASCII, and a fixed sample."""
    rng = random.Random(7)
    sample = {chr(c) for c in range(0x250)} | set(TRICKY)
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    sample |= set(regex.findall(r"(?i)[a-z]", everything))
    while len(sample) < 6000:
        c = rng.randrange(0x80, 0x110000)
        if not 0xD800 <= c <= 0xDFFF:
            sample.add(chr(c))
    return "".join(sorted(sample))


@pytest.mark.parametrize("source", [
    r"\d", r"\D", r"\s", r"\S", r"\w", r"\W", r"\p{L}", r"\p{Lu}", r"\p{Ll}", r"\P{L}",
    r"\p{Han}", r"[^\s]", r"[^\d\n]", r"[^A-Za-z0-9_.-]", r"[A-Za-z0-9+/=]", r"[a-z]",
    r"[A-Z]", r"[ÀÉé-ö]", r"[^\w.]", r"[\w.-]", r"[iI]", r"[^ik]", r"k", r"\u00df",
])
@pytest.mark.parametrize("caseless", [False, True])
def test_class_translation_covers_regex(source: str, caseless: bool) -> None:
    chars = CODE_POINTS
    py = set(regex.findall(source, chars, flags=regex.IGNORECASE if caseless else 0))
    assert py, "the sample exercises the class"
    mine = _hs_chars(accel.superset(source, regex.IGNORECASE if caseless else 0), chars)
    assert sorted(py - mine) == []
    ascii_py = {c for c in py if c.isascii()}
    assert {c for c in mine if c.isascii()} == ascii_py  # exact on ASCII


CODE_POINTS = _code_points()


def test_folds_to_ascii_lists_every_non_ascii_case_partner() -> None:
    partners = {chr(c) for a in range(128) for c in accel._cases(a) if c >= 128}
    assert partners == {chr(c) for c in FOLDS_TO_ASCII}


def test_every_default_rule_is_accelerated(vs: accel.VectorscanPrefilter) -> None:
    assert len(vs.accelerated) == len(RULES)


# --------------------------------------------------------------------------- superset


def _texts_from_examples() -> list[str]:
    return [c.text for r in RULES for c in cases(r)]


EXAMPLES = _texts_from_examples()


def test_rule_examples_select_every_matching_rule(vs: accel.VectorscanPrefilter) -> None:
    for text in EXAMPLES:
        missing = _matching_rules(text) - set(vs.candidates(text))
        assert not missing, [RULES[i].id for i in missing]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, 10_000), seed=st.integers(0, 3),
       corpus=st.sampled_from(("mailbox", "secret-dense", "pii-dense", "non-ascii")))
def test_generated_tickets_select_every_matching_rule(
        vs: accel.VectorscanPrefilter, index: int, seed: int, corpus: str) -> None:
    try:
        text = ticket(index, seed, corpus=corpus).text
    except (KeyError, ValueError):  # a corpus name the generator does not have
        text = ticket(index, seed).text
    missing = _matching_rules(text) - set(vs.candidates(text))
    assert not missing, [RULES[i].id for i in missing]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(example=st.sampled_from(EXAMPLES), noise=st.text(alphabet=st.sampled_from(
    f"{TRICKY}kKsSiI -_:=./\n\té漢字Ω"), max_size=12), at=st.integers(0, 10_000))
def test_mangled_examples_select_every_matching_rule(
        vs: accel.VectorscanPrefilter, example: str, noise: str, at: int) -> None:
    cut = at % (len(example) + 1)
    text = example[:cut] + noise + example[cut:]
    folded = text.translate({ord("k"): "\u212a", ord("s"): "\u017f"}) if at % 2 else text
    for t in (text, folded):
        missing = _matching_rules(t) - set(vs.candidates(t))
        assert not missing, [RULES[i].id for i in missing]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, 10_000))
def test_findings_match_a_run_without_prefilter(
        scrubbers: tuple[Scrubber, Scrubber], index: int) -> None:
    fast, full = scrubbers
    text = ticket(index, 11).text
    assert fast.scrub(text) == full.scrub(text)


def test_selects_far_fewer_rules_than_keywords(vs: accel.VectorscanPrefilter) -> None:
    keywords = Prefilter([r.spec.keywords for r in RULES], [r.spec.always_run for r in RULES])
    texts = [ticket(i, 5).text for i in range(20)]
    mine = sum(len(vs.candidates(t)) for t in texts)
    theirs = sum(len(keywords.candidates(t)) for t in texts)
    assert mine * 2 < theirs


def test_lone_surrogates_fall_back_to_keywords(vs: accel.VectorscanPrefilter) -> None:
    text = "token ghp_" + "a" * 36 + " \udcff"
    keywords = Prefilter([r.spec.keywords for r in RULES], [r.spec.always_run for r in RULES],
                         [r.spec.anchored for r in RULES])
    assert vs.select(text) == keywords.select(text)
    assert _matching_rules(text) <= set(vs.candidates(text))


def test_anchored_rules_keep_their_start_offsets(vs: accel.VectorscanPrefilter) -> None:
    anchored = [i for i, r in enumerate(RULES) if r.spec.anchored]
    if not anchored:
        pytest.fail("no anchored rule to check")
    text = next(t for t in EXAMPLES if set(vs.candidates(t)) & set(anchored))
    chosen, starts, _ = vs.select(text)
    assert starts is not None
    assert any(i in starts for i in chosen if i in anchored)


def test_threads_share_one_prefilter(vs: accel.VectorscanPrefilter) -> None:
    texts = EXAMPLES[:200]
    expected = [vs.candidates(t) for t in texts]
    results: list[list[list[int]]] = [[], [], []]

    def work(slot: int) -> None:
        results[slot] = [vs.candidates(t) for t in texts]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results)


# --------------------------------------------------------------------------- cache


def _few() -> list[accel.Rule]:
    return [r for r in RULES if r.id in ("github-pat-classic", "stripe-live-key",
                                         "email-address", "aws-access-key-id")]


def test_cache_miss_writes_owner_only_file_then_hits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(accel.CACHE_ENV, str(tmp_path))
    first = accel.VectorscanPrefilter(_few())
    files = list(tmp_path.glob("vectorscan-*.db"))
    assert 1 <= len(files) <= 2  # the rule filter, and the locator when a rule qualifies
    assert all(stat.S_IMODE(os.stat(f).st_mode) == 0o600 for f in files)
    assert not list(tmp_path.glob("*.tmp"))

    def boom(*_: object) -> None:
        raise AssertionError("compiled despite a cached database")

    monkeypatch.setattr(accel, "_compile", boom)
    second = accel.VectorscanPrefilter(_few())
    assert second.accelerated == first.accelerated
    text = "mail jane@kestrel.io"
    assert second.candidates(text) == first.candidates(text)


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_corrupt_cache_recompiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  damage: str) -> None:
    monkeypatch.setenv(accel.CACHE_ENV, str(tmp_path))
    good = accel.VectorscanPrefilter(_few())
    path = next(tmp_path.glob("vectorscan-*.db"))
    data = path.read_bytes()
    broken = {"truncate": data[: len(data) // 2], "empty": b"",
              "flip": data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:],
              "garbage": os.urandom(len(data))}[damage]
    path.write_bytes(broken)
    again = accel.VectorscanPrefilter(_few())
    assert again.accelerated == good.accelerated
    assert path.read_bytes() == data  # rewritten
    assert again.candidates("mail jane@kestrel.io") == good.candidates("mail jane@kestrel.io")


def test_unwritable_cache_is_not_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(accel.CACHE_ENV, str(blocker / "cache"))
    assert accel.VectorscanPrefilter(_few()).candidates("jane@kestrel.io")


def test_cache_key_changes_with_the_patterns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    monkeypatch.setenv(accel.CACHE_ENV, str(tmp_path))
    accel.VectorscanPrefilter(_few())
    accel.VectorscanPrefilter(_few()[:2])
    assert len(list(tmp_path.glob("vectorscan-*.db"))) == 2


# --------------------------------------------------------------------------- backends


def test_build_prefilter_backends(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    few = _few()
    assert isinstance(accel.build_prefilter(few, "portable"), Prefilter)
    assert isinstance(accel.build_prefilter(few, "vectorscan"), accel.VectorscanPrefilter)
    assert isinstance(accel.build_prefilter(few, "auto"), accel.VectorscanPrefilter)
    with pytest.raises(ConfigError, match="backend"):
        accel.build_prefilter(few, "fast")
    monkeypatch.setattr(accel, "_hs", None)
    assert not accel.available()
    assert isinstance(accel.build_prefilter(few, "auto"), Prefilter)
    with pytest.raises(ConfigError, match="hyperscan"):
        accel.build_prefilter(few, "vectorscan")


def test_untranslatable_rule_stays_on_keywords(cache: Path) -> None:
    few = _few()
    odd = next(r for r in RULES if r.spec.keywords and not r.spec.always_run)
    broken = dataclasses.replace(odd, pattern=regex.compile(r"(?x) " + odd.spec.regex))
    prefilter = accel.VectorscanPrefilter([*few, broken])
    assert len(few) not in prefilter.accelerated
    keyword = odd.spec.keywords[0]
    assert len(few) in prefilter.candidates(f"see {keyword} here")
    assert len(few) not in prefilter.candidates("nothing relevant")


def test_cache_switched_off_still_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(accel.CACHE_ENV, "off")
    assert accel.VectorscanPrefilter(_few()).candidates("jane@kestrel.io")
    assert not list(tmp_path.rglob("*"))


def test_number_rules_are_located(vs: accel.VectorscanPrefilter) -> None:
    located = {RULES[i].id for i in vs._located}
    assert {"credit-card-number", "ipv4-address", "phone-number-national"} <= located
    text = "call 030 12345678 from 203.0.113.9"
    _, _, ranges = vs.select(text)
    by_id = {RULES[i].id: r for i, r in ranges.items()}
    assert any(lo <= 5 <= hi for lo, hi in by_id["phone-number-national"])
    assert any(lo <= 23 <= hi for lo, hi in by_id["ipv4-address"])


def test_other_decimal_digits_turn_location_off(vs: accel.VectorscanPrefilter) -> None:
    """Located rules read \\d as [0-9]; a text with Arabic-Indic digits is scanned whole."""
    text = "card \u0664\u0661\u0661\u0661 4111 1111 1111 1111"
    assert vs.select(text)[2] == {}
    whole = Scrubber(load_rules(), key=b"k" * 32, prefilter=False).scan(text)
    assert Scrubber(load_rules(), key=b"k" * 32).scan(text) == whole


def test_ascii_digits_reads_d_as_ascii_in_and_out_of_classes() -> None:
    assert accel._ascii_digits(r"\d{2}[\d(][^\d\n]\\d") == r"[0-9]{2}[0-9(][^0-9\n]\\d"


@pytest.mark.parametrize("text", [
    "\u20144111 1111 1111 1111 end",           # a 3-byte dash right before the number
    "\u00e9 203.0.113.9 and \u00e94111111111111111",  # a letter glued to it: no match
    "\u65e5\u672c+44 20 7946 0958",
    "x 030 12345678, \u2014030 12345678",
])
def test_located_ranges_map_bytes_to_characters(text: str) -> None:
    default = Scrubber(load_rules(), key=b"k" * 32)
    assert default.scan(text) == Scrubber(load_rules(), key=b"k" * 32, prefilter=False).scan(text)


def test_located_superset_keeps_the_leading_context() -> None:
    card = next(r for r in RULES if r.id == "credit-card-number")
    expr = accel.located_superset(card)
    assert expr is not None
    assert expr.startswith(b"(?:^|[^")
    assert accel._before_class(r"\b(?=\d)(?<![\w.])\d") == r"[\w.]"
    assert accel._before_class(r"(?<=x)\d") is None


@pytest.mark.parametrize("corpus", ["mailbox", "log-heavy", "non-ascii", "pii-dense"])
def test_backends_agree_on_benchmark_corpora(corpus: str) -> None:
    from benchmarks.corpus import corpus_bytes
    rules = load_rules()
    fast = Scrubber(rules, key=b"k" * 32, backend="vectorscan")
    portable = Scrubber(rules, key=b"k" * 32, backend="portable")
    whole = Scrubber(rules, key=b"k" * 32, prefilter=False)
    for text in corpus_bytes(0.05, seed=11, corpus=corpus):
        assert fast.scan(text) == portable.scan(text) == whole.scan(text)
