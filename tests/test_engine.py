"""The library API: scrub/scan contract, keep-prefix, what survives, idempotence, fail-closed."""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import scrubber
from scrubber.fakes import expand

from .conftest import TEST_KEY

GH = expand("{{crc32:ghp_}}", "engine")
OPENAI = expand("sk-proj-{{b64url:74}}T3BlbkFJ{{b64url:74#2}}", "engine")

SURVIVES = [
    "request_id req_8a7d6f5e4c3b2a1908f7e6d5 failed",
    "X-Request-Id: 6f1c2a9e-3b7d-4e21-9c55-0d8e7a41b2f3",
    "build 9fceb02d0ae598e95dc970b74767f19372d61af8",
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "my key starts with sk-proj-AbC1",
    "the dashboard shows sk-proj-AbC1****",
    "set OPENAI_API_KEY=YOUR_API_KEY and GITHUB_TOKEN=<token>",
    "order 4111111111111112 shipped",
    "at 2026-11-27T10:02:11Z status 401, version 2.31.0",
    "write to support@example.com, ops@docs.example or a@b.test",
    "img data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk",
]


def test_module_level_scrub_contract() -> None:
    r = scrubber.scrub(f"key {OPENAI} and mail jane@kestrel.io")
    assert r.text == "key sk-proj-" + OPENAI[8:12] + \
        "[REDACTED:openai-project-key] and mail <EMAIL_ADDRESS>"
    kinds = [(f.kind, f.entity, f.rule_id) for f in r.findings]
    assert kinds == [("secret", "OPENAI_API_KEY", "openai-project-key"),
                     ("pii", "EMAIL_ADDRESS", "email-address")]
    first = r.findings[0]
    assert (first.start, first.end) == (4, 4 + len(OPENAI))
    assert first.prefix == OPENAI[:12]
    assert len(first.fingerprint) == 16
    assert scrubber.scan("jane@kestrel.io")[0].entity == "EMAIL_ADDRESS"


@pytest.mark.parametrize("text", SURVIVES)
def test_survives_verbatim(text: str, default: scrubber.Scrubber) -> None:
    assert default.scrub(text).text == text


def test_vendor_prefix_kept_inside_a_generic_authorization_header(
        default: scrubber.Scrubber) -> None:
    key = expand("sk_live_{{alnum:24}}", "bearer")
    out = default.scrub(f'curl -H "Authorization: Bearer {key}" https://api.kestrel.dev').text
    assert out == (f'curl -H "Authorization: Bearer {key[:12]}[REDACTED:stripe-live-key]" '
                   "https://api.kestrel.dev")


def test_idempotent_and_markers_never_rematch(default: scrubber.Scrubber) -> None:
    once = default.scrub(f"t={GH} o={OPENAI} m=jane@kestrel.io").text
    assert default.scrub(once).text == once
    assert default.scan(once) == []


def test_a_loose_rule_never_rematches_a_kept_prefix(write_pack: Callable[[str], Path]) -> None:
    loose = write_pack("""
        schema: 1
        pack: loose
        rules:
          - id: loose-key
            kind: secret
            entity: API_KEY
            keywords: ['key=']
            regex: 'key=(?P<secret>[A-Za-z0-9_-]{8,})'
            redact: {operator: keep_prefix, chars: 2}
            examples: {match: ['key=abcdefgh12'], no_match: ['key=abc']}
        """)
    s = scrubber.Scrubber(scrubber.load_rules(loose), key=TEST_KEY)
    once = s.scrub(f"key={GH}").text
    assert once == f"key={GH[:8]}[REDACTED:github-pat-classic]"
    assert s.scrub(once).text == once


def test_repr_and_report_never_contain_the_secret(default: scrubber.Scrubber) -> None:
    r = default.scrub(f"token {GH}")
    assert GH[8:] not in repr(r.findings)
    assert GH[8:] not in repr(r)
    assert GH[8:] not in str(r.findings[0].to_dict())


def test_fingerprint_is_keyed() -> None:
    rules = scrubber.load_rules()
    a = scrubber.Scrubber(rules, key=TEST_KEY).scan(GH)[0].fingerprint
    b = scrubber.Scrubber(rules, key=b"another-key-of-32-bytes-length!!").scan(GH)[0].fingerprint
    assert a != b
    assert scrubber.Scrubber(rules, key=TEST_KEY).fingerprint(GH) == a
    with pytest.raises(scrubber.ConfigError, match="at least 16 bytes"):
        scrubber.Scrubber(rules, key=b"short")


def test_policy_kinds_and_marker(builtin_rules: scrubber.RuleSet) -> None:
    text = f"{GH} jane@kestrel.io"
    only_pii = scrubber.Scrubber(builtin_rules, kinds=("pii",)).scrub(text).text
    assert only_pii == f"{GH} <EMAIL_ADDRESS>"
    marked = scrubber.Scrubber(builtin_rules, marker="***").scrub(text).text
    assert marked == f"{GH[:8]}*** <EMAIL_ADDRESS>"
    with pytest.raises(scrubber.ConfigError):
        scrubber.Scrubber(builtin_rules, marker="{secret}")
    with pytest.raises(scrubber.ConfigError, match="kinds"):
        scrubber.Scrubber(builtin_rules, kinds=("passwords",))
    with pytest.raises(scrubber.ConfigError, match="unknown policy option"):
        scrubber.Scrubber(builtin_rules, colour="red")


def test_prefilter_off_gives_same_findings(builtin_rules: scrubber.RuleSet) -> None:
    text = f"a {GH} b {OPENAI} c jane@kestrel.io"
    on = scrubber.Scrubber(builtin_rules, key=TEST_KEY).scan(text)
    off = scrubber.Scrubber(builtin_rules, key=TEST_KEY, prefilter=False).scan(text)
    assert on == off
    assert len(on) == 3


def test_scrubber_pickles_and_keeps_its_key(default: scrubber.Scrubber) -> None:
    again = pickle.loads(pickle.dumps(default))
    assert again.scan(GH) == default.scan(GH)


def test_thread_safe(default: scrubber.Scrubber) -> None:
    texts = [f"user{i}@kestrel.io {expand('{{crc32:ghp_}}', str(i))}" for i in range(40)]
    expected = [default.scrub(t).text for t in texts]
    results: dict[int, str] = {}

    def work(i: int) -> None:
        for _ in range(20):
            results[i] = default.scrub(texts[i]).text

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i] for i in range(len(texts))] == expected


@pytest.mark.parametrize("backend", ["portable", "auto"])
def test_regex_timeout_fails_closed(write_pack: Callable[[str], Path], backend: str) -> None:
    pack = write_pack("""
        schema: 1
        pack: slow
        rules:
          - id: slow-rule
            kind: secret
            entity: API_KEY
            keywords: [slow]
            regex: 'slow(?:(?:a|aa)+)+b'
            examples: {match: ['slowab'], no_match: ['slow']}
        """)
    s = scrubber.Scrubber(scrubber.load_rules(pack, builtin=False), timeout=0.05,
                          backend=backend)
    with pytest.raises(scrubber.ScanTimeout) as info:  # a real match later selects the rule
        s.scrub("slow" + "a" * 5000 + "! slowab")
    assert "slow-rule" in str(info.value)
    assert "aaaa" not in str(info.value)


def test_non_str_input_is_type_error(default: scrubber.Scrubber) -> None:
    with pytest.raises(TypeError, match="text must be str"):
        default.scrub(b"bytes")  # type: ignore[arg-type]


def test_issue_4_honorific_left_after_a_name_is_not_a_name(default: scrubber.Scrubber) -> None:
    once = default.scrub("Dear Ms. Okafor,\nthanks for the quick reply").text
    assert once == "Dear Ms. <PERSON_1>,\nthanks for the quick reply"
    assert default.scrub(once).text == once


def test_issue_4_names_the_caller_passes_in(default: scrubber.Scrubber) -> None:
    text = "Ticket from Ngozi Okafor-Bell.\nngozi says the export fails; OKAFOR-BELL agrees."
    r = default.scrub(text, names=["Ngozi Okafor-Bell"])
    assert "gozi" not in r.text.lower()
    assert "okafor" not in r.text.lower()
    assert {f.rule_id for f in r.findings} == {"person-known-name"}
    assert r.text.startswith("Ticket from <PERSON_1>.")
    assert default.scrub(r.text, names=["Ngozi Okafor-Bell"]).text == r.text
    assert scrubber.scrub("no names here", names=["Zed"]).text == "no names here"


def test_names_are_ignored_when_pii_is_off(builtin_rules: scrubber.RuleSet) -> None:
    secrets_only = scrubber.Scrubber(builtin_rules, kinds=("secret",))
    assert secrets_only.scan("hello Ngozi", names=["Ngozi"]) == []
    with pytest.raises(TypeError, match="names must be strings"):
        scrubber.Scrubber(builtin_rules).scan("x", names=[b"Ngozi"])  # type: ignore[list-item]


def test_issue_3_a_marker_inside_a_url_is_never_rematched(default: scrubber.Scrubber) -> None:
    # the marker's own colon made "prefix[REDACTED" look like user:password in a URL
    pat = expand("{{lbase32:52}}", "marker-url")
    once = default.scrub(f"git clone https://{pat}@dev.azure.com/kestrel/app/_git/app").text
    assert "[REDACTED:azure-devops-legacy-pat]@dev.azure.com" in once
    assert default.scrub(once).text == once


def test_windows_before_labels_follow_the_redacted_text() -> None:
    from scrubber.engine import _before_labels
    s = scrubber.Scrubber(key=b"k" * 32, kinds=("pii",))
    text = "x" * 300 + " jane@kestrel.io and 203.0.113.9 end"
    result = s.scrub(text)
    labels = [result.text.index("<EMAIL_ADDRESS>"), result.text.index("<IP_ADDRESS>")]
    windows = _before_labels(result.findings, 160)
    assert windows == [(labels[0] - 160, labels[1] + 1)]  # close labels: one window
    assert _before_labels(result.findings, 5) == [(at - 5, at + 1) for at in labels]
