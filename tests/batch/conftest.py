"""Fixtures for the batch tests: a fixed-key config, a real PostgreSQL, a Spark session."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import scrubber
from scrubber.batch.partition import BatchConfig

from ..conftest import TEST_KEY
from .data import SLOW_PACK


@pytest.fixture(scope="session")
def cfg(builtin_rules: scrubber.RuleSet) -> BatchConfig:
    return BatchConfig.build(scrubber.Scrubber(builtin_rules, key=TEST_KEY))


@pytest.fixture
def slow_cfg(tmp_path: Path) -> BatchConfig:
    pack = tmp_path / "slow.yaml"
    pack.write_text(SLOW_PACK, encoding="utf-8")
    rules = scrubber.load_rules(pack)
    return BatchConfig.build(scrubber.Scrubber(rules, key=TEST_KEY, timeout=0.05))


@pytest.fixture
def env() -> dict[str, str]:
    """Environment for CLI subprocesses: a fixed fingerprint key."""
    return {**os.environ, "SCRUBBER_KEY": TEST_KEY.decode(), "PYTHONPATH": str(ROOT)}


ROOT = Path(__file__).parents[2]


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1 and a free high port, from a temp data dir."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.fail("PostgreSQL server binaries not found: run .ci/setup-batch.sh")
    base = tempfile.mkdtemp(prefix="scrubber-pg-")
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        user = "postgres" if _has_user("postgres") else "nobody"
        shutil.chown(base, user)
        prefix = ["runuser", "-u", user, "--"]
    data, port = f"{base}/data", _free_port()
    subprocess.run([*prefix, initdb, "-D", data, "-U", "scrubber", "--auth=trust", "-E", "UTF8",
                    "--no-sync"], check=True, capture_output=True)
    opts = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={base} "
            "-c fsync=off -c full_page_writes=off")
    subprocess.run([*prefix, pg_ctl, "-D", data, "-l", f"{base}/log", "-w", "-t", "60", "-o",
                    opts, "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://scrubber@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", data, "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local[2] SparkSession for the whole test session (start-up is slow)."""
    if not shutil.which("java"):
        pytest.fail("Java not found: run .ci/setup-batch.sh")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("scrubber-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.memory", "1g").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
