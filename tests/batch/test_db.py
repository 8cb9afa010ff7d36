"""Tables in SQLite and a real PostgreSQL: dry run, apply, idempotence, optimistic updates."""

from __future__ import annotations

import collections
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from scrubber.batch import db as dbmod
from scrubber.batch.audit import FINDINGS
from scrubber.batch.partition import BatchConfig, scrub_partition
from scrubber.batch.runner import RunResult

from .data import planted, tickets

COLUMNS = ("subject", "body", "html")
_counter = iter(range(10**6))


def create_table(url: str, rows: list[dict[str, Any]]) -> str:
    """A new table ``tickets_N`` holding ``rows``; returns its name."""
    name = f"tickets_{next(_counter)}"
    ddl = f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, subject TEXT, body TEXT, html TEXT)"
    values = [(r["id"], r["subject"], r["body"], r["html"]) for r in rows]
    if url.startswith("sqlite"):
        with sqlite3.connect(url[len("sqlite:///"):]) as conn:
            conn.execute(ddl)
            conn.executemany(f"INSERT INTO {name} VALUES (?, ?, ?, ?)", values)
    else:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(ddl)
            with conn.cursor() as cur:
                cur.executemany(f"INSERT INTO {name} VALUES (%s, %s, %s, %s)", values)
    return name


def dump(url: str, table: str) -> list[tuple[Any, ...]]:
    sql = f"SELECT id, subject, body, html FROM {table} ORDER BY id"
    if url.startswith("sqlite"):
        with sqlite3.connect(url[len("sqlite:///"):]) as conn:
            return list(conn.execute(sql).fetchall())
    with psycopg.connect(url, autocommit=True) as conn:
        return list(conn.execute(sql).fetchall())


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "t.db"
        sqlite3.connect(path).close()
        yield f"sqlite:///{path}"
    else:
        yield request.getfixturevalue("postgres_url")


def run(url: str, table: str, cfg: BatchConfig, report: Path, **kw: Any) -> RunResult:
    return dbmod.run_table(dbmod.Table(url, table, "id", COLUMNS), cfg, report_dir=report,
                           batch=kw.pop("batch", 40), **kw)


def test_dry_run_writes_nothing_and_reports(url: str, cfg: BatchConfig, tmp_path: Path) -> None:
    rows = tickets(200)
    table = create_table(url, rows)
    before = dump(url, table)
    result = run(url, table, cfg, tmp_path / "r", jobs=1)
    assert dump(url, table) == before
    assert result.records == 200
    assert result.changed > 0
    assert result.summary["dry_run"] is True
    assert result.summary["findings"] > 0


def test_apply_scrubs_and_a_rerun_is_a_no_op(url: str, cfg: BatchConfig, tmp_path: Path) -> None:
    rows = tickets(300)
    table = create_table(url, rows)
    first = run(url, table, cfg, tmp_path / "r1", apply=True, jobs=2)
    after = dump(url, table)
    text = json.dumps(after)
    for value in planted(rows):
        assert value not in text
    assert first.changed == sum(1 for r in scrub_partition(rows, cfg).items if r.changed)
    again = run(url, table, cfg, tmp_path / "r2", apply=True, jobs=2)
    assert dump(url, table) == after
    assert again.changed == 0
    assert again.summary["findings"] == 0
    serial_table = create_table(url, rows)
    run(url, serial_table, cfg, tmp_path / "r3", apply=True, jobs=1)
    assert dump(url, serial_table) == after
    assert (tmp_path / "r3" / FINDINGS).read_text().replace(serial_table, table) == \
        (tmp_path / "r1" / FINDINGS).read_text()


def test_a_row_edited_after_it_was_read_is_not_overwritten(url: str, cfg: BatchConfig,
                                                           tmp_path: Path) -> None:
    rows = tickets(8)
    table = create_table(url, rows)
    t = dbmod.Table(url, table, "id", COLUMNS)
    db = dbmod.Db(url)
    try:
        taken: collections.deque[list[dict[str, Any]]] = collections.deque()
        page = next(dbmod._pages(db, t, None, 8, taken))
        part = dbmod.scrub_page(page, cfg, table)
        edited = "edited later: reach me at someone@kestrel.io"
        db.execute(f"UPDATE {table} SET body = ? WHERE id = 1", (edited,))
        report = dbmod.Report(tmp_path / "r", fresh=True)
        cp = dbmod.Checkpoint()
        dbmod._ensure_checkpoint_table(db)
        dbmod._commit_page(db, t, cfg, table, page, part, report, cp, True)
        report.close()
    finally:
        db.close()
    after = dump(url, table)
    assert after[0][2] == "edited later: reach me at <EMAIL_ADDRESS>"
    assert cp.conflicts == 1
    assert cp.last_key == 8
    assert after[1:] == [(r["id"], r["subject"], r["body"], r["html"])
                         for r in scrub_partition(rows[1:], cfg).records]
