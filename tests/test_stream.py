"""scrub_stream: the same output and findings as one whole-text scrub, token numbering kept
across windows, bytes preserved through the CLI, failures leave nothing, memory flat."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import scrubber
from benchmarks.corpus import corpus_bytes
from scrubber import ruletest, stream
from scrubber.cli import main
from scrubber.errors import ConfigError, ScanError
from scrubber.fakes import expand
from scrubber.model import Finding

from .conftest import TEST_KEY

RULES = scrubber.load_rules()
DEFAULT = scrubber.Scrubber(RULES, key=TEST_KEY)
GH = expand("{{crc32:ghp_}}", "stream")
OVERLAP = 300
#: example secrets short enough that each, with the context its rule reads, fits OVERLAP
CASES = sorted({c.text for r in RULES for c in ruletest.cases(r)
                if c.kind == "match" and len(c.text) <= 160})
FILLER = ("Hi team,", "status 401 at 2026-11-27T10:02:11Z", "req_8a7d6f5e4c3b2a19",
          "Grüße, Zoë", "> quoted reply", "{\"error\": \"bad\"}", "\r\n", "\n", "\t",
          "日本語のテキスト", "🙂", "v2.31.0", "Ngozi Okafor", "call +1 415 555 0100",
          "mail jane@kestrel.io")
PAD = " ".join(FILLER) * 40


def streamed(s: scrubber.Scrubber, text: str, chunk: int, overlap: int,
             names: tuple[str, ...] = ()) -> tuple[str, tuple[Finding, ...], stream.StreamStats]:
    found: list[Finding] = []
    sink = io.StringIO()
    stats = stream.scrub_stream(s, io.StringIO(text), sink, chunk_chars=chunk,
                                overlap_chars=overlap, names=names, on_finding=found.append)
    return sink.getvalue(), tuple(found), stats


def assert_same_as_whole(s: scrubber.Scrubber, text: str, chunk: int, overlap: int,
                         names: tuple[str, ...] = ()) -> stream.StreamStats:
    whole = s.scrub(text, names=names)
    out, found, stats = streamed(s, text, chunk, overlap, names)
    assert out == whole.text
    assert found == whole.findings
    assert stats.findings == len(whole.findings)
    assert (stats.chars_in, stats.chars_out) == (len(text), len(whole.text))
    assert stats.clipped == 0
    return stats


@pytest.mark.parametrize(("chunk", "overlap"), [(20_000, 4_000), (3_000, 2_000)])
def test_corpus_streams_exactly_like_one_scrub(chunk: int, overlap: int) -> None:
    text = "".join(corpus_bytes(0.3, seed=11))
    stats = assert_same_as_whole(DEFAULT, text, chunk, overlap)
    assert stats.windows > len(text) // chunk // 2
    assert stats.by_kind["secret"] > 0
    assert stats.by_kind["pii"] > 0


@given(st.sampled_from(CASES), st.lists(st.sampled_from(FILLER), max_size=6),
       st.sampled_from((40, 64, 97)), st.integers(0, 2), st.integers(-170, 8),
       st.sampled_from(CASES))
def test_secrets_at_and_across_window_borders(case: str, after: list[str], chunk: int,
                                              border: int, shift: int, second: str) -> None:
    at = max(0, (border + 1) * chunk + shift)  # where the secret starts: around a border
    text = PAD[:at] + case + " " + " ".join(after) + "\n" + second
    assert_same_as_whole(DEFAULT, text, chunk, OVERLAP)


def test_one_window_when_the_text_fits() -> None:
    text = f"token {GH} for jane@kestrel.io"
    stats = assert_same_as_whole(DEFAULT, text, 1 << 20, 64 << 10)
    assert stats.windows == 1


def test_empty_source() -> None:
    out, found, stats = streamed(DEFAULT, "", 10, 5)
    assert (out, found, stats.windows, stats.chars_in) == ("", (), 0, 0)


def test_token_numbering_is_one_table_for_the_whole_stream() -> None:
    # window by window the first name seen changes; numbering must not restart
    filler = " nothing to see here." * 12
    text = (f"From Ngozi Okafor.{filler} Ada Obi called.{filler} ADA OBI again.{filler}"
            f" Regards, ngozi okafor")
    names = ("Ngozi Okafor", "Ada Obi")
    assert_same_as_whole(DEFAULT, text, 60, 120, names)
    out, _, stats = streamed(DEFAULT, text, 60, 120, names)
    assert out.startswith("From <PERSON_1>.")
    assert out.endswith("Regards, <PERSON_1>")
    assert "<PERSON_2> called" in out
    assert "<PERSON_2> again" in out
    assert stats.windows > 4
    # each window alone would number Ada Obi 1 where it is the first name it sees
    alone = DEFAULT.scrub(text[text.index("Ada Obi"):], names=names).text
    assert alone.startswith("<PERSON_1> called")


def test_hash_mask_and_encrypt_operators_are_unchanged_by_windows(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("schema: 1\noperators:\n  EMAIL_ADDRESS: hash\n  PERSON: encrypt\n"
                      "  PHONE_NUMBER: {operator: mask, keep_last: 2}\n  IP_ADDRESS: token\n")
    rules, pol = scrubber.load_policy(policy)
    s = scrubber.Scrubber(rules, policy=pol, key=TEST_KEY, reversible_key=b"r" * 32)
    text = ("mail jane@kestrel.io, ops@kestrel.io from 10.1.2.3 or 10.9.8.7, "
            "call +1 415 555 0100. ") * 12
    out, _, _ = streamed(s, text, 50, 100, ("Ngozi Okafor",))
    assert ":enc:" not in out or "Ngozi" not in out
    assert_same_as_whole(s, text + " Thanks, Ngozi Okafor", 50, 100, ("Ngozi Okafor",))


def test_a_finding_longer_than_the_overlap_is_redacted_from_the_cut_on() -> None:
    # outside the guarantee: the 40-character key crosses the first cut (at 100) while the
    # first window (up to 120) sees only 30 of its characters; the next window sees it all
    text = "x " * 43 + f"key {GH} end"
    assert text.index(GH) == 90
    out, found, stats = streamed(DEFAULT, text, 100, 20)
    assert stats.clipped == 1
    assert out.startswith(text[:100])
    assert GH[10:] not in out
    assert found[0].start == 100
    assert found[0].prefix == ""


def test_bad_sizes_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        stream.scrub_stream(DEFAULT, io.StringIO("x"), io.StringIO(), chunk_chars=0)
    with pytest.raises(ConfigError):
        stream.scrub_stream(DEFAULT, io.StringIO("x"), io.StringIO(), overlap_chars=-1)


@given(st.binary(max_size=300), st.integers(1, 7))
def test_bytes_source_decodes_like_the_whole_file(data: bytes, read_bytes: int) -> None:
    source = stream.BytesSource(io.BytesIO(data), read_bytes=read_bytes)
    pieces = iter(lambda: source.read(5), "")
    text = "".join(pieces)
    assert text == data.decode("utf-8", "surrogateescape")
    sink = io.BytesIO()
    stream.BytesSink(sink).write(text)
    assert sink.getvalue() == data


def _mixed_bytes() -> bytes:
    """~300 KB of tickets with invalid UTF-8 (stray, truncated sequences) beside keys."""
    text = "".join(corpus_bytes(0.1, seed=5))
    parts = []
    for i in range(0, len(text), 20_000):
        parts.append(text[i:i + 20_000].encode("utf-8"))
        parts.append(b"\xff\xc3(\xe2\x82 " + GH.encode() + b"\xf0\x9f\x99\n")
    return b"".join(parts) * 3


#: a policy whose input cap makes the CLI scale its windows down: 65 Ki-character chunks
SMALL_WINDOWS = "schema: 1\nmax_input_chars: 75000\n"


def _expected(data: bytes) -> bytes:
    text = data.decode("utf-8", "surrogateescape")
    return DEFAULT.scrub(text).text.encode("utf-8", "surrogateescape")


@pytest.fixture(scope="module")
def mixed() -> tuple[bytes, bytes]:
    data = _mixed_bytes()
    return data, _expected(data)


def test_cli_streams_files_and_keeps_invalid_bytes(tmp_path: Path, mixed: tuple[bytes, bytes],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    data, expected = mixed
    monkeypatch.setenv("SCRUBBER_KEY", TEST_KEY.decode())
    policy = tmp_path / "policy.yaml"
    policy.write_text(SMALL_WINDOWS)
    src = tmp_path / "big.txt"
    src.write_bytes(data)
    assert stream.window_sizes(scrubber.Scrubber(max_input_chars=75000)) == (66666, 4166)
    assert len(data) > 4 * 66666  # several windows
    opts = ["--stream", "--policy", str(policy)]
    assert main(["scrub", *opts, "-o", str(tmp_path / "out"), str(src)]) == 0
    assert (tmp_path / "out" / "big.txt").read_bytes() == expected
    src.chmod(0o640)
    assert main(["scrub", *opts, "--in-place", str(src)]) == 0
    assert src.read_bytes() == expected
    assert src.stat().st_mode & 0o777 == 0o640
    assert GH.encode() not in expected
    assert b"\xff\xc3(" in expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt", "out", "policy.yaml"]


def test_cli_streams_stdin_and_large_files_by_itself(tmp_path: Path, mixed: tuple[bytes, bytes],
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsysbinary: pytest.CaptureFixture[bytes]
                                                     ) -> None:
    data, expected = mixed
    monkeypatch.setenv("SCRUBBER_KEY", TEST_KEY.decode())
    policy = tmp_path / "policy.yaml"
    policy.write_text(SMALL_WINDOWS)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["scrub", "--policy", str(policy)]) == 0
    assert capsysbinary.readouterr().out == expected
    src = tmp_path / "big.txt"
    src.write_bytes(data)
    calls: list[object] = []
    real = stream.scrub_stream
    monkeypatch.setattr(stream, "scrub_stream", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr("scrubber.cli.STREAM_THRESHOLD", len(data) - 1)
    assert main(["scrub", str(src)]) == 0
    assert capsysbinary.readouterr().out == expected
    assert calls == [1]


class _FailsOnThirdWindow:
    """A Scrubber stand-in whose third scrub call fails like a regex timeout."""

    def __init__(self, inner: scrubber.Scrubber) -> None:
        self.inner, self.calls = inner, 0
        self.policy, self.rules = inner.policy, inner.rules

    def scrub(self, text: str, **kw: object) -> scrubber.ScrubResult:
        self.calls += 1
        if self.calls == 3:
            raise ScanError("rule 'x' exceeded its time budget")
        return self.inner.scrub(text)


def test_a_failure_midway_leaves_the_target_as_it_was(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text(f"key {GH}\n" * 200)
    dst.write_text("previous\n")
    failing = _FailsOnThirdWindow(DEFAULT)
    with pytest.raises(ScanError):
        stream.scrub_file(failing, src, dst,  # type: ignore[arg-type]
                          chunk_chars=500, overlap_chars=100)
    assert dst.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "out.txt"]


def test_cli_unreadable_stream_source_is_one_line(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scrub", "--stream", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert str(tmp_path) in err
    assert "Traceback" not in err


# ----------------------------------------------------------------------------- memory

CHILD = textwrap.dedent("""
    import resource, sys
    from benchmarks.corpus import corpus_bytes
    from scrubber import Scrubber
    from scrubber.stream import scrub_stream

    class Repeat:  # a deterministic source generated on the fly: no file, no whole text
        def __init__(self, text, total):
            self.text, self.left, self.pos = text, total, 0
        def read(self, n):
            n = min(n, self.left, len(self.text) - self.pos)
            piece = self.text[self.pos:self.pos + n]
            self.pos = (self.pos + n) % len(self.text)
            self.left -= n
            return piece

    class Discard:
        def write(self, text):
            return len(text)

    chars, chunk, options = int(sys.argv[1]), int(sys.argv[2]), eval(sys.argv[3])
    scrubber = Scrubber(key=b"memory-test-key-0123456789abcdef", **options)
    text = "".join(corpus_bytes(1, seed=7))
    stats = scrub_stream(scrubber, Repeat(text, chars), Discard(), chunk_chars=chunk,
                         overlap_chars=chunk // 16)
    assert stats.chars_in == chars and stats.findings > 0, stats
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
""")


def peak_mb(chars: int, chunk: int, options: str) -> float:
    """Peak RSS (MB) of a child process streaming ``chars`` characters."""
    done = subprocess.run([sys.executable, "-c", CHILD, str(chars), str(chunk), options],
                          capture_output=True, text=True, timeout=900, check=True,
                          cwd=Path(__file__).parents[1])
    return int(done.stdout.split()[-1]) / 1024  # ru_maxrss is in KB on Linux


def test_memory_is_flat_200mb_vs_20mb() -> None:
    """The stream machinery: 200 MB peaks no higher than 20 MB (+ noise); fast rules only."""
    options = "{'kinds': ('secret',), 'min_severity': 'critical', 'decode_depth': 0}"
    small = peak_mb(20_000_000, 1 << 20, options)
    large = peak_mb(200_000_000, 1 << 20, options)
    assert large <= small + 50, (small, large)


@pytest.mark.slow
def test_memory_is_flat_with_every_rule_and_decoded_views() -> None:
    """Every default rule and decoded views, in 256 Ki-character windows: 20 MB vs 2 MB."""
    small = peak_mb(2_000_000, 1 << 18, "{}")
    large = peak_mb(20_000_000, 1 << 18, "{}")
    assert large <= small + 50, (small, large)
