"""SIGKILL the runner at random points, resume each time: the end state equals one clean run."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scrubber.batch.audit import FINDINGS, SUMMARY

from .data import tickets
from .test_db import create_table, dump

KILLS = 10
ROWS = 1500


def command(url: str, table: str, report: Path) -> list[str]:
    return [sys.executable, "-m", "scrubber", "batch", url, "--table", table, "--key", "id",
            "--columns", "subject,body,html", "--apply", "--resume", "--jobs", "2",
            "--batch-size", "20", "--report", str(report)]


def launch(url: str, table: str, report: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command(url, table, report), env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def complete(url: str, table: str, report: Path, env: dict[str, str]) -> None:
    done = subprocess.run(command(url, table, report), env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "t.db"
        sqlite3.connect(path).close()
        return f"sqlite:///{path}"
    return str(request.getfixturevalue("postgres_url"))


def test_issue_6_sigkill_at_random_points_then_resume_equals_one_clean_run(
        url: str, env: dict[str, str], tmp_path: Path) -> None:
    rows = tickets(ROWS, seed=6)
    clean_table, table = create_table(url, rows), create_table(url, rows)
    t0 = time.monotonic()
    complete(url, clean_table, tmp_path / "clean", env)
    duration = time.monotonic() - t0
    rng = random.Random(os.environ.get("SCRUBBER_CRASH_SEED", "6"))
    kills = attempts = 0
    while kills < KILLS and attempts < 3 * KILLS:
        attempts += 1
        proc = launch(url, table, tmp_path / "run", env)
        time.sleep(rng.uniform(0.05, 0.35) * duration)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
    assert kills >= KILLS, f"only {kills} kills landed while the runner was working"
    complete(url, table, tmp_path / "run", env)
    assert dump(url, table) == dump(url, clean_table)
    got = (tmp_path / "run" / FINDINGS).read_text().replace(f'"{table}"', '"T"')
    want = (tmp_path / "clean" / FINDINGS).read_text().replace(f'"{clean_table}"', '"T"')
    assert got.splitlines() == want.splitlines(), "audit rows lost or doubled"
    summary = json.loads((tmp_path / "run" / SUMMARY).read_text())
    expected = json.loads((tmp_path / "clean" / SUMMARY).read_text())
    for name in ("records", "changed", "failed", "findings", "by_entity"):
        assert summary[name] == expected[name], name
