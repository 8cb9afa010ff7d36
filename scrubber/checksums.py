"""Checksum algorithms vendors embed in their credentials: CRC32/base62, Luhn, Marvin32, bech32.

Pure functions over bytes and strings; validators and the example generators
both use them, so a generated example and its validator agree by construction.
"""

from __future__ import annotations

import string
import zlib

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_M32 = 0xFFFFFFFF


# --------------------------------------------------------------------------- CRC32 / base62


def b62encode(n: int, width: int) -> str:
    """Base62 (0-9A-Za-z) encoding of ``n``, left-padded with '0' to ``width``."""
    out = ""
    while n:
        n, d = divmod(n, 62)
        out = B62[d] + out
    return out.rjust(width, "0")


def crc32_b62(payload: str) -> str:
    """The 6-character tail GitHub and npm tokens carry: base62(CRC32(payload))."""
    return b62encode(zlib.crc32(payload.encode()), 6)


# --------------------------------------------------------------------------- Luhn


def luhn_valid(digits: str) -> bool:
    """Luhn (mod 10) check over the digits of ``digits`` (other characters ignored)."""
    nums = [int(c) for c in digits if c.isdigit()]
    if len(nums) < 2:
        return False
    total = 0
    for i, d in enumerate(reversed(nums)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# --------------------------------------------------------------------------- Marvin32


def _rotl(x: int, n: int) -> int:
    return ((x << n) | (x >> (32 - n))) & _M32


def _mix(p0: int, p1: int) -> tuple[int, int]:
    p1 ^= p0
    p0 = _rotl(p0, 20)
    p0 = (p0 + p1) & _M32
    p1 = _rotl(p1, 9)
    p1 ^= p0
    p0 = _rotl(p0, 27)
    p0 = (p0 + p1) & _M32
    p1 = _rotl(p1, 19)
    return p0, p1


def marvin64(data: bytes, seed: int) -> int:
    """Marvin hash of ``data`` under a 64-bit ``seed`` (``p1 << 32 | p0``)."""
    p0, p1 = seed & _M32, (seed >> 32) & _M32
    full = len(data) - len(data) % 4
    for i in range(0, full, 4):
        p0 = (p0 + int.from_bytes(data[i:i + 4], "little")) & _M32
        p0, p1 = _mix(p0, p1)
    rest = data[full:]
    p0 = (p0 + (0x80 << (8 * len(rest)) | int.from_bytes(rest, "little"))) & _M32
    p0, p1 = _mix(*_mix(p0, p1))
    return (p1 << 32) | p0


def marvin32(data: bytes, seed: int) -> bytes:
    """The 4-byte little-endian Marvin32 checksum Microsoft's identifiable keys embed."""
    h = marvin64(data, seed)
    return ((h >> 32) ^ (h & _M32)).to_bytes(4, "little")


def his_seed(name: str) -> int:
    """Checksum seed from an 8-character versioned name such as ``Default0``."""
    return int.from_bytes(name.encode("ascii"), "big")


# --------------------------------------------------------------------------- bech32

BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: list[int]) -> int:
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i, g in enumerate(_GEN):
            if (top >> i) & 1:
                chk ^= g
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def bech32_valid(text: str) -> bool:
    """True if ``text`` (either case) is a bech32 string with a valid checksum (BIP 173)."""
    low = text.lower()
    hrp, sep, data = low.rpartition("1")
    if not sep or not hrp or len(data) < 6 or any(c not in BECH32 for c in data):
        return False
    return _polymod(_hrp_expand(hrp) + [BECH32.index(c) for c in data]) == 1


def bech32_checksum(hrp: str, data: list[int]) -> str:
    """The 6 checksum characters for 5-bit ``data`` under ``hrp``."""
    poly = _polymod([*_hrp_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ 1
    return "".join(BECH32[(poly >> 5 * (5 - i)) & 31] for i in range(6))
