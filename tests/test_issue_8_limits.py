"""Resource caps (issue 8): input size, decoded-view budget, decode depth, MIME parts and
depth. Each works at its cap and gives the documented error or behaviour above it; memory
on large inputs is held flat by tests/test_stream.py's memory tests."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import scrubber
from scrubber import decode, stream
from scrubber.cli import main
from scrubber.errors import ConfigError, InputTooLarge
from scrubber.fakes import expand
from scrubber.mail import LimitExceeded, Limits, MailPolicy, scrub_message
from scrubber.policyfile import PolicyFileError, load_policy

from .conftest import TEST_KEY
from .mail import cases

GH = expand("{{crc32:ghp_}}", "limits")
DOCS = Path(__file__).parents[1] / "docs"


def test_issue_8_defaults_are_safe_and_documented() -> None:
    policy = scrubber.Policy()
    assert policy.max_input_chars == 64 * 1024 * 1024
    assert policy.decode_max_chars == decode.Limits().max_chars
    assert policy.decode_depth == decode.Limits().depth == 2
    mail = Limits()
    assert (mail.max_bytes, mail.max_parts, mail.max_depth) == (25 * 1024 * 1024, 500, 20)
    security = (DOCS / "security.md").read_text(encoding="utf-8")
    for cap in ("max_input_chars", "decode_max_chars", "decode_depth", "max_parts",
                "max_depth", "max_bytes", "max_decoded"):
        assert f"`{cap}`" in security, f"docs/security.md does not list {cap}"


# ----------------------------------------------------------------------------- input size


def test_issue_8_input_cap_at_the_cap_and_above() -> None:
    s = scrubber.Scrubber(key=TEST_KEY, max_input_chars=60)
    text = f"key {GH} ok".ljust(60, ".")
    assert GH not in stream.scrub_bounded(s, text).text
    with pytest.raises(stream.InputTooLarge) as caught:
        stream.scrub_bounded(s, text + ".")
    message = str(caught.value)
    assert "61 characters exceeds max_input_chars=60" in message
    assert "scrub_stream" in message
    assert GH[8:] not in message
    assert isinstance(caught.value, scrubber.ScrubberError)


def test_issue_8_stream_windows_stay_within_the_input_cap() -> None:
    s = scrubber.Scrubber(key=TEST_KEY, max_input_chars=1000)
    with pytest.raises(ConfigError):
        stream.scrub_stream(s, io.StringIO("x"), io.StringIO(), chunk_chars=900,
                            overlap_chars=100)
    chunk, overlap = stream.window_sizes(s)
    assert chunk + 2 * overlap <= 1000
    assert overlap > 0
    seen: list[int] = []

    class Spy:
        policy, rules = s.policy, s.rules

        def scrub(self, text: str, **kw: object) -> scrubber.ScrubResult:
            seen.append(len(text))
            return s.scrub(text)

    text = f"token {GH}\n" * 300
    sink = io.StringIO()
    stream.scrub_stream(Spy(), io.StringIO(text), sink,  # type: ignore[arg-type]
                        chunk_chars=chunk, overlap_chars=overlap)
    assert len(seen) > 5
    assert max(seen) <= 1000
    with pytest.raises(InputTooLarge):  # the whole text is above the cap: only streaming works
        s.scrub(text)
    assert sink.getvalue() == scrubber.Scrubber(key=TEST_KEY).scrub(text).text


def test_issue_8_cli_streams_input_above_the_cap(tmp_path: Path,
                                                 capsysbinary: pytest.CaptureFixture[bytes],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRUBBER_KEY", TEST_KEY.decode())
    policy = tmp_path / "policy.yaml"
    policy.write_text("schema: 1\nmax_input_chars: 2000\n")
    src = tmp_path / "ticket.txt"
    text = "".join(f"line {i}: token {GH} mail jane@kestrel.io\n" for i in range(200))
    src.write_text(text)
    assert len(text) > 4 * 2000
    assert main(["scrub", "--policy", str(policy), str(src)]) == 0
    out = capsysbinary.readouterr().out.decode()
    assert out == scrubber.Scrubber(key=TEST_KEY).scrub(text).text


@pytest.mark.parametrize(("body", "ok"), [
    ("max_input_chars: 1", True), ("max_input_chars: 0", False),
    ("max_input_chars: -5", False), ("max_input_chars: big", False),
    ("max_input_chars: true", False), ("decode_max_chars: 0", True),
    ("decode_max_chars: 1000000", True), ("decode_max_chars: -1", False),
    ("decode_max_chars: 1.5", False),
])
def test_issue_8_policy_file_caps(tmp_path: Path, body: str, ok: bool) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(f"schema: 1\n{body}\n")
    name, value = body.split(": ")
    if ok:
        _, policy = load_policy(path)
        assert getattr(policy, name) == int(value)
        return
    with pytest.raises(PolicyFileError) as caught:
        load_policy(path)
    assert f"{path}:2:" in str(caught.value)
    assert f"'{name}' must be" in str(caught.value)


# ----------------------------------------------------------------------------- decoding


def test_issue_8_decode_budget_at_the_cap_and_above() -> None:
    text = "x %41%42%43 y"  # its URL view, "x ABC y", is 7 characters long
    [view] = decode.views(text, decode.Limits(depth=1, max_chars=7))
    assert view.text == "x ABC y"
    assert decode.views(text, decode.Limits(depth=1, max_chars=6)) == []


def test_issue_8_decode_depth_at_the_cap_and_above() -> None:
    hidden = GH.replace("_", "&%2395;")  # URL-encoded HTML entity: two layers
    text = f"token {hidden} end"
    one = scrubber.Scrubber(key=TEST_KEY, decode_depth=1).scrub(text).text
    two = scrubber.Scrubber(key=TEST_KEY, decode_depth=2).scrub(text).text
    assert GH[8:] in one  # one layer is not enough: the documented behaviour of the cap
    assert GH[8:] not in two
    with pytest.raises(ConfigError):
        scrubber.Scrubber(decode_depth=5)


# ----------------------------------------------------------------------------- MIME


def _multipart(parts: int) -> bytes:
    body = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i
                    for i in range(parts))
    return b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + body + b"--b--\r\n"


@pytest.fixture(scope="module")
def mail_scrubber() -> scrubber.Scrubber:
    return scrubber.Scrubber(key=TEST_KEY)


def test_issue_8_mime_parts_at_the_cap_and_above(mail_scrubber: scrubber.Scrubber) -> None:
    raw = _multipart(9)  # the container and its 9 parts
    out, report = scrub_message(raw, MailPolicy(mail_scrubber, limits=Limits(max_parts=10)))
    assert out == raw
    assert report.parts == 10
    with pytest.raises(LimitExceeded) as caught:
        scrub_message(raw, MailPolicy(mail_scrubber, limits=Limits(max_parts=9)))
    assert caught.value.limit == "parts"


def test_issue_8_mime_depth_at_the_cap_and_above(mail_scrubber: scrubber.Scrubber) -> None:
    raw = cases.nested(4)
    out, _ = scrub_message(raw, MailPolicy(mail_scrubber, limits=Limits(max_depth=4)))
    assert out == raw
    with pytest.raises(LimitExceeded) as caught:
        scrub_message(raw, MailPolicy(mail_scrubber, limits=Limits(max_depth=3)))
    assert caught.value.limit == "depth"


def test_issue_8_mail_size_at_the_cap_and_above(mail_scrubber: scrubber.Scrubber) -> None:
    raw = b"Content-Type: text/plain\r\n\r\n" + b"x" * 100 + b"\r\n"
    out, _ = scrub_message(raw, MailPolicy(mail_scrubber, limits=Limits(max_bytes=len(raw))))
    assert out == raw
    with pytest.raises(LimitExceeded) as caught:
        scrub_message(raw, MailPolicy(mail_scrubber, limits=Limits(max_bytes=len(raw) - 1)))
    assert caught.value.limit == "size"


def test_issue_8_scrub_refuses_text_above_max_input_chars() -> None:
    s = scrubber.Scrubber(key=TEST_KEY, max_input_chars=60)
    assert s.scrub("x" * 60).text == "x" * 60
    with pytest.raises(InputTooLarge, match="61 characters exceeds max_input_chars=60"):
        s.scrub("x" * 61)


def test_issue_8_decode_budget_is_honoured_by_the_engine() -> None:
    hidden = "token=" + GH.replace("_", "%5F")  # found only through the URL-decoded view
    assert GH not in scrubber.Scrubber(key=TEST_KEY).scrub(hidden).text
    starved = scrubber.Scrubber(key=TEST_KEY, decode_max_chars=0)
    assert GH in starved.scrub(hidden).text.replace("%5F", "_")


def test_issue_8_limit_values_are_checked() -> None:
    with pytest.raises(ConfigError):
        scrubber.Scrubber(key=TEST_KEY, max_input_chars=0)
    with pytest.raises(ConfigError):
        scrubber.Scrubber(key=TEST_KEY, decode_max_chars=-1)
