"""``scrubber batch``: exit codes 0 ok, 1 partial, 2 error; dry run by default for tables."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from scrubber.cli import main

from .data import SLOW_PACK, SLOW_TEXT, tickets


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrubber", "batch", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_files_exit_0_and_report(tmp_path: Path, env: dict[str, str]) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in tickets(30)))
    done = cli(str(src), "-o", str(tmp_path / "out"), "--report", str(tmp_path / "r"),
               "--jobs", "2", env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "a.jsonl").exists()
    assert "30 records" in done.stderr
    assert "\r" not in done.stderr


def test_a_record_that_cannot_be_scrubbed_gives_exit_1(tmp_path: Path, env: dict[str, str]
                                                       ) -> None:
    (tmp_path / "slow.yaml").write_text(SLOW_PACK)
    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps({"id": 1, "body": SLOW_TEXT}) + "\n")
    done = cli(str(src), "-o", str(tmp_path / "out"), "--report", str(tmp_path / "r"),
               "--rules", str(tmp_path / "slow.yaml"), "--no-builtin", env=env)
    assert done.returncode == 1, done.stderr
    assert (tmp_path / "out" / "a.jsonl").read_text() == ""
    assert SLOW_TEXT not in done.stderr + (tmp_path / "r" / "failed.jsonl").read_text()


@pytest.mark.parametrize("args", [
    ["missing.jsonl", "-o", "out"],
    ["a.jsonl"],                                   # files need -o or --dry-run
    ["sqlite:///t.db", "--table", "t"],            # --key and --columns missing
    ["a.jsonl", "-o", "out", "--apply"],
])
def test_usage_and_input_errors_give_exit_2(args: list[str], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.jsonl").write_text('{"id": 1}\n')
    assert main(["batch", *args]) == 2


def test_tables_are_a_dry_run_unless_apply(tmp_path: Path, env: dict[str, str]) -> None:
    db = tmp_path / "t.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
        conn.executemany("INSERT INTO t VALUES (?, ?)",
                         [(r["id"], r["body"]) for r in tickets(20)])
    base = [f"sqlite:///{db}", "--table", "t", "--key", "id", "--columns", "body",
            "--report", str(tmp_path / "r")]
    dry = cli(*base, env=env)
    assert dry.returncode == 0
    assert "would change" in dry.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT body FROM t WHERE id = 1").fetchone()[0] == \
            tickets(1)[0]["body"]
    applied = cli(*base, "--apply", env=env)
    assert applied.returncode == 0, applied.stderr
    with sqlite3.connect(db) as conn:
        assert "<EMAIL_ADDRESS>" in conn.execute("SELECT body FROM t WHERE id = 1").fetchone()[0]
