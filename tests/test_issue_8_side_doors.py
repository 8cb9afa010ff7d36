"""Regression for issue 8 (no side doors): run the CLI verbs, the pipe filter and the batch
runner with debug logging over text full of known secrets, and check that no secret (nor any
8-character window of its hidden part) shows in stdout, stderr, reports, logs or files left
behind in the working and temp directories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scrubber.fakes import expand

SECRETS = {  # value -> characters that may legitimately be kept (the identifying prefix)
    expand("{{crc32:ghp_}}", "side-door"): 8,
    expand("sk-proj-{{b64url:74}}T3BlbkFJ{{b64url:74#2}}", "side-door"): 12,
    expand("sk_live_{{alnum:24}}", "side-door"): 12,
    expand("AKIA{{base32:16}}", "side-door"): 8,
    "jane.doe@kestrel-analytics.co": 0,
}
TICKET = "Hi,\n" + "\n".join(f"value {i}: {s}" for i, s in enumerate(SECRETS)) + "\nThanks\n"


def _windows(value: str, keep: int) -> set[str]:
    tail = value[keep:]
    return {tail[i:i + 8] for i in range(max(1, len(tail) - 7))}


def _leaks(blob: str) -> list[str]:
    return [v[:4] + "…" for v, k in SECRETS.items() if any(w in blob for w in _windows(v, k))]


def _run(args: list[str], cwd: Path, env: dict[str, str], stdin: bytes) -> str:
    p = subprocess.run([sys.executable, "-m", "scrubber", *args], input=stdin, cwd=cwd, env=env,
                       capture_output=True, timeout=300)
    return (p.stdout + p.stderr).decode("utf-8", "replace")


def _files_text(root: Path) -> str:
    """Every file under ``root`` except the two inputs (outputs, reports, temp files)."""
    inputs = {root / "ticket.txt", root / "tickets.jsonl"}
    out = []
    for path in root.rglob("*"):
        if path.is_file() and path not in inputs:
            out.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(out)


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "SCRUBBER_DEBUG": "1",
           "SCRUBBER_KEY": "side-door-test-key-0123456789"}
    (tmp_path / "ticket.txt").write_text(TICKET)
    (tmp_path / "tickets.jsonl").write_text(json.dumps({"id": 1, "body": TICKET}) + "\n")
    return tmp_path, env


def test_issue_8_no_secret_through_cli_verbs(workspace: tuple[Path, dict[str, str]]) -> None:
    root, env = workspace
    outputs = [_run(["scrub", "ticket.txt"], root, env, b"")]
    outputs += [_run(["scan", "--format", fmt, "ticket.txt"], root, env, b"")
                for fmt in ("text", "json", "jsonl", "sarif")]
    outputs.append(_run(["scrub", "-o", "out", "ticket.txt"], root, env, b""))
    outputs.append(_run(["batch", "tickets.jsonl", "-o", "batch-out", "--report", "report",
                         "--jobs", "1"], root, env, b""))
    # header addresses route the mail and are kept by design; the body carries the secrets
    message = ("From: Jane <jane@example.com>\r\nTo: support@example.com\r\n"
               "Subject: keys\r\n\r\n" + TICKET.replace("\n", "\r\n")).encode()
    outputs.append(_run(["mail", "filter", "--log-level", "debug"], root, env, message))
    everything = "\n".join(outputs) + _files_text(root)
    # every run really scrubbed (a run that failed early would pass vacuously)
    assert all("[REDACTED:github-pat-classic]" in out for out in (outputs[0], outputs[-1]))
    assert "REDACTED" in (root / "out" / "ticket.txt").read_text()
    assert "REDACTED" in (root / "batch-out" / "tickets.jsonl").read_text()
    assert _leaks(everything) == []


def test_issue_8_no_secret_in_errors(workspace: tuple[Path, dict[str, str]]) -> None:
    root, env = workspace
    slow = root / "slow.yaml"
    slow.write_text("schema: 1\npack: slow\nrules:\n  - id: slow-rule\n    kind: secret\n"
                    "    entity: API_KEY\n    keywords: [value]\n"
                    "    regex: 'value(?:(?:.|..)+)+Z'\n"
                    "    examples: {match: ['valueabZ'], no_match: ['value']}\n")
    env = {**env, "SCRUBBER_DEBUG": ""}
    out = _run(["scan", "--rules", str(slow), "ticket.txt"], root, env, b"")
    assert _leaks(out + _files_text(root)) == []
