"""Scrubs columns of a SQLite or PostgreSQL table in place, safely and resumably.

* Dry run unless ``apply=True``: the report says what would change; nothing is written.
* Keyset pagination on a single-column key (``WHERE key > last ORDER BY key LIMIT n``).
* One transaction per page holds the page's updates *and* the run's checkpoint row in
  ``scrubber_checkpoint``; the audit rows are fsynced before it commits and their file
  lengths are part of the checkpoint, so a resumed run cuts off rows that never committed.
* ``UPDATE … WHERE key = ? AND col IS old`` for every column: a row edited since it was
  read is not overwritten; it is read again, scrubbed again and retried once.
* Scrubbed text never matches again, so rerunning changes nothing.
"""

from __future__ import annotations

import collections
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .audit import Report, finalize
from .partition import BatchConfig, Partition, Scrubbed, failure_row, scrub_partition
from .pool import default_jobs, ordered_map
from .progress import Progress
from .runner import RunResult

CHECKPOINT = "scrubber_checkpoint"
URL_SCHEMES = ("sqlite://", "postgres://", "postgresql://")


def is_db_url(text: str) -> bool:
    return text.startswith(URL_SCHEMES)


@dataclass(frozen=True)
class Table:
    """Which table, key column and text columns to scrub, at which connection URL."""

    url: str
    table: str
    key: str
    columns: tuple[str, ...]

    @property
    def run_id(self) -> str:
        return f"{self.table}|{self.key}|{','.join(self.columns)}"

    def __repr__(self) -> str:  # the URL may carry a password
        return f"Table({self.table!r}, key={self.key!r}, columns={self.columns!r})"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Db:
    """A thin connection wrapper hiding the SQLite / psycopg differences."""

    def __init__(self, url: str) -> None:
        self.pg = not url.startswith("sqlite://")
        if self.pg:
            import psycopg

            self.conn: Any = psycopg.connect(url, autocommit=True)
            self.ph, self.same = "%s", "IS NOT DISTINCT FROM"
        else:
            path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else url[9:]
            if not path or not Path(path).exists():
                raise ConfigError(f"SQLite database not found: {path or url}")
            self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.ph, self.same = "?", "IS"

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(sql.replace("?", self.ph), tuple(params)).fetchall())

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cur = self.conn.execute(sql.replace("?", self.ph), tuple(params))
        return int(cur.rowcount)

    def begin(self) -> None:
        self.conn.execute("BEGIN" if self.pg else "BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        self.conn.execute("ROLLBACK")

    def param(self, value: Any) -> Any:
        """A value ready to bind (JSON documents go to PostgreSQL as jsonb)."""
        if self.pg and isinstance(value, dict | list):
            from psycopg.types.json import Jsonb

            return Jsonb(value)
        return value

    def close(self) -> None:
        self.conn.close()


@dataclass
class Checkpoint:
    last_key: Any = None
    rows: int = 0
    changed: int = 0
    failed: int = 0
    conflicts: int = 0
    findings_bytes: int = 0
    failed_bytes: int = 0
    done: bool = False


def _ensure_checkpoint_table(db: Db) -> None:
    db.execute(f"CREATE TABLE IF NOT EXISTS {CHECKPOINT} (run_id TEXT PRIMARY KEY, "
               "last_key TEXT, rows_read BIGINT, rows_changed BIGINT, rows_failed BIGINT, "
               "conflicts BIGINT, findings_bytes BIGINT, failed_bytes BIGINT, done INTEGER)")


def _load(db: Db, run_id: str) -> Checkpoint | None:
    rows = db.query(f"SELECT last_key, rows_read, rows_changed, rows_failed, conflicts, "
                    f"findings_bytes, failed_bytes, done FROM {CHECKPOINT} WHERE run_id = ?",
                    (run_id,))
    if not rows:
        return None
    last, read, changed, failed, conflicts, fbytes, xbytes, done = rows[0]
    return Checkpoint(json.loads(last) if last is not None else None, int(read), int(changed),
                      int(failed), int(conflicts), int(fbytes), int(xbytes), bool(done))


def _save(db: Db, run_id: str, cp: Checkpoint) -> None:
    values = (run_id, None if cp.last_key is None else json.dumps(cp.last_key), cp.rows,
              cp.changed, cp.failed, cp.conflicts, cp.findings_bytes, cp.failed_bytes,
              int(cp.done))
    db.execute(f"INSERT INTO {CHECKPOINT} (run_id, last_key, rows_read, rows_changed, "
               "rows_failed, conflicts, findings_bytes, failed_bytes, done) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET "
               "last_key = excluded.last_key, rows_read = excluded.rows_read, "
               "rows_changed = excluded.rows_changed, rows_failed = excluded.rows_failed, "
               "conflicts = excluded.conflicts, findings_bytes = excluded.findings_bytes, "
               "failed_bytes = excluded.failed_bytes, done = excluded.done", values)


def _select(t: Table) -> str:
    cols = ", ".join(quote(c) for c in (t.key, *t.columns))
    return f"SELECT {cols} FROM {quote(t.table)}"


def _pages(db: Db, t: Table, last: Any, size: int, taken: collections.deque[list[dict[str, Any]]]
           ) -> Iterator[list[dict[str, Any]]]:
    names = (t.key, *t.columns)
    while True:
        where = "" if last is None else f" WHERE {quote(t.key)} > ?"
        sql = f"{_select(t)}{where} ORDER BY {quote(t.key)} LIMIT {int(size)}"
        rows = db.query(sql, () if last is None else (last,))
        if not rows:
            return
        page = [dict(zip(names, r, strict=True)) for r in rows]
        last = page[-1][t.key]
        taken.append(page)
        yield page


def scrub_page(page: list[dict[str, Any]], cfg: BatchConfig, source: str) -> Partition:
    """The pool task: the shared partition function over one page of rows."""
    return scrub_partition(page, cfg, source)


def _update(db: Db, t: Table, old: dict[str, Any], new: dict[str, Any]) -> bool:
    sets = ", ".join(f"{quote(c)} = ?" for c in t.columns)
    checks = " AND ".join(f"{quote(c)} {db.same} ?" for c in t.columns)
    sql = f"UPDATE {quote(t.table)} SET {sets} WHERE {quote(t.key)} = ? AND {checks}"
    params = [db.param(new[c]) for c in t.columns] + [old[t.key]]
    params += [db.param(old[c]) for c in t.columns]
    return db.execute(sql, params) == 1


class _Page:
    """Applies one scrubbed page inside the open transaction; collects its audit rows."""

    def __init__(self, db: Db, t: Table, cfg: BatchConfig, source: str) -> None:
        self.db, self.t, self.cfg, self.source = db, t, cfg, source
        self.audit: list[dict[str, Any]] = []
        self.failures: list[dict[str, Any]] = []
        self.changed = self.conflicts = 0

    def apply(self, rows: list[dict[str, Any]], part: Partition, write: bool) -> None:
        for old, item in zip(rows, part.items, strict=True):
            if item.error is not None:
                self.failures.append(failure_row(item))
            elif item.changed:
                self._one(old, item, write)

    def _one(self, old: dict[str, Any], item: Scrubbed, write: bool) -> None:
        if not write or _update(self.db, self.t, old, item.record):
            self.audit.extend(item.findings)
            self.changed += 1
            return
        self.conflicts += 1
        fresh = self.db.query(f"{_select(self.t)} WHERE {quote(self.t.key)} = ?",
                              (old[self.t.key],))
        if not fresh:
            return  # deleted since it was read: nothing left to scrub
        row = dict(zip((self.t.key, *self.t.columns), fresh[0], strict=True))
        again = scrub_partition([row], self.cfg, self.source).items[0]
        if again.error is not None:
            self.failures.append(failure_row(again))
        elif again.changed and not _update(self.db, self.t, row, again.record):
            self.failures.append({"source": self.source, "record": again.key, "field": "",
                                  "error": "conflict: row kept changing while being scrubbed"})
        elif again.changed:
            self.audit.extend(again.findings)
            self.changed += 1


def run_table(t: Table, cfg: BatchConfig, *, report_dir: str | Path, apply: bool = False,
              resume: bool = False, jobs: int | None = None, batch: int = 500,
              progress: Progress | None = None) -> RunResult:
    """Scrub ``t.columns`` of every row of ``t.table``; see the module docstring."""
    import dataclasses

    cfg = dataclasses.replace(cfg, key_field=t.key)
    db = Db(t.url)
    try:
        return _run(db, t, cfg, Path(report_dir), apply, resume, jobs or default_jobs(), batch,
                    progress)
    finally:
        db.close()


def _start(db: Db, t: Table, report_dir: Path, apply: bool, resume: bool
           ) -> tuple[Checkpoint, Report]:
    if not apply:
        return Checkpoint(), Report(report_dir, fresh=True)
    _ensure_checkpoint_table(db)
    cp = _load(db, t.run_id) if resume else None
    if cp is None:
        cp = Checkpoint()
        _save(db, t.run_id, cp)  # committed before the report is emptied
        return cp, Report(report_dir, fresh=True)
    report = Report(report_dir, fresh=False)
    report.truncate(cp.findings_bytes, cp.failed_bytes)
    return cp, report


def _run(db: Db, t: Table, cfg: BatchConfig, report_dir: Path, apply: bool, resume: bool,
         jobs: int, batch: int, progress: Progress | None) -> RunResult:
    cp, report = _start(db, t, report_dir, apply, resume)
    source = t.table
    result = RunResult(records=cp.rows, changed=cp.changed, failed=cp.failed,
                       conflicts=cp.conflicts)
    total = db.query(f"SELECT COUNT(*) FROM {quote(t.table)}")[0][0]
    prog = progress or Progress(0, total_records=int(total))
    prog.update(cp.rows, 0)
    taken: collections.deque[list[dict[str, Any]]] = collections.deque()
    try:
        pages = [] if cp.done else _pages(db, t, cp.last_key, batch, taken)
        for part in ordered_map(scrub_page, pages, jobs, cfg, source):
            rows = taken.popleft()
            _commit_page(db, t, cfg, source, rows, part, report, cp, apply)
            prog.update(len(rows), sum(len(str(v)) for r in rows for v in r.values()))
        cp.done = True
        if apply:
            _save(db, t.run_id, cp)
    finally:
        report.close()
        prog.close()
    result.records, result.changed, result.failed = cp.rows, cp.changed, cp.failed
    result.conflicts, result.seconds = cp.conflicts, prog.elapsed
    run = {"mode": "table", "table": t.table, "key": t.key, "columns": list(t.columns),
           "dry_run": not apply, "jobs": jobs, "engine": cfg.digest, **result.totals()}
    result.summary = finalize(report_dir, run)
    return result


def _commit_page(db: Db, t: Table, cfg: BatchConfig, source: str, rows: list[dict[str, Any]],
                 part: Partition, report: Report, cp: Checkpoint, apply: bool) -> None:
    page = _Page(db, t, cfg, source)
    if apply:
        db.begin()
    try:
        page.apply(rows, part, apply)
        report.write(page.audit, page.failures)
        cp.findings_bytes, cp.failed_bytes = report.sync()
        cp.last_key = rows[-1][t.key]
        cp.rows += len(rows)
        cp.changed += page.changed
        cp.failed += len(page.failures)
        cp.conflicts += page.conflicts
        if apply:
            _save(db, t.run_id, cp)
            db.commit()
    except BaseException:
        if apply:
            db.rollback()
        raise
