"""Regression tests for issue 2 (the engine core): the ticket from the issue's own example,
end to end through the library and the CLI, with the stable contract other tools rely on."""

from __future__ import annotations

import subprocess
import sys

import scrubber
from scrubber.fakes import expand

TICKET = expand(
    "Subject: bug: 401 on /v1/chat\n\nHi team,\n"
    "request_id req_{{alnum:24}} (X-Request-Id: 6f1c2a9e-3b7d-4e21-9c55-0d8e7a41b2f3) failed "
    "with 401 at 2026-11-27T10:02:11Z.\n"
    "My key starts with sk-proj-AbC1 and the masked one is sk-proj-AbC1****.\n"
    "Docs say YOUR_API_KEY; build 9fceb02d0ae598e95dc970b74767f19372d61af8; "
    "order 4111111111111112.\n"
    "Full key, sorry: sk-proj-{{b64url:74}}T3BlbkFJ{{b64url:74#2}}\n"
    "export GITHUB_TOKEN={{crc32:ghp_}}\n"
    "Reply to jane.doe@kestrel-analytics.co or support@example.com.\n",
    "issue-2",
)
KEEP = ["req_", "6f1c2a9e-3b7d-4e21-9c55-0d8e7a41b2f3", "2026-11-27T10:02:11Z",
        "sk-proj-AbC1 and", "sk-proj-AbC1****", "YOUR_API_KEY",
        "9fceb02d0ae598e95dc970b74767f19372d61af8", "4111111111111112", "support@example.com"]


def test_issue_2_scrub_contract() -> None:
    r = scrubber.scrub(TICKET)
    for keep in KEEP:
        assert keep in r.text
    assert "jane.doe@" not in r.text
    assert "[REDACTED:openai-project-key]" in r.text
    assert "[REDACTED:github-pat-classic]" in r.text
    for f in r.findings:
        assert f.entity
        assert f.rule_id in f.rule_ids
        assert 0 <= f.start < f.end <= len(TICKET)
        assert f.kind in ("secret", "pii")
        assert TICKET[f.start:f.end][len(f.prefix):] not in repr(f)
    assert scrubber.scrub(r.text).text == r.text


def test_issue_2_cli_matches_library() -> None:
    p = subprocess.run([sys.executable, "-m", "scrubber", "scrub"], input=TICKET,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0
    assert p.stdout == scrubber.scrub(TICKET).text
