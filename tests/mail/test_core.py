"""MailFilter: poison path, quarantine round trip, leaked-key events, metrics; limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scrubber.mail import Limits, MailPolicy, scrub_message
from scrubber.mail.core import MailFilter, TempFail
from scrubber.mail.events import JsonlEvents
from scrubber.mail.metrics import Metrics
from scrubber.mail.policy import LimitExceeded
from scrubber.mail.store import Attempts, Quarantine

from . import cases

QKEY = b"quarantine-test-key-0123456789ab"


def _filter(policy: MailPolicy, tmp_path: Path, **kw: object) -> MailFilter:
    return MailFilter(policy, Attempts(tmp_path / "a"), Quarantine(tmp_path / "q", QKEY),
                      JsonlEvents(tmp_path / "events.jsonl"), Metrics(tmp_path / "m.prom"),
                      **kw)  # type: ignore[arg-type]


def test_issue_5_leaked_key_events_carry_prefix_and_fingerprint_only(
        policy: MailPolicy, tmp_path: Path) -> None:
    mf = _filter(policy, tmp_path)
    out = mf.process(cases.c01_alternative())
    events = [json.loads(x) for x in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert len(events) == len(out.report.secrets) == 2
    text = (tmp_path / "events.jsonl").read_text()
    assert cases.STRIPE not in text
    assert cases.GH not in text
    assert {e["message_id"] for e in events} == {"<c01@example.test>"}
    assert all(len(e["fingerprint"]) == 16 and e["prefix"] for e in events)
    prom = (tmp_path / "m.prom").read_text()
    assert 'scrubber_mail_messages{outcome="delivered"} 1' in prom
    assert 'redactions{entity="GITHUB_TOKEN"} 1' in prom


class Boom(Exception):
    pass


def test_issue_5_poison_after_n_failures_withholds_and_quarantines(
        policy: MailPolicy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mf = _filter(policy, tmp_path, max_attempts=3)
    raw = cases.c01_alternative()

    def broken(*args: object) -> None:
        raise Boom(cases.STRIPE)  # an exception text carrying content must not leak

    monkeypatch.setattr("scrubber.mail.core.scrub_message", broken)
    for _ in range(3):
        with pytest.raises(TempFail) as err:
            mf.process(raw)
        assert cases.STRIPE not in str(err.value)
    out = mf.process(raw)
    assert out.withheld == "poison"
    assert cases.STRIPE.encode() not in out.data
    assert b"withheld" in out.data
    assert Quarantine(tmp_path / "q", QKEY).release(out.ref) == raw
    assert cases.STRIPE.encode() not in (tmp_path / "q" / f"{out.ref}.bin").read_bytes()


def test_issue_5_limits_take_the_poison_path_at_once(policy: MailPolicy, tmp_path: Path) -> None:
    small = MailPolicy(policy.scrubber, limits=Limits(max_depth=3))
    raw = cases.nested(10)
    with pytest.raises(LimitExceeded):
        scrub_message(raw, small)
    out = _filter(small, tmp_path).process(raw)
    assert out.withheld == "limit-depth"


def test_issue_5_quarantine_policy_for_encrypted(policy: MailPolicy, tmp_path: Path) -> None:
    strict = MailPolicy(policy.scrubber, encrypted="quarantine")
    out = _filter(strict, tmp_path).process(cases.c12_signed_encrypted())
    assert out.withheld == "encrypted"


def test_issue_5_no_quarantine_configured_defers(policy: MailPolicy) -> None:
    with pytest.raises(TempFail):
        MailFilter(policy).process(cases.nested(50))
