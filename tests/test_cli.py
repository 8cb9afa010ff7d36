"""The CLI verbs: scrub, scan (formats and exit codes), rules list/check; one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scrubber.cli import main
from scrubber.fakes import expand

GH = expand("{{crc32:ghp_}}", "cli")
TICKET = f"Hi,\nmy token is {GH}\nreply to jane@kestrel.io\n"


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrubber", *args], input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_scrub_stdin_to_stdout() -> None:
    p = run("scrub", stdin=TICKET)
    assert p.returncode == 0, p.stderr
    assert p.stdout == f"Hi,\nmy token is {GH[:8]}[REDACTED:github-pat-classic]\n" \
        "reply to <EMAIL_ADDRESS>\n"


def test_scrub_files_in_place_and_output_dir(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(TICKET)
    b.write_text("nothing here\n")
    assert main(["scrub", "-o", str(tmp_path / "out"), str(a), str(b)]) == 0
    assert GH not in (tmp_path / "out" / "a.txt").read_text()
    assert (tmp_path / "out" / "b.txt").read_text() == "nothing here\n"
    assert main(["scrub", "--in-place", str(a)]) == 0
    assert GH not in a.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "sarif"])
def test_scan_formats_exit_1_and_never_print_secret(fmt: str, tmp_path: Path) -> None:
    f = tmp_path / "t.txt"
    f.write_text(TICKET)
    p = run("scan", "--format", fmt, str(f))
    assert p.returncode == 1, p.stderr
    assert GH[8:] not in p.stdout + p.stderr
    if fmt in ("json", "sarif"):
        data = json.loads(p.stdout)
        items = data if fmt == "json" else data["runs"][0]["results"]
        assert len(items) == 2
    if fmt == "jsonl":
        rows = [json.loads(line) for line in p.stdout.splitlines()]
        assert [r["line"] for r in rows] == [2, 3]
        assert rows[0]["prefix"] == GH[:8]


def test_scan_clean_exits_0(tmp_path: Path) -> None:
    f = tmp_path / "clean.txt"
    f.write_text("status 200, req_123\n")
    assert run("scan", str(f)).returncode == 0


def test_rules_list_and_check_builtins() -> None:
    p = run("rules", "list", "--format", "json")
    assert p.returncode == 0
    assert len(json.loads(p.stdout)) >= 46
    assert main(["rules", "check", "--no-builtin",
                 str(Path(__file__).parents[1] / "rules" / "pii" / "email.yaml")]) == 0


def test_rules_check_failing_example(tmp_path: Path) -> None:
    pack = tmp_path / "p.yaml"
    pack.write_text("schema: 1\npack: p\nrules:\n  - id: p-key\n    kind: secret\n"
                    "    entity: API_KEY\n    keywords: [pk_]\n    regex: 'pk_[a-z]{10}'\n"
                    "    examples: {match: ['pk_short'], no_match: ['pk_abcdefghij']}\n")
    p = run("rules", "check", str(pack))
    assert p.returncode == 1
    assert f"{pack}:9:24: rule 'p-key': match example 1: expected exactly one finding" \
        in p.stdout
    assert "no_match example 1: matched but should not" in p.stdout


def test_bad_pack_is_one_line_per_problem_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: 1\npack: bad\nrules:\n  - id: x\n    regex: '(unclosed'\n"
                   "    kynd: secret\n")
    p = run("scan", "--rules", str(bad), stdin="x")
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    assert f"{bad}:6:5: rule 'x': unknown field 'kynd' (did you mean 'kind'?)" in p.stderr
    assert f"{bad}:5:12: rule 'x': regex does not compile" in p.stderr


def test_missing_file_is_clear_error() -> None:
    p = run("scan", "/nonexistent/ticket.txt")
    assert p.returncode == 2
    assert p.stderr.startswith("scrubber: error: cannot read /nonexistent/ticket.txt")


def test_undecodable_bytes_pass_through_unchanged() -> None:
    raw = b"caf\xe9 \xff mail jane@kestrel.io\n"
    p = subprocess.run([sys.executable, "-m", "scrubber", "scrub"], input=raw,
                       capture_output=True, timeout=120)
    assert p.returncode == 0
    assert p.stdout == b"caf\xe9 \xff mail <EMAIL_ADDRESS>\n"


def test_usage_error_exit_2() -> None:
    assert run("frobnicate").returncode == 2
    assert run("scrub", "a", "b").returncode == 2


def test_issue_5_mail_filter_fails_closed_even_on_a_bad_command_line() -> None:
    p = subprocess.run([sys.executable, "-m", "scrubber", "mail", "filter", "--no-such-option"],
                       input=b"Subject: x\r\n\r\nbody\r\n", capture_output=True, timeout=120)
    assert p.returncode == 75


def test_issue_4_cli_name_option() -> None:
    p = run("scrub", "--name", "Ngozi Okafor", stdin="Thanks, NGOZI OKAFOR\n")
    assert p.returncode == 0
    assert p.stdout == "Thanks, <PERSON_1>\n"


def test_issue_7_core_verbs_do_not_import_the_front_ends() -> None:
    """``scrub``/``scan``/``rules`` start without loading the mail and batch code."""
    code = ("import sys, io; from scrubber.cli import main; sys.stdin = io.TextIOWrapper("
            "io.BytesIO(b'x')); main(['scrub']); "
            "print(sorted(m for m in sys.modules if m.startswith(('scrubber.mail', "
            "'scrubber.batch'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out.strip().endswith("[]")
