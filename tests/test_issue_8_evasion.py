"""Regression for issue 8 (evasion): keys and personal data hidden by invisible characters,
HTML tags and entities, line wraps, quoted-printable soft breaks, mail quoting, homoglyphs,
URL encoding or base64 (and pairs of these) are still removed.

Each case hides a value in a ticket, scrubs it, undoes the same hiding on the output and
checks that no 8-character window of the value's hidden part (what follows the kept prefix)
can be read back. Cases the engine misses are expected failures listed in docs/security.md.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import html
import re
import unicodedata
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import compat32

import pytest

import scrubber
from scrubber.fakes import expand
from scrubber.mail import MailPolicy, scrub_message

SEED = "evasion"
PEM_BODY = expand("{{b64:64}}\n{{b64:64#2}}\n{{b64:40}}==", SEED)
PEM_HEAD = "-----BEGIN RSA PRIVATE KEY-----"


@dataclass(frozen=True)
class Secret:
    """A value planted in a ticket and the part of it that must not survive."""

    name: str
    value: str
    hidden: str


def _keyed(name: str, template: str, keep: int) -> Secret:
    value = expand(template, SEED)
    return Secret(name, value, value[keep:])


SECRETS = (
    _keyed("github", "{{crc32:ghp_}}", 8),
    _keyed("openai", "sk-proj-{{b64url:74}}T3BlbkFJ{{b64url:74#2}}", 12),
    _keyed("aws", "AKIA{{base32:16}}", 8),
    _keyed("slack", "xoxb-{{digits:13}}-{{digits:13#2}}-{{alnum:24}}", 9),
    _keyed("stripe", "sk_live_{{alnum:24}}", 12),
    _keyed("gitlab", "glpat-{{b64url:20}}", 10),
    Secret("pem", f"{PEM_HEAD}\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----", PEM_BODY),
    _keyed("jwt", "{{jwt}}", 7),
    _keyed("email", "jane.doe@kestrel-analytics.co", 0),
    _keyed("card", "{{card:4}}", 0),
    _keyed("iban", "{{iban:DE}}", 0),
    _keyed("phone", "+44 20 7946 0958", 0),
)
BY_NAME = {s.name: s for s in SECRETS}

# ------------------------------------------------------------------ hiding and undoing

#: look-alikes an attacker would use; the test's own table, independent of the engine's
LOOKALIKES = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441",
              "x": "\u0445", "y": "\u0443", "i": "\u0456", "s": "\u0455", "j": "\u0458",
              "A": "\u0391", "B": "\u0392", "E": "\u0395", "K": "\u039a", "M": "\u039c",
              "H": "\u0397", "O": "\u039f", "P": "\u03a1", "T": "\u03a4", "X": "\u03a7"}
UNLOOK = str.maketrans({v: k for k, v in LOOKALIKES.items()})
INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{8,}")


def _every(value: str, step: int, glue: str) -> str:
    """``glue`` between every ``step`` characters of each line of ``value``."""
    return "\n".join(glue.join(line[i:i + step] for i in range(0, len(line), step))
                     for line in value.split("\n"))


def _span_split(value: str) -> str:
    third = max(1, len(value) // 3)
    parts = (value[:third], value[third:2 * third], value[2 * third:])
    return "".join(f'<span class="c{i}">{p}</span>' for i, p in enumerate(parts))


def _some_entities(value: str) -> str:
    return "".join(f"&#x{ord(c):x};" if i % 3 == 0 and c != "\n" else c
                   for i, c in enumerate(value))


def _fold(width: int, quote: str = "") -> Callable[[str], str]:
    """Hard-wrap a paragraph holding the value at ``width`` columns (``fold -w``)."""

    def fold(value: str) -> str:
        words = "please rotate this key now, it was pasted in the team chat yesterday " * 4
        flat, step = value.replace("\n", " "), width - len(quote)
        lead = 2 * step - min(len(flat) // 2, step - 2)  # the value crosses a line end
        line = words[:lead - 1] + " " + flat + " " + words
        return "\n".join(quote + line[i:i + step] for i in range(0, len(line), step))

    return fold


def _break_once(column: int) -> Callable[[str], str]:
    """One line break inside the value, on a line of ``column`` characters."""

    def hide(value: str) -> str:
        flat = value.replace("\n", " ")
        cut = min(len(flat) // 2, column - 9)
        return "my key: ".rjust(column - cut) + flat[:cut] + "\n" + flat[cut:] + " thanks"

    return hide


def _qp(value: str) -> str:
    """Quoted-printable soft breaks every 10 characters (``=`` itself encoded)."""
    return "\n".join("=\r\n".join(line[i:i + 10].replace("=", "=3D")
                                   for i in range(0, len(line), 10))
                      for line in value.split("\n"))


def _unqp(text: str) -> str:
    return re.sub(r"=\r?\n", "", text).replace("=3D", "=")


def _homoglyph_prefix(value: str) -> str:
    head = [LOOKALIKES.get(c, c) for c in value[:12]]
    return "".join(head) + value[12:]


def _homoglyph_body(value: str) -> str:
    return value[:12] + "".join(LOOKALIKES.get(c, c) if i % 2 else c
                                for i, c in enumerate(value[12:]))


def _fullwidth(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


def _url(value: str) -> str:
    return "https://kestrel.dev/cb?t=" + "".join(f"%{b:02X}" for b in value.encode())


def _b64(value: str) -> str:
    return "blob " + base64.b64encode(f"token={value}\n".encode()).decode()


def _unwrap(text: str) -> str:
    return re.sub(r"\r?\n(?:> ?)*", "", text)


def _unfull(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", c) if "\uff01" <= c <= "\uff5e" else c
                   for c in text)


def _unbase64(text: str) -> str:
    """Every base64 run in ``text`` decoded at every alignment (what a reader could try)."""
    out = [text]
    for run in B64_RUN.findall(text):
        for skip in range(4):
            body = run[skip:]
            body = body[:-1] if len(body) % 4 == 1 else body + "=" * (-len(body) % 4)
            for decode in (base64.b64decode, base64.urlsafe_b64decode):
                with contextlib.suppress(binascii.Error, ValueError):
                    out.append(decode(body).decode("latin-1"))
    return "\n".join(out)


@dataclass(frozen=True)
class Hiding:
    """A way to hide a value, and the reader's way to undo it on any text."""

    hide: Callable[[str], str]
    undo: Callable[[str], str]


def _strip(pattern: str) -> Callable[[str], str]:
    compiled = re.compile(pattern)
    return lambda text: compiled.sub("", text)


def _zw(char: str) -> Hiding:
    return Hiding(lambda v: _every(v, 4, char), _strip(INVISIBLE.pattern))


HIDINGS = {
    "zero-width space": _zw("\u200b"),
    "zero-width non-joiner": _zw("\u200c"),
    "zero-width joiner": _zw("\u200d"),
    "word joiner": _zw("\u2060"),
    "byte order mark": _zw("\ufeff"),
    "soft hyphen": Hiding(lambda v: _every(v, 6, "\u00ad"), _strip("\u00ad")),
    "empty html tags": Hiding(lambda v: f"<p>key {_every(v, 6, '<b></b>')}</p>",
                              _strip(r"<[^<>]*>")),
    "html span split": Hiding(lambda v: f"<p>key {_span_split(v)}</p>", _strip(r"<[^<>]*>")),
    "html entities": Hiding(lambda v: f"<p>key {_some_entities(v)}</p>", html.unescape),
    "wrap at 20": Hiding(_fold(20), _unwrap),
    "wrap at 40": Hiding(_fold(40), _unwrap),
    "wrap at 64": Hiding(_fold(64), _unwrap),
    "wrap at 76": Hiding(_fold(76), _unwrap),
    "wrap at 100": Hiding(_fold(100), _unwrap),
    "one break at column 40": Hiding(_break_once(40), _unwrap),
    "one break at column 100": Hiding(_break_once(100), _unwrap),
    "quoted-printable soft breaks": Hiding(_qp, _unqp),
    "quoted wrap": Hiding(_fold(72, "> "), _unwrap),
    "twice-quoted wrap": Hiding(_fold(72, "> > "), _unwrap),
    "homoglyphs in prefix": Hiding(_homoglyph_prefix, lambda t: t.translate(UNLOOK)),
    "homoglyphs in body": Hiding(_homoglyph_body, lambda t: t.translate(UNLOOK)),
    "fullwidth": Hiding(_fullwidth, _unfull),
    "url encoding": Hiding(_url, urllib.parse.unquote),
    "base64": Hiding(_b64, _unbase64),
}
COMBOS = (
    ("zero-width space", "homoglyphs in body"),
    ("soft hyphen", "wrap at 76"),
    ("html entities", "empty html tags"),
    ("homoglyphs in prefix", "quoted wrap"),
    ("fullwidth", "zero-width joiner"),
    ("quoted-printable soft breaks", "zero-width space"),
    ("url encoding", "base64"),
    ("html entities", "base64"),
)


def _combo(first: str, second: str) -> Hiding:
    a, b = HIDINGS[first], HIDINGS[second]
    return Hiding(lambda v: b.hide(a.hide(v)), lambda t: a.undo(b.undo(t)))


ALL_HIDINGS = {**HIDINGS, **{f"{a} + {b}": _combo(a, b) for a, b in COMBOS}}

#: (hiding, secret) pairs the engine does not undo; each is listed in docs/security.md
ONE_BREAK = ("a value broken once by a line break, on a line that is neither of mail "
             "wrap width (60-80 columns) nor as long as its neighbour, looks like two words")
KNOWN_GAPS = {(f"one break at column {c}", s.name): ONE_BREAK
              for c in (40, 100) for s in SECRETS if s.name != "pem"}


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _windows(hidden: str, size: int = 8) -> set[str]:
    tail = _squeeze(hidden)
    return {tail[i:i + size] for i in range(max(1, len(tail) - size + 1))}


def _recoverable(secret: Secret, hiding: Hiding, output: str) -> list[str]:
    readable = _squeeze(hiding.undo(output))
    return sorted(w for w in _windows(secret.hidden) if w in readable)


def _cases() -> list[object]:
    out = []
    for how, hiding in ALL_HIDINGS.items():
        for secret in SECRETS:
            if hiding.hide(secret.value) == secret.value:
                continue  # nothing to hide (no look-alike letters in a phone number)
            marks = []
            if (how, secret.name) in KNOWN_GAPS:
                marks.append(pytest.mark.xfail(strict=True, reason="known gap: "
                                               + KNOWN_GAPS[how, secret.name]))
            out.append(pytest.param(how, secret.name, marks=marks, id=f"{how}-{secret.name}"))
    return out


def _ticket(hidden_text: str) -> str:
    return f"Hello support,\n\nhere is what I pasted:\n{hidden_text}\n\nThanks, Sam\n"


@pytest.mark.parametrize(("how", "name"), _cases())
def test_issue_8_hidden_value_is_removed(how: str, name: str,
                                         default: scrubber.Scrubber) -> None:
    secret, hiding = BY_NAME[name], ALL_HIDINGS[how]
    text = _ticket(hiding.hide(secret.value))
    assert _recoverable(secret, hiding, text), "the hiding must leave the value readable"
    out = default.scrub(text).text
    assert _recoverable(secret, hiding, out) == []


@pytest.mark.parametrize("name", [s.name for s in SECRETS])
def test_issue_8_undo_functions_read_the_plain_value(name: str) -> None:
    """The check above can fail: without scrubbing, every hiding is undone to the value."""
    secret = BY_NAME[name]
    for how, hiding in ALL_HIDINGS.items():
        assert _windows(secret.hidden) <= set(_all_windows(hiding.undo(hiding.hide(
            secret.value)))), how


def _all_windows(text: str) -> list[str]:
    flat = _squeeze(text)
    return [flat[i:i + 8] for i in range(len(flat) - 7)]


def _qp_message(body: str) -> bytes:
    return ("From: Sam <sam@example.com>\r\nTo: support@example.com\r\nSubject: key\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + body).encode()


@pytest.mark.parametrize("name", [s.name for s in SECRETS if s.name not in ("pem", "phone")])
def test_issue_8_qp_soft_breaks_in_a_mail_part(name: str, default: scrubber.Scrubber) -> None:
    secret = BY_NAME[name]
    body = "Hi,\r\nmy key is " + _qp(secret.value) + "\r\nthanks\r\n"
    out, _ = scrub_message(_qp_message(body), MailPolicy(default))
    [part] = [p for p in message_from_bytes(out, policy=compat32).walk()
              if not p.is_multipart()]
    decoded = part.get_payload(decode=True)
    assert isinstance(decoded, bytes)
    readable = _squeeze(decoded.decode("utf-8") + _unqp(out.decode("utf-8")))
    assert not [w for w in _windows(secret.hidden) if w in readable]
