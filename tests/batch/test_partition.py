"""The shared partition function: scrubbing, audit rows, fail-closed records, engine reuse."""

from __future__ import annotations

import json

import scrubber
from scrubber.batch.fields import FieldMap
from scrubber.batch.partition import (
    AUDIT_FIELDS,
    BatchConfig,
    engine_builds,
    engine_for,
    scrub_partition,
)

from .data import SLOW_TEXT, planted, tickets


def test_scrubs_every_planted_value_and_audit_never_holds_one(cfg: BatchConfig) -> None:
    records = tickets(40)
    part = scrub_partition(records, cfg, "src")
    out = json.dumps(part.records) + json.dumps(part.audit)
    for value in planted(records):
        if value in json.dumps(records):
            assert value not in out
    assert part.audit
    assert all(tuple(row) == AUDIT_FIELDS for row in part.audit)
    assert {row["record"] for row in part.audit} <= {str(r["id"]) for r in records}
    assert records == tickets(40), "input records must not be modified"


def test_engine_is_built_once_per_process_and_config(builtin_rules: scrubber.RuleSet) -> None:
    fresh = BatchConfig.build(scrubber.Scrubber(builtin_rules, key=b"another-key-0123456789"))
    before = engine_builds()
    for n in range(5):
        scrub_partition(tickets(20, seed=n), fresh)
    assert engine_builds() == before + 1
    assert engine_for(fresh) is engine_for(fresh)


def test_a_record_that_times_out_is_failed_never_passed_through(slow_cfg: BatchConfig) -> None:
    records = [{"id": 1, "body": "fine"}, {"id": 2, "body": SLOW_TEXT}, {"id": 3, "body": "ok"}]
    part = scrub_partition(records, slow_cfg, "src")
    assert [i.key for i in part.items] == ["1", "2", "3"]
    assert part.items[1].record is None
    assert [r["id"] for r in part.records] == [1, 3]
    (failure,) = part.failures
    assert failure == {"source": "src", "record": "2", "field": "body",
                       "error": "ScanTimeout:slow-rule"}


def test_scrubbing_twice_changes_nothing(cfg: BatchConfig) -> None:
    once = scrub_partition(tickets(40), cfg).records
    twice = scrub_partition(once, cfg)
    assert twice.records == once
    assert twice.audit == []


def test_field_map_only_and_exempt(cfg: BatchConfig) -> None:
    record = {"id": 1, "a": "mail jane@kestrel.io", "b": "mail jane@kestrel.io",
              "meta": {"created_at": "jane@kestrel.io", "note": "jane@kestrel.io"}}
    only = cfg.with_fields(FieldMap(only=("a", "meta")))
    out = scrub_partition([record], only).records[0]
    assert out["a"] == "mail <EMAIL_ADDRESS>"
    assert out["b"] == record["b"]
    assert out["meta"]["note"] == "<EMAIL_ADDRESS>"
    exempt = cfg.with_fields(FieldMap(exempt=("*_at", "b")))
    out = scrub_partition([record], exempt).records[0]
    assert out["b"] == record["b"]
    assert out["meta"]["created_at"] == "jane@kestrel.io"
    assert out["meta"]["note"] == "<EMAIL_ADDRESS>"


def test_record_key_field_is_never_scrubbed(cfg: BatchConfig) -> None:
    record = {"id": "jane@kestrel.io", "body": "jane@kestrel.io"}
    part = scrub_partition([record], cfg)
    assert part.records == [{"id": "jane@kestrel.io", "body": "<EMAIL_ADDRESS>"}]
    assert part.audit[0]["record"] == "jane@kestrel.io"


def test_config_repr_hides_the_engine_and_its_key(cfg: BatchConfig) -> None:
    assert "engine" not in repr(cfg)
    assert len(repr(cfg)) < 300
