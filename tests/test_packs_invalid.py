"""Every invalid-pack fixture fails with exactly the messages its ``# error:`` lines pin."""

from __future__ import annotations

from pathlib import Path

import pytest

import scrubber

INVALID = sorted((Path(__file__).parent / "packs" / "invalid").glob("*.yaml"))


def test_there_are_at_least_ten_fixtures() -> None:
    assert len(INVALID) >= 10


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_pack_reports_pinned_messages(path: Path) -> None:
    expected = [
        line.removeprefix("# error: ").replace("{path}", str(path))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("# error: ")
    ]
    assert expected, "fixture needs a '# error:' header"
    with pytest.raises(scrubber.RulePackError) as info:
        scrubber.load_rules(path)
    got = [str(p) for p in info.value.problems if p.path == str(path)]
    assert got == [f"{path}:{e}" for e in expected]
