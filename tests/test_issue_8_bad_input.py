"""Regression for issue 8 (bad input): the CLI verbs on invalid UTF-8, binary, empty and
large inputs keep every byte outside findings; a malformed pack, an unknown policy key, an
unreadable input or an unwritable output gives one clear stderr line naming what and
where, a non-zero exit (``mail filter``: 75) and no partial output file."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from email import message_from_bytes
from email.policy import compat32
from pathlib import Path

import pytest

from scrubber.cli import main
from scrubber.fakes import expand

KEY = expand("{{crc32:ghp_}}", "bad-input")
MARKER = KEY[:8].encode() + b"[REDACTED:github-pat-classic]"
BAD_PACK = "schema: 1\npack: bad\nrules:\n  - id: [unclosed\n"
BAD_POLICY = "schema: 1\nkinds: [secret]\nfrobnicate: 1\n"
SLOW_PACK = ("schema: 1\npack: slow\nrules:\n  - id: slow-rule\n    kind: secret\n"
             "    entity: API_KEY\n    keywords: [value]\n    regex: 'value(?:(?:.|..)+)+Z'\n"
             "    examples: {match: ['valueabZ'], no_match: ['value']}\n")


Result = subprocess.CompletedProcess[bytes]


def run(args: list[str], cwd: Path, stdin: bytes = b"") -> Result:
    """The command in a child process (batch, mail filter: pools, signals, logging)."""
    env = {**os.environ, "SCRUBBER_KEY": "bad-input-test-key-0123456789"}
    env.pop("SCRUBBER_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "scrubber", *args], input=stdin, cwd=cwd,
                          env=env, capture_output=True, timeout=300)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
        ) -> Callable[[list[str], Path, bytes], Result]:
    """The command in this process (faster; an escaping exception fails the test);
    ``batch`` and ``mail`` in a child process (worker pools, signals, logging set-up)."""
    monkeypatch.setenv("SCRUBBER_KEY", "bad-input-test-key-0123456789")
    monkeypatch.delenv("SCRUBBER_DEBUG", raising=False)

    def call(args: list[str], cwd: Path, stdin: bytes = b"") -> Result:
        if args[0] in ("batch", "mail"):
            return run(args, cwd, stdin)
        monkeypatch.chdir(cwd)
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = main(args)
        out, err = capsysbinary.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    return call


Run = Callable[..., Result]


def one_line(p: subprocess.CompletedProcess[bytes], code: int = 2) -> str:
    """The single stderr line of a failed run (and no traceback, no stdout)."""
    err = p.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err
    assert p.returncode == code, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "ticket.txt").write_bytes(b"caf\xe9 \xff\xfe key " + KEY.encode() + b" \x00\n")
    (tmp_path / "bad.yaml").write_text(BAD_PACK)
    (tmp_path / "policy.yaml").write_text(BAD_POLICY)
    (tmp_path / "folder").mkdir()
    (tmp_path / "afile").write_text("not a folder\n")
    (tmp_path / "tickets.jsonl").write_text(json.dumps({"id": 1, "body": f"key {KEY}"}) + "\n")
    return tmp_path


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp"))


# ---------------------------------------------------------------- odd input, kept as is

def test_issue_8_invalid_utf8_bytes_survive_scrub_and_scan(work: Path, cli: Run) -> None:
    raw = (work / "ticket.txt").read_bytes()
    expected = raw.replace(KEY.encode(), MARKER)
    for args, stdin in ((["scrub", "ticket.txt"], b""), (["scrub"], raw),
                        (["scrub", "--stream", "ticket.txt"], b"")):
        p = cli(args, work, stdin)
        assert (p.returncode, p.stdout, p.stderr) == (0, expected, b"")
    p = cli(["scrub", "-o", "out", "ticket.txt"], work)
    assert p.returncode == 0
    assert (work / "out" / "ticket.txt").read_bytes() == expected
    p = cli(["scan", "--format", "jsonl", "ticket.txt"], work)
    assert p.returncode == 1
    assert json.loads(p.stdout)["rule_id"] == "github-pat-classic"


def test_issue_8_binary_file_bytes_survive(work: Path, cli: Run) -> None:
    blob = bytes(range(256)) * 8 + b"\x00\x00 " + KEY.encode() + b" \x00" + os.urandom(4096)
    (work / "blob.bin").write_bytes(blob)
    p = cli(["scrub", "blob.bin"], work)
    assert p.returncode == 0, p.stderr
    assert p.stdout == blob.replace(KEY.encode(), MARKER)
    assert cli(["scan", "blob.bin"], work).returncode == 1


def test_issue_8_empty_input(work: Path, cli: Run) -> None:
    (work / "empty.txt").write_bytes(b"")
    for args in (["scrub", "empty.txt"], ["scrub"], ["scan", "empty.txt"]):
        p = cli(args, work)
        assert (p.returncode, p.stdout, p.stderr) == (0, b"", b""), args
    p = cli(["scan", "--format", "json", "empty.txt"], work)
    assert p.returncode == 0
    assert json.loads(p.stdout) == []


def test_issue_8_large_input_streams_every_byte(work: Path, cli: Run) -> None:
    """16 MB (over the 8 MiB streaming threshold): keys at the start, near a window edge
    and at the end are removed; every other byte, invalid ones included, is kept."""
    line = b"The build finished at step 12 of 40 and the report went to the lead.\n"
    body = line * (16_000_000 // len(line))
    planted = (KEY.encode() + b"\n" + body[:1 << 20] + b"\xff key " + KEY.encode() + b"\n"
               + body + b"end " + KEY.encode() + b" \xfe")
    (work / "big.txt").write_bytes(planted)
    p = cli(["scrub", "-o", "out", "big.txt"], work)
    assert p.returncode == 0
    assert p.stderr == b""
    assert (work / "out" / "big.txt").read_bytes() == planted.replace(KEY.encode(), MARKER)
    assert _leftovers(work) == []


# ----------------------------------------------------------------- malformed configuration

@pytest.mark.parametrize("verb", [["scrub", "ticket.txt"], ["scan", "ticket.txt"],
                                  ["batch", "tickets.jsonl", "--dry-run"]])
def test_issue_8_malformed_yaml_pack(verb: list[str], work: Path, cli: Run) -> None:
    line = one_line(cli([*verb, "--rules", "bad.yaml"], work))
    assert line.startswith(f"{work / 'bad.yaml'}:5:1: invalid YAML") or \
        line.startswith("bad.yaml:5:1: invalid YAML"), line


def test_issue_8_malformed_yaml_pack_in_rules_check(work: Path, cli: Run) -> None:
    assert "bad.yaml:5:1: invalid YAML" in one_line(cli(["rules", "check", "bad.yaml"], work))


@pytest.mark.parametrize("verb", [["scrub", "ticket.txt"], ["scan", "ticket.txt"],
                                  ["batch", "tickets.jsonl", "--dry-run"]])
def test_issue_8_unknown_policy_key(verb: list[str], work: Path, cli: Run) -> None:
    line = one_line(cli([*verb, "--policy", "policy.yaml"], work))
    assert "policy.yaml:3:1: unknown top-level key 'frobnicate'" in line


# ------------------------------------------------------------------ unreadable inputs

@pytest.mark.parametrize(("args", "what"), [
    (["scrub", "folder"], "cannot read folder: Is a directory"),
    (["scan", "folder"], "cannot read folder: Is a directory"),
    (["scrub", "missing.txt"], "cannot read missing.txt: No such file"),
    (["scan", "--ignore-file", "folder", "ticket.txt"], "cannot read folder"),
    (["scrub", "--rules", "missing.yaml", "ticket.txt"], "missing.yaml"),
    (["rules", "check", "missing.yaml"], "missing.yaml"),
    (["batch", "missing.jsonl", "--dry-run"], "cannot read missing.jsonl"),
])
def test_issue_8_unreadable_input(args: list[str], what: str, work: Path, cli: Run) -> None:
    assert what in one_line(cli(args, work))


def test_issue_8_batch_input_not_utf8(work: Path, cli: Run) -> None:
    (work / "latin.csv").write_bytes(b"id,body\n1,caf\xe9 " + KEY.encode() + b"\n")
    line = one_line(cli(["batch", "latin.csv", "-o", "out"], work))
    assert "cannot read latin.csv: not UTF-8" in line
    assert not (work / "out" / "latin.csv").exists()


def test_issue_8_batch_binary_records_fail_and_are_never_written(work: Path, cli: Run) -> None:
    (work / "blob.jsonl").write_bytes(b'{"id": 1, "body": "ok ' + KEY.encode() + b'"}\n'
                                      + os.urandom(2048).replace(b"\n", b"") + b"\n")
    p = cli(["batch", "blob.jsonl", "-o", "out", "--report", "report"], work)
    assert "1 failed" in one_line(p, code=1)
    out = (work / "out" / "blob.jsonl").read_bytes()
    assert KEY.encode() not in out
    assert out.count(b"\n") == 1
    assert len((work / "report" / "failed.jsonl").read_text().splitlines()) == 1


# ------------------------------------------------------------------ unwritable outputs

@pytest.mark.parametrize(("args", "what"), [
    (["scrub", "-o", "afile", "ticket.txt"], "cannot write into afile: not a folder"),
    (["scrub", "-o", "afile/sub", "ticket.txt"], "cannot create folder afile/sub"),
    (["scrub", "--stream", "-o", "afile", "ticket.txt"], "afile"),
    (["batch", "tickets.jsonl", "-o", "afile"], "afile"),
    (["batch", "tickets.jsonl", "-o", "out", "--report", "afile"], "afile"),
])
def test_issue_8_unwritable_output(args: list[str], what: str, work: Path, cli: Run) -> None:
    assert what in one_line(cli(args, work))
    assert (work / "afile").read_text() == "not a folder\n"
    assert _leftovers(work) == []


def test_issue_8_failed_scrub_keeps_the_previous_output(work: Path, cli: Run) -> None:
    """A scan that fails half-way (a regex over its time budget) writes nothing."""
    (work / "slow.yaml").write_text(SLOW_PACK)
    (work / "fast.yaml").write_text("schema: 1\ntimeout: 0.2\n")
    # a real match later ("valueabZ") selects the rule for every backend
    (work / "slow.txt").write_text("value " + "x" * 40 + "\n" + KEY + "\nvalueabZ\n")
    (work / "out").mkdir()
    (work / "out" / "slow.txt").write_text("previous\n")
    for extra in ([], ["--stream"]):
        p = cli(["scrub", *extra, "--policy", "fast.yaml", "--rules", "slow.yaml", "-o", "out",
                 "slow.txt"], work)
        assert "slow.txt: rule 'slow-rule' exceeded its 0.2s regex time budget" in one_line(p)
        assert (work / "out" / "slow.txt").read_text() == "previous\n"
    assert _leftovers(work) == []


# ------------------------------------------------------------------ mail filter: exit 75

def _message(body: bytes) -> bytes:
    return b"From: a@example.com\r\nTo: b@example.com\r\nSubject: x\r\n\r\n" + body


@pytest.mark.parametrize(("args", "what"), [
    (["--rules", "bad.yaml"], "bad.yaml:5:1: invalid YAML"),
    (["--policy", "policy.yaml"], "unknown top-level key 'frobnicate'"),
    (["--rules", "missing.yaml"], "missing.yaml"),
    (["--events", "folder"], "--events folder"),
    (["--metrics", "missing/metrics.prom"], "--metrics missing/metrics.prom"),
    (["--state-dir", "afile"], "afile"),
])
def test_issue_8_mail_filter_bad_setup_defers(args: list[str], what: str, work: Path,
                                              cli: Run) -> None:
    p = cli(["mail", "filter", *args], work, _message(b"key " + KEY.encode() + b"\r\n"))
    assert what in one_line(p, code=75)
    assert p.stdout == b""


@pytest.mark.parametrize("raw", [b"", _message(b"caf\xe9 \xff\x00" + bytes(range(256)))])
def test_issue_8_mail_filter_odd_bytes_pass_unchanged(raw: bytes, work: Path, cli: Run) -> None:
    p = cli(["mail", "filter"], work, raw)
    assert (p.returncode, p.stdout, p.stderr) == (0, raw, b"")


def test_issue_8_mail_filter_scrubs_around_invalid_bytes(work: Path, cli: Run) -> None:
    raw = _message(b"caf\xe9 key " + KEY.encode() + b" \xff\r\n")
    p = cli(["mail", "filter"], work, raw)
    assert p.returncode == 0
    body = message_from_bytes(p.stdout, policy=compat32).get_payload(decode=True)
    assert body == b"caf\xe9 key " + MARKER + b" \xff\r\n"  # 8-bit body now in QP


def test_issue_8_mail_filter_oversize_message_defers(work: Path, cli: Run) -> None:
    p = cli(["mail", "filter", "--max-bytes", "1000"], work, _message(b"line\r\n" * 400))
    err = p.stderr.decode()
    assert p.returncode == 75
    assert p.stdout == b""
    assert "Traceback" not in err
    assert all(x.startswith("scrubber: ") for x in err.splitlines())
