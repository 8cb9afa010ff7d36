"""Multipart framing: preamble and epilogue offsets, garbled boundaries."""

from __future__ import annotations

from scrubber.mail.mime import split_multipart


def test_preamble_and_epilogue_are_located() -> None:
    body = b"pre\r\n--B\r\none\r\n--B\r\ntwo\r\n--B--\r\nepi\r\n"
    split = split_multipart(body, "B")
    assert split.parts == (b"one", b"two")
    assert split.framing[0][:split.preamble] == b"pre"
    assert split.framing[-1][split.epilogue:] == b"epi\r\n"
    assert split.join(split.parts) == body


def test_a_close_delimiter_first_keeps_the_epilogue() -> None:
    body = b"--B--\r\nepi\r\n"
    split = split_multipart(body, "B")
    assert split.parts == ()
    assert split.join(()) == body
    assert split.framing[0][split.epilogue:] == b"epi\r\n"


def test_issue_8_a_boundary_that_is_not_latin1_matches_no_line() -> None:
    body = b"--B\r\npart\r\n"
    split = split_multipart(body, "\ufffdB")
    assert split.parts == ()
    assert split.preamble == len(body)
    assert split.join(()) == body
