"""The reversible ``encrypt`` operator (AES-SIV labels) and ``scrubber.restore``."""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import scrubber
from scrubber import ruletest
from scrubber.model import ScrubResult
from scrubber.operators import LABEL_RE, REVERSIBLE_KEY_ENV, RestoreError, Sealer
from scrubber.packs import RuleSet

from .conftest import TEST_KEY

RKEY = "reversible-test-key-0123456789abcdef"
OTHER_KEY = "another-reversible-key-0123456789abcd"
EMAIL_OVERRIDE = ("schema: 1\npack: reversible\n"
                  "override: {email-address: {redact: {operator: encrypt}}}\n")


@pytest.fixture(scope="module")
def email_rules(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    path = tmp_path_factory.mktemp("packs") / "reversible.yaml"
    path.write_text(EMAIL_OVERRIDE, encoding="utf-8")
    return scrubber.load_rules(path)


@pytest.fixture(scope="module")
def sealing(email_rules: RuleSet) -> scrubber.Scrubber:
    return scrubber.Scrubber(email_rules, key=TEST_KEY, reversible_key=RKEY)


def _restored_view(text: str, result: ScrubResult) -> str:
    """``result.text`` with only the encrypted findings put back (what restore must give)."""
    out, last = [], 0
    for f in result.findings:
        keep = LABEL_RE.fullmatch(f.replacement) is not None
        out += (text[last:f.start], text[f.start:f.end] if keep else f.replacement)
        last = f.end
    out.append(text[last:])
    return "".join(out)


def _match_texts(rules: RuleSet) -> list[str]:
    return [case.text for rule in rules for case in ruletest.cases(rule) if case.kind == "match"]


def test_round_trip_on_every_builtin_example(email_rules: RuleSet,
                                             sealing: scrubber.Scrubber) -> None:
    encrypted = 0
    for text in _match_texts(email_rules):
        result = sealing.scrub(text)
        for f in result.findings:
            if f.entity == "EMAIL_ADDRESS":
                assert LABEL_RE.fullmatch(f.replacement), f.rule_id
                assert text[f.start:f.end] not in result.text
                encrypted += 1
        assert scrubber.restore(result.text, key=RKEY) == _restored_view(text, result)
        labels = [m.span() for m in LABEL_RE.finditer(result.text)]
        again = sealing.scrub(result.text).findings  # a label is never scrubbed again
        assert not [f for f in again for a, b in labels if f.start < b and a < f.end]
    assert encrypted >= 5


def test_round_trip_with_every_pii_rule_encrypted(write_pack: Callable[[str], Path],
                                                  builtin_rules: RuleSet) -> None:
    pii = [r.id for r in builtin_rules if r.kind == "pii"]
    body = "".join(f"  {rid}: {{redact: {{operator: encrypt}}}}\n" for rid in pii)
    rules = scrubber.load_rules(write_pack(f"schema: 1\npack: all-pii\noverride:\n{body}"))
    s = scrubber.Scrubber(rules, key=TEST_KEY, kinds=("pii",), reversible_key=RKEY)
    checked = 0
    for text in _match_texts(RuleSet(tuple(r for r in rules if r.kind == "pii"))):
        result = s.scrub(text)
        assert result.findings
        assert all(LABEL_RE.fullmatch(f.replacement) for f in result.findings)
        assert scrubber.restore(result.text, key=RKEY) == text
        checked += 1
    assert checked >= len(pii)


def test_labels_are_deterministic_across_documents_and_instances(
        email_rules: RuleSet, sealing: scrubber.Scrubber) -> None:
    text = "from jane.doe@kestrel.io, cc jane.doe@kestrel.io and ops@kestrel.io"
    labels = [f.replacement for f in sealing.scrub(text).findings]
    assert labels[0] == labels[1] != labels[2]
    again = scrubber.Scrubber(email_rules, key=b"a-different-fingerprint-key-0123",
                              reversible_key=RKEY.encode())
    assert [f.replacement for f in again.scrub(text).findings] == labels
    other = scrubber.Scrubber(email_rules, key=TEST_KEY, reversible_key=OTHER_KEY)
    assert next(f.replacement for f in other.scrub(text).findings) != labels[0]
    assert labels[0].startswith("<EMAIL_ADDRESS:enc:")


def test_wrong_key_names_every_label_position(sealing: scrubber.Scrubber) -> None:
    text = "line one\nwrite to jane.doe@kestrel.io\nand ops@kestrel.io too"
    scrubbed = sealing.scrub(text).text
    with pytest.raises(RestoreError) as info:
        scrubber.restore(scrubbed, key=OTHER_KEY)
    starts = [m.start() for m in LABEL_RE.finditer(scrubbed)]
    assert [p[0] for p in info.value.positions] == starts
    assert [p[1:] for p in info.value.positions] == [(2, 10), (3, 5)]
    assert "2:10" in str(info.value)
    assert "3:5" in str(info.value)
    assert "kestrel" not in str(info.value)


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-2] + ("A" if t[-2] != "A" else "B") + t[-1],  # flip one token character
    lambda t: t[:30] + t[31:],                                   # drop one character
    lambda t: t.replace("<EMAIL_ADDRESS:", "<PHONE_NUMBER:"),   # relabel the entity
    lambda t: t[:19] + t[19:].replace("A", "_").replace("a", "-"),  # garble base64url
], ids=["flip", "truncate", "relabel", "garble"])
def test_tampered_label_is_an_error_not_garbage(sealing: scrubber.Scrubber,
                                                tamper: Callable[[str], str]) -> None:
    label = sealing.scrub("jane.doe@kestrel.io").text
    bad = tamper(label)
    assert bad != label
    assert LABEL_RE.fullmatch(bad), "the tampered label must still look like one"
    with pytest.raises(RestoreError) as info:
        scrubber.restore(f"ok <EMAIL_ADDRESS> then {bad}", key=RKEY)
    assert info.value.positions == ((24, 1, 25),)


def test_missing_key_is_a_config_error_at_construction(email_rules: RuleSet,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REVERSIBLE_KEY_ENV, raising=False)
    with pytest.raises(scrubber.ConfigError, match="rule 'email-address' uses the 'encrypt'"):
        scrubber.Scrubber(email_rules, key=TEST_KEY)
    scrubber.Scrubber(scrubber.load_rules(), key=TEST_KEY)  # no encrypt rule: no key needed
    with pytest.raises(scrubber.ConfigError, match="reversible key"):
        scrubber.restore("<EMAIL_ADDRESS:enc:AAAAAAAAAAAAAAAAAAAAAAAA>")


def test_key_from_the_environment(email_rules: RuleSet, sealing: scrubber.Scrubber,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REVERSIBLE_KEY_ENV, RKEY)
    s = scrubber.Scrubber(email_rules, key=TEST_KEY)
    text = "jane.doe@kestrel.io"
    assert s.scrub(text).text == sealing.scrub(text).text
    assert scrubber.restore(s.scrub(text).text) == text


def test_bad_keys_are_rejected_without_echoing_them(email_rules: RuleSet) -> None:
    short = "short-secret-key"
    with pytest.raises(scrubber.ConfigError) as info:
        scrubber.Scrubber(email_rules, key=TEST_KEY, reversible_key=short)
    assert short not in str(info.value)
    with pytest.raises(scrubber.ConfigError, match="fingerprint key") as info:
        scrubber.Scrubber(email_rules, key=TEST_KEY, reversible_key=TEST_KEY)
    assert TEST_KEY.decode() not in str(info.value)


def test_key_never_in_repr_and_scrubber_pickles(sealing: scrubber.Scrubber) -> None:
    for shown in (repr(sealing), repr(sealing.policy), str(sealing.policy),
                  repr(Sealer.from_material(RKEY.encode()))):
        assert RKEY not in shown
        assert not re.search(r"reversible_key=|Sealer\(key=", shown)
    clone = pickle.loads(pickle.dumps(sealing))
    text = "mail jane.doe@kestrel.io"
    assert clone.scrub(text).text == sealing.scrub(text).text


def test_restore_leaves_other_text_alone() -> None:
    text = "no labels: <EMAIL_ADDRESS>, <PERSON_1>, <X:enc:short> and a:enc:b"
    assert scrubber.restore(text, key=RKEY) == text


def test_non_ascii_and_surrogate_values_round_trip() -> None:
    sealer = Sealer.from_material(RKEY.encode())
    for value in ("José Álvarez", "山田太郎", "bytes\udcff\udc80"):
        assert sealer.open("PERSON", sealer("PERSON", value)) == value
    with pytest.raises(ValueError, match="authentication"):
        sealer.open("EMAIL_ADDRESS", sealer("PERSON", "José"))
