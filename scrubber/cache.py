"""On-disk cache of compiled artefacts (rule sets, scan databases), keyed by content hash.

Building the default engine parses ~170 YAML packs and compiles ~370 regexes;
the compiled form is kept under ``$SCRUBBER_CACHE_DIR`` (default
``$XDG_CACHE_HOME/scrubber`` or ``~/.cache/scrubber``; ``off`` disables it).
Keys hash everything the artefact is built from, including scrubber's own
code, so an upgrade or an edited pack never reads a stale entry. Entries are
written atomically with mode 0600 in a 0700 directory and read back only if the
current user owns them and nobody else can write them; anything unreadable or
corrupt is treated as a miss; each kind keeps its ``KEEP`` most recently used entries. The cache
holds compiled rules and databases, never scanned text.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat
import sys
import tempfile
from pathlib import Path

CACHE_ENV = "SCRUBBER_CACHE_DIR"
_OFF = ("", "off", "0", "none")
#: entries kept per kind; writing one more removes the least recently used
KEEP = 64


def cache_dir() -> Path | None:
    """Where entries live, or None when caching is switched off."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return None if configured.strip().lower() in _OFF else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scrubber"


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A hash of scrubber's own source and the interpreter version."""
    h = hashlib.sha256(sys.version.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def key(*parts: bytes | str) -> str:
    """A cache key for an artefact built from ``parts`` by this version of scrubber."""
    h = hashlib.sha256(code_digest().encode())
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()[:40]


def _trusted(path: Path) -> bool:
    info = path.stat()
    mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return mine and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def read(kind: str, name: str) -> bytes | None:
    """The entry ``kind``/``name``, or None (missing, unreadable or not trusted)."""
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / f"{kind}-{name}"
    try:
        if not (_trusted(folder) and _trusted(path)):
            return None
        data = path.read_bytes()
        os.utime(path)  # marks it recently used, so eviction spares it
        return data
    except OSError:
        return None


def write(kind: str, name: str, blob: bytes) -> None:
    """Store an entry atomically; a cache that cannot be written only costs time."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{kind}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, folder / f"{kind}-{name}")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _evict(folder, kind)
    except OSError:
        pass


def _evict(folder: Path, kind: str) -> None:
    """Keep the ``KEEP`` most recently used (read or written) entries of ``kind``."""
    entries = sorted(folder.glob(f"{kind}-*"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)
