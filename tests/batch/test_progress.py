"""The progress line: records, MB, rate and ETA on a terminal; nothing otherwise."""

from __future__ import annotations

import io

from scrubber.batch.progress import Progress


def test_progress_shows_records_mb_rate_and_eta_when_enabled() -> None:
    out = io.StringIO()
    p = Progress(4_000_000, out, enabled=True, interval=0)
    p.update(1000, 2_000_000)
    p.close()
    text = out.getvalue()
    assert "1,000 records" in text
    assert "2.0/4.0 MB" in text
    assert "rec/s" in text
    assert "MB/s" in text
    assert "ETA" in text


def test_progress_is_silent_off_a_terminal() -> None:
    out = io.StringIO()
    p = Progress(10, out)
    p.update(5, 5)
    p.close()
    assert out.getvalue() == ""
