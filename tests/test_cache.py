"""The compiled-rules cache: same rules as a fresh compile, misses on any doubt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scrubber import Scrubber, cache, load_rules
from scrubber.fakes import expand

from .conftest import TEST_KEY

PACK = """schema: 1
pack: demo
rules:
  - id: demo-key
    kind: secret
    entity: DEMO
    keywords: [dmo_]
    regex: '(?P<secret>dmo_[A-Za-z0-9]{{{n}}})'
    examples:
      match: ['dmo_{{{{alnum:{n}}}}}']
      no_match: ['dmo_short']
"""


@pytest.fixture
def cache_at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    return folder


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("rules-*")) if folder.exists() else []


def test_second_load_comes_from_the_cache_and_scrubs_the_same(cache_at: Path) -> None:
    fresh = load_rules()
    [entry] = _entries(cache_at)
    assert entry.stat().st_mode & 0o777 == 0o600
    cached = load_rules()
    assert [r.id for r in cached] == [r.id for r in fresh]
    text = f"token {expand('{{crc32:ghp_}}', 'cache')} mail jane@kestrel.io"
    assert Scrubber(cached, key=TEST_KEY).scrub(text) == Scrubber(fresh, key=TEST_KEY).scrub(text)


def test_an_edited_pack_is_a_new_entry(cache_at: Path, tmp_path: Path) -> None:
    pack = tmp_path / "demo.yaml"
    pack.write_text(PACK.format(n=20))
    assert load_rules(pack, builtin=False).get("demo-key").pattern.pattern.endswith("{20})")
    pack.write_text(PACK.format(n=24))
    assert load_rules(pack, builtin=False).get("demo-key").pattern.pattern.endswith("{24})")
    assert len(_entries(cache_at)) == 2


def test_a_corrupt_entry_is_a_miss(cache_at: Path, tmp_path: Path) -> None:
    pack = tmp_path / "demo.yaml"
    pack.write_text(PACK.format(n=20))
    load_rules(pack, builtin=False)
    [entry] = _entries(cache_at)
    entry.write_bytes(b"not a pickle")
    assert load_rules(pack, builtin=False).get("demo-key") is not None


def test_an_entry_others_can_write_is_not_trusted(cache_at: Path, tmp_path: Path) -> None:
    pack = tmp_path / "demo.yaml"
    pack.write_text(PACK.format(n=20))
    load_rules(pack, builtin=False)
    [entry] = _entries(cache_at)
    os.chmod(entry, 0o666)
    assert cache.read("rules", entry.name.removeprefix("rules-")) is None
    os.chmod(entry, 0o600)
    assert cache.read("rules", entry.name.removeprefix("rules-")) is not None


def test_off_disables_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, "off")
    assert cache.cache_dir() is None
    pack = tmp_path / "demo.yaml"
    pack.write_text(PACK.format(n=20))
    assert load_rules(pack, builtin=False).get("demo-key") is not None
    assert not list(tmp_path.glob("**/rules-*"))


def test_keys_depend_on_every_part() -> None:
    assert cache.key("a", "bc") != cache.key("ab", "c")
    assert cache.key("a", b"b") == cache.key("a", "b")


def test_each_kind_keeps_only_its_most_recently_used_entries(
        cache_at: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "KEEP", 3)
    for i in range(3):
        cache.write("demo", f"n{i}", b"x")
        os.utime(cache_at / f"demo-n{i}", ns=(i * 10**9, i * 10**9))
    assert cache.read("demo", "n0") == b"x"  # a hit makes n0 the most recently used
    cache.write("demo", "n3", b"x")
    cache.write("other", "a", b"y")
    assert sorted(p.name for p in cache_at.glob("demo-*")) == ["demo-n0", "demo-n2", "demo-n3"]
    assert (cache_at / "other-a").exists()
