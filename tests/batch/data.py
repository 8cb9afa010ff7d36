"""Generated tickets for the batch tests: fake credentials from scrubber.fakes, made-up PII."""

from __future__ import annotations

from typing import Any

from scrubber import fakes

SLOW_PACK = """\
schema: 1
pack: slowpack
description: A rule that always exceeds its time budget on a long run of a's.
defaults:
  kind: secret
  entity: SLOW
  severity: high
rules:
  - id: slow-rule
    description: Catastrophic backtracking on purpose (fail-closed tests).
    keywords: [zzslow]
    regex: '(?P<secret>zzslow(?:(?:a|a)+)+)b'
    examples:
      match: ['zzslowaab']
      no_match: ['zzslow b']
"""
#: text that makes the slow rule time out
SLOW_TEXT = "zzslow" + "a" * 30 + "! zzslowab"  # a real match later selects the rule


def secrets_for(i: int, seed: int = 0) -> tuple[str, str]:
    """A GitHub token and a Stripe key, both fake and deterministic."""
    gh = fakes.expand("{{crc32:ghp_}}", seed=f"batch|{seed}|{i}")
    stripe = fakes.expand("sk_live_{{alnum:24}}", seed=f"batch|{seed}|{i}")
    return gh, stripe


def ticket(i: int, seed: int = 0) -> dict[str, Any]:
    gh, stripe = secrets_for(i, seed)
    shape = i % 4
    if shape == 0:
        body = f"Hi team, our CI token {gh} leaked, mail me at user{i}@kestrel.io"
    elif shape == 1:
        body = f"Order {1000 + i} arrived damaged; request id req_{i:08d}. Thanks!"
    elif shape == 2:
        body = f"Stripe says invalid key {stripe}; call me on +44 20 7946 0958"
    else:
        body = f"Nothing to see, ticket {i} closed at 2024-05-0{1 + i % 9}T10:00:00Z."
    html = (f'<p>Key <b>{stripe[:10]}</b>{stripe[10:]} &amp; <a href="mailto:user{i}@kestrel.io">'
            f"me</a></p>" if i % 3 == 0 else f"<p>Plain reply {i} &amp; more</p>")
    return {"id": i + 1, "subject": f"Ticket {i}", "body": body, "html": html}


def tickets(n: int, seed: int = 0) -> list[dict[str, Any]]:
    return [ticket(i, seed) for i in range(n)]


def planted(records: list[dict[str, Any]], seed: int = 0) -> list[str]:
    """Every secret and e-mail value the generated tickets contain."""
    out = []
    for r in records:
        gh, stripe = secrets_for(int(r["id"]) - 1, seed)
        out += [gh, stripe, f"user{int(r['id']) - 1}@kestrel.io"]
    return out
