"""Decoded views: offsets map back to the original, and encoded keys are found and removed."""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st

import scrubber
from scrubber.decode import Limits, views
from scrubber.fakes import expand

from .conftest import TEST_KEY

KEY = expand("{{crc32:ghp_}}", "decode")
HIDDEN = KEY[8:]


def _entities(text: str) -> str:
    return "".join(f"&#{ord(c)};" for c in text)


ENCODINGS = {
    "url": lambda k: "https://kestrel.dev/cb?t=" + urllib.parse.quote(k, safe="").replace(
        "_", "%5F"),
    "html entities": lambda k: f"<p>{_entities(k[:8])}{k[8:]}</p>",
    "html hex entities": lambda k: "token: " + "".join(f"&#x{ord(c):x};" for c in k),
    "json unicode escapes": lambda k: json.dumps({"t": k}).replace("_", "\\u005f"),
    "js escapes": lambda k: "const t = '" + "".join(f"\\x{ord(c):02x}" for c in k) + "';",
    "base64": lambda k: "blob " + base64.b64encode(f"GITHUB_TOKEN={k}\n".encode()).decode(),
    "base64url": lambda k: base64.urlsafe_b64encode(f"token={k}&x=1".encode()).decode(),
    "soft wrap": lambda k: "x" * 50 + " token " + k[:17] + "\n" + k[17:] + " thanks",
    "quoted soft wrap": lambda k: "> " + "x" * 60 + " " + k[:11] + "\n> " + k[11:] + "\n",
    "zero-width characters": lambda k: "key " + "\u200b".join(k[i:i + 5]
                                                               for i in range(0, len(k), 5)),
    "soft hyphens": lambda k: f"key {k[:12]}\u00ad{k[12:24]}\u00ad{k[24:]}",
    "url in base64": lambda k: base64.b64encode(
        ("https://kestrel.dev/?t=" + k.replace("_", "%5F")).encode()).decode(),
}


@pytest.mark.parametrize("name", ENCODINGS)
def test_encoded_key_is_found_and_removed(name: str, default: scrubber.Scrubber) -> None:
    text = ENCODINGS[name](KEY)
    assert KEY not in text
    result = default.scrub(text)
    assert [f.rule_id for f in result.findings] == ["github-pat-classic"]
    assert HIDDEN not in result.text
    for window in (HIDDEN[i:i + 8] for i in range(0, len(HIDDEN) - 8, 4)):
        assert window not in result.text
    assert default.scrub(result.text).text == result.text


def test_decoding_can_be_turned_off(builtin_rules: scrubber.RuleSet) -> None:
    raw_only = scrubber.Scrubber(builtin_rules, key=TEST_KEY, decode_depth=0)
    assert raw_only.scan(ENCODINGS["url"](KEY)) == []
    with pytest.raises(scrubber.ConfigError, match="decode_depth"):
        scrubber.Scrubber(builtin_rules, decode_depth=9)


def test_prefix_kept_from_the_original_encoding(default: scrubber.Scrubber) -> None:
    out = default.scrub(ENCODINGS["url"](KEY)).text
    assert out == "https://kestrel.dev/cb?t=ghp%5F" + KEY[4:8] + "[REDACTED:github-pat-classic]"


@pytest.mark.parametrize("text", [
    "see https://kestrel.dev/search?q=a%20b%2Fc&lang=de", "&lt;div&gt; &amp; &quot;",
    '{"msg": "line\\nnext\\t\\u00e9"}', "sha256-" + base64.b64encode(bytes(range(32))).decode(),
    "aGVsbG8gd29ybGQsIHRoaXMgaXMganVzdCBwcm9zZQ==",
])
def test_clean_encoded_text_is_untouched(text: str, default: scrubber.Scrubber) -> None:
    assert default.scrub(text).text == text


@given(st.text(alphabet=st.sampled_from("ab%2F5&#;x\\un\n>=+/AZ09<\u0430\uff47 "), max_size=120))
def test_view_offsets_are_monotone_and_in_bounds(text: str) -> None:
    for view in views(text, Limits(depth=2)):
        assert len(view.starts) == len(view.text) + 1
        assert all(a <= b for a, b in zip(view.starts, view.starts[1:], strict=False))
        assert view.starts[-1] == len(text)
        assert all(0 <= s <= len(text) for s in view.starts)


def test_limits_bound_the_work() -> None:
    text = "%41" * 1000
    assert views(text, Limits(depth=2, max_chars=500)) == []
    blobs = " ".join(base64.b64encode(f"plain text number {i} is right here ok".encode()).decode()
                     for i in range(10))
    [view] = [v for v in views(blobs, Limits(depth=1, max_blobs=3)) if v.name == "base64"]
    assert len(view.changed) == 3


def _view(text: str, name: str) -> str:
    [view] = [v for v in views(text, Limits(depth=1)) if v.name == name]
    for i, c in enumerate(view.text):  # every character maps to its own source
        assert text[view.starts[i]] == c or name == "fold"
    return view.text


def test_issue_8_inline_tags_split_words_are_joined() -> None:
    text = f'<p>key {KEY[:6]}<b></b>{KEY[6:20]}</span><span class="x">{KEY[20:]}</p>'
    assert KEY in _view(text, "unwrap")
    assert views("a <password> b, x<3 y, <your-secret-access-key>", Limits(depth=1)) == []


def test_issue_8_qp_soft_breaks_and_fixed_width_wraps_are_joined() -> None:
    assert KEY in _view(f"key {KEY[:9]}=\r\n{KEY[9:30]}=\n{KEY[30:]}\n", "unwrap")
    folded = "see " + KEY + " then rotate it please and tell me when done, thanks"
    text = "\n".join(folded[i:i + 20] for i in range(0, len(folded), 20))
    assert KEY in _view(text, "unwrap")


def test_issue_8_line_starts_that_are_words_or_assignments_stay_apart(
        default: scrubber.Scrubber) -> None:
    for text in (f"my key is {KEY}\nThanks\n", f"TOKEN={KEY}\nNEXT_TOKEN=abc123\n",
                 "SENTRY_DSN=\nSTRIPE_KEY=none\n", "2024-07-24T05:31:42Z ok attempt=2\n"
                 "2024-07-24T05:31:43Z ok attempt=3\n"):
        result = default.scrub(text)
        assert result.text.count("\n") == text.count("\n")  # no join swallowed a break


def test_issue_8_homoglyphs_fold_one_to_one() -> None:
    russian = "\u043f\u0440\u0438\u0432\u0435\u0442"
    text = "key gh\u0440_" + KEY[4:10] + "\u0430" + KEY[11:] + " " + russian
    folded = _view(text, "fold")
    assert len(folded) == len(text)
    assert folded.startswith("key ghp_" + KEY[4:10] + "a")
    assert folded.endswith(" " + russian)  # a Russian word stays
    wide = "".join(chr(ord(c) + 0xFEE0) for c in KEY)
    assert _view(f"key {wide}\u3002", "fold") == f"key {KEY}\u3002"
    assert views("\u0432\u0435\u0440\u0441\u0438\u044f 5.23.1\uff09", Limits(depth=1)) == []
