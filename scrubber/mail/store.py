"""On-disk state: failed-attempt counters per content hash and the encrypted quarantine."""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path

from ..errors import ConfigError
from .policy import MailError

NONCE = 12


def content_hash(key: bytes, raw: bytes) -> str:
    """Keyed hash of a message's bytes (names counters and quarantine entries)."""
    return hmac.new(key, raw, hashlib.sha256).hexdigest()[:32]


def _write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class Attempts:
    """Counts failed attempts per content hash, shared by every process using ``directory``."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    def count(self, digest: str) -> int:
        try:
            return int((self.dir / digest).read_text() or 0)
        except (OSError, ValueError):
            return 0

    def fail(self, digest: str) -> int:
        """Record one more failure; returns the new count."""
        path = self.dir / digest
        with open(path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.seek(0)
            try:
                n = int(fh.read() or 0) + 1
            except ValueError:
                n = 1
            fh.seek(0)
            fh.truncate()
            fh.write(str(n))
        return n

    def clear(self, digest: str) -> None:
        (self.dir / digest).unlink(missing_ok=True)


class Quarantine:
    """Originals withheld from delivery, encrypted at rest with AES-256-GCM.

    Each entry is ``<ref>.bin`` (nonce + ciphertext; the reference is authenticated
    data) and ``<ref>.json`` (reason, time, size; never content). ``release`` decrypts.
    """

    def __init__(self, directory: str | os.PathLike[str], key: bytes) -> None:
        if len(key) < 16:
            raise ConfigError("quarantine key must be at least 16 bytes")
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._key = hashlib.sha256(b"scrubber-quarantine\0" + key).digest()

    def __repr__(self) -> str:
        return f"Quarantine({str(self.dir)!r})"

    def _aead(self) -> object:
        try:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        except ImportError as exc:  # the mail extra brings it
            raise MailError("quarantine needs the 'cryptography' package") from exc
        return AESGCM(self._key)

    def store(self, ref: str, raw: bytes, reason: str) -> Path:
        aead = self._aead()
        nonce = secrets.token_bytes(NONCE)
        sealed = nonce + aead.encrypt(nonce, raw, ref.encode())  # type: ignore[attr-defined]
        path = self.dir / f"{ref}.bin"
        _write_atomic(path, sealed)
        meta = {"ref": ref, "reason": reason, "time": time.time(), "size": len(raw)}
        _write_atomic(self.dir / f"{ref}.json", json.dumps(meta).encode())
        return path

    def release(self, ref: str) -> bytes:
        """The original bytes of a quarantined message."""
        sealed = (self.dir / f"{ref}.bin").read_bytes()
        aead = self._aead()
        data: bytes = aead.decrypt(sealed[:NONCE], sealed[NONCE:], ref.encode())  # type: ignore[attr-defined]
        return data

    def entries(self) -> list[dict[str, object]]:
        out = []
        for meta in sorted(self.dir.glob("*.json")):
            try:
                out.append(json.loads(meta.read_text()))
            except (OSError, ValueError):
                continue
        return out
