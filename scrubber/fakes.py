"""Deterministic fake values for rule examples: ``{{alnum:36}}`` expands the same way every run.

Packs never contain a real-looking credential; their examples use placeholders
that this module expands from a seed (rule id + example position). The same
placeholder text within one example gives the same value; ``{{hex:32#2}}`` is a
second, different value of the same shape; ``{{crc32:ghp_|8}}`` is the first 8
characters of ``{{crc32:ghp_}}``.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
from collections.abc import Callable, Mapping
from types import MappingProxyType

from .checksums import BECH32, bech32_checksum, crc32_b62, his_seed, luhn_valid, marvin32

PLACEHOLDER = re.compile(r"\{\{([a-zA-Z0-9_]+)(?::([^}|#]*))?(#[^}|]*)?(?:\|(\d+))?\}\}")

ALPHABETS: Mapping[str, str] = MappingProxyType({
    "alnum": string.ascii_letters + string.digits,
    "alpha": string.ascii_letters,
    "upper": string.ascii_uppercase,
    "lower": string.ascii_lowercase,
    "digits": string.digits,
    "hex": "0123456789abcdef",
    "HEX": "0123456789ABCDEF",
    "b64": string.ascii_letters + string.digits + "+/",
    "b64url": string.ascii_letters + string.digits + "-_",
    "base32": string.ascii_uppercase + "234567",
    "lbase32": string.ascii_lowercase + "234567",
    "upalnum": string.ascii_uppercase + string.digits,
    "lowalnum": string.ascii_lowercase + string.digits,
})


def _chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _crc32(rng: random.Random, prefix: str) -> str:
    body = _chars(rng, ALPHABETS["alnum"], 30)
    return prefix + body + crc32_b62(body)


def _card(rng: random.Random, arg: str) -> str:
    first, _, size = arg.partition(":")
    length = int(size or 16)
    while True:
        digits = first + _chars(rng, string.digits, length - len(first))
        if luhn_valid(digits):
            return digits


_BBAN: Mapping[str, str] = MappingProxyType(
    {"DE": "d18", "GB": "u4d14", "NL": "u4d10", "FR": "d23", "IT": "u1d22", "CH": "d17"})


def _iban(rng: random.Random, country: str) -> str:
    from stdnum import iban

    shape = _BBAN[country or "DE"]
    while True:
        bban = ""
        for kind, count in re.findall(r"([ud])(\d+)", shape):
            bban += _chars(rng, string.ascii_uppercase if kind == "u" else string.digits,
                           int(count))
        check = iban.calc_check_digits(f"{country or 'DE'}00{bban}")
        value = f"{country or 'DE'}{check}{bban}"
        if iban.is_valid(value):
            return value


def _ssn(rng: random.Random, _: str) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    return f"{area:03d}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"


def _b64json(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def _jwt(rng: random.Random, _: str) -> str:
    header = _b64json({"alg": "HS256", "typ": "JWT"})
    payload = _b64json({"sub": _chars(rng, string.digits, 10), "iat": 1700000000})
    return f"{header}.{payload}.{_chars(rng, ALPHABETS['b64url'], 43)}"


def _azure(rng: random.Random, arg: str, url_safe: bool = False) -> str:
    """``SIGNATURE:SEED:NBYTES``: a Microsoft identifiable key with a valid Marvin32 tail."""
    signature, seed_text, size = arg.split(":")
    seed = his_seed(seed_text) if len(seed_text) == 8 else int(seed_text, 0)
    nbytes = int(size)
    length = -(-nbytes * 8 // 6)
    alphabet = ALPHABETS["b64url" if url_safe else "b64"]
    text = _chars(rng, alphabet, length - 10) + signature + _chars(rng, alphabet, 6)
    padded = text + "=" * (-len(text) % 4)
    raw = bytearray(base64.urlsafe_b64decode(padded) if url_safe else base64.b64decode(padded))
    raw[-4:] = marvin32(bytes(raw[:-4]), seed)
    encoded = (base64.urlsafe_b64encode if url_safe else base64.b64encode)(bytes(raw)).decode()
    return encoded.rstrip("=") if url_safe else encoded


def _azure_url(rng: random.Random, arg: str) -> str:
    return _azure(rng, arg, url_safe=True)


def _cask(rng: random.Random, provider: str) -> str:
    """A common annotated security key with provider signature ``provider`` (e.g. AZDO)."""
    alnum = ALPHABETS["alnum"]
    while True:
        body = (_chars(rng, alnum, 52) + "JQQJ99" + _chars(rng, alnum, 1)
                + rng.choice("ABCDEFGHIJKL") + _chars(rng, alnum, 16) + (provider or "AZDO"))
        check = base64.b64encode(marvin32(base64.b64decode(body), his_seed("Default0"))[:3])
        if check.isalnum():
            return body + check.decode()


def _age(rng: random.Random, _: str) -> str:
    data = [rng.randrange(32) for _ in range(52)]
    hrp = "age-secret-key-"
    return (hrp + "1" + "".join(BECH32[d] for d in data) + bech32_checksum(hrp, data)).upper()


SPECIAL: Mapping[str, Callable[[random.Random, str], str]] = MappingProxyType({
    "crc32": _crc32,
    "card": _card,
    "iban": _iban,
    "ssn": _ssn,
    "jwt": _jwt,
    "azure": _azure,
    "azure_url": _azure_url,
    "cask": _cask,
    "age": _age,
})


def _generate(name: str, arg: str, rng: random.Random) -> str:
    if name in ALPHABETS:
        return _chars(rng, ALPHABETS[name], int(arg))
    if name in SPECIAL:
        return SPECIAL[name](rng, arg)
    raise ValueError(f"unknown placeholder '{{{{{name}}}}}'; expected one of: "
                     + ", ".join([*ALPHABETS, *SPECIAL]))


def expand(text: str, seed: str) -> str:
    """Replace every placeholder in ``text`` by its deterministic value for ``seed``."""

    def one(m: re.Match[str]) -> str:
        name, arg, label, cut = m.group(1), m.group(2) or "", m.group(3) or "", m.group(4)
        rng = random.Random(f"{seed}|{name}:{arg}{label}")
        value = _generate(name, arg, rng)
        return value[: int(cut)] if cut else value

    return PLACEHOLDER.sub(one, text)


def has_placeholder(text: str) -> bool:
    return PLACEHOLDER.search(text) is not None
