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


# --------------------------------------------------------------------------- national IDs

#: random body per python-stdnum module; d digit, n 1-7, u A-Z, y year 50-99, m month,
#: t day 01-28, l Italian month letter; ? ! * are check characters (digit, letter, either),
#: found by trying every value; anything else is literal
_STDNUM_SHAPES: Mapping[str, str] = MappingProxyType({
    "gb.nhs": "ddddddddd?", "de.idnr": "nddddddddd?", "fr.nir": "1ym75dddddd??",
    "es.dni": "dddddddd!", "es.nie": "Xddddddd!", "it.codicefiscale": "uuuuuuyltuddd!",
    "nl.bsn": "dddddddd?", "in_.aadhaar": "ndddddddddd?", "in_.pan": "uuuPuddddu",
    "br.cpf": "ddddddddd??", "br.cnpj": "dddddddd0001??", "ca.sin": "nddddddd?",
    "au.tfn": "dddddddd?", "pl.pesel": "ymtdddd?", "se.personnummer": "ymt-ddd?",
    "dk.cpr": "tmy-dddd", "fi.hetu": "tmy-ddd*", "no.fodselsnummer": "tmyddd??",
    "be.nn": "ymtddd??", "pt.nif": "1ddddddd?", "mx.curp": "uuuuymtHDFuuud?",
    "za.idnr": "ymtdddd08?", "cn.ric": "11010119ymtddd*", "kr.rrn": "ymt1ddddd?",
    "ch.ssn": "756ddddddddd?", "ie.pps": "ddddddd!A", "tr.tckimlik": "ndddddddd??",
    "us.itin": "9dd7ddddd",
})
_SHAPE_CLASSES: Mapping[str, str] = MappingProxyType({
    "d": string.digits, "n": "1234567", "u": string.ascii_uppercase, "l": "ABCDEHLMPRST",
    "?": string.digits, "!": string.ascii_uppercase, "*": string.digits + string.ascii_uppercase,
})


def _shape_part(rng: random.Random, token: str) -> str:
    if token == "y":
        return f"{rng.randrange(50, 100):02d}"
    if token == "m":
        return f"{rng.randrange(1, 13):02d}"
    if token == "t":
        return f"{rng.randrange(1, 29):02d}"
    if token in "?!*":
        return token
    return rng.choice(_SHAPE_CLASSES[token]) if token in _SHAPE_CLASSES else token


def _with_checks(body: str, is_valid: Callable[[str], bool]) -> str | None:
    holes = [i for i, c in enumerate(body) if c in "?!*"]
    if not holes:
        return body if is_valid(body) else None
    first, rest = holes[0], body[holes[0] + 1:]
    for c in _SHAPE_CLASSES[body[first]]:
        found = _with_checks(body[:first] + c + rest, is_valid)
        if found is not None:
            return found
    return None


def _stdnum(rng: random.Random, arg: str) -> str:
    """``MODULE`` or ``MODULE:format``: a number python-stdnum's ``MODULE`` accepts."""
    import importlib

    name, _, style = arg.partition(":")
    if name not in _STDNUM_SHAPES:
        raise ValueError(f"no generator for stdnum '{name}'; expected one of: "
                         + ", ".join(_STDNUM_SHAPES))
    module = importlib.import_module(f"stdnum.{name}")
    shape = _STDNUM_SHAPES[name]
    for _ in range(10_000):
        value = _with_checks("".join(_shape_part(rng, t) for t in shape), module.is_valid)
        if value is not None:
            fmt = getattr(module, "format", None) if style == "format" else None
            return str(fmt(value)) if fmt is not None else value
    raise ValueError(f"no valid {name} number found for the shape {shape!r}")


_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"


def _nino(rng: random.Random, arg: str) -> str:
    """A UK National Insurance number; ``spaced`` gives ``AB 12 34 56 C``."""
    while True:
        prefix = rng.choice(_NINO_FIRST) + rng.choice(_NINO_SECOND)
        if prefix not in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
            break
    digits = _chars(rng, string.digits, 6)
    suffix = rng.choice("ABCD")
    if arg == "spaced":
        return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    return prefix + digits + suffix


def _mac(rng: random.Random, sep: str) -> str:
    """A locally administered unicast MAC address, octets joined by ``sep`` (default ':')."""
    first = (rng.randrange(256) | 0x02) & 0xFE
    octets = [first] + [rng.randrange(256) for _ in range(5)]
    return (sep or ":").join(f"{o:02x}" for o in octets)


def _token(rng: random.Random, size: str) -> str:
    """A URL-safe random token of ``size`` characters (default 32) with mixed classes."""
    n = int(size or 32)
    while True:
        value = _chars(rng, ALPHABETS["b64url"], n)
        if any(c.isdigit() for c in value) and any(c.isupper() for c in value):
            return value


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
    "stdnum": _stdnum,
    "nino": _nino,
    "mac": _mac,
    "token": _token,
})
