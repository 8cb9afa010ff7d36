"""Checksum algorithms against published test vectors."""

from __future__ import annotations

import pytest

from scrubber.checksums import (
    bech32_checksum,
    bech32_valid,
    crc32_b62,
    his_seed,
    marvin32,
    marvin64,
)

SEED0 = 0x004FB61A001BDBCC


@pytest.mark.parametrize(("data", "expected"), [
    (b"", 0x30ED35C100CD3C7D),
    (b"\xaf", 0x48E73FC77D75DDC1),
    (b"\xe7\x0f", 0xB5F6E1FC485DBFF8),
    (b"\x37\xf4\x95", 0xF0B07C789B8CF7E8),
    (b"\x86\x42\xdc\x59", 0x7008F2E87E9CF556),
    (b"\x15\x3f\xb7\x98\x26", 0xE6C08C6DA2AFA997),
    (b"\xab\x42\x7e\xa8\xd1\x0f\xc7", 0xE11847E4F0678C41),
])
def test_marvin_reference_vectors(data: bytes, expected: int) -> None:
    assert marvin64(data, SEED0) == expected


def test_marvin32_folds_the_halves() -> None:
    assert marvin32(b"abc", 0xD53CD9CECD0893B7) == (0x6BE02A86).to_bytes(4, "little")
    assert marvin32(b"abcdefghijklmnopqrstuvwxyz", 0xDDDDEEEEFFFF000) == (
        0xD34847DC).to_bytes(4, "little")


def test_his_seed_of_default0() -> None:
    assert his_seed("Default0") == 0x44656661756C7430


@pytest.mark.parametrize("valid", ["A12UEL5L", "a12uel5l",
                                   "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"])
def test_bech32_bip173_vectors(valid: str) -> None:
    assert bech32_valid(valid)


@pytest.mark.parametrize("invalid", ["a12uel5m", "1nwldj5", "abc1", "A1G7SGD8x"])
def test_bech32_rejects(invalid: str) -> None:
    assert not bech32_valid(invalid)


def test_bech32_checksum_round_trip() -> None:
    data = [0, 1, 2, 3, 31, 30]
    text = "hrp1" + "".join("qpzry9x8gf2tvdw0s3jn54khce6mua7l"[d] for d in data)
    assert bech32_valid(text + bech32_checksum("hrp", data))


def test_crc32_b62_is_six_characters() -> None:
    assert len(crc32_b62("x" * 30)) == 6
