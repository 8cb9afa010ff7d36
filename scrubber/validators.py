"""Pure predicates that reject look-alikes: checksums, Luhn, mod-97, entropy, placeholders.

Each entry of ``BUILTIN`` is a factory: called with the parameters written in the
pack, it checks them (raising ``TypeError``/``ValueError`` with a readable message)
and returns a predicate ``(value: str) -> bool``. Predicates are ``functools.partial``
objects of module-level functions, so compiled rules pickle.
"""

from __future__ import annotations

import base64
import binascii
import functools
import importlib
import ipaddress
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from .checksums import bech32_valid, crc32_b62, his_seed, luhn_valid, marvin32

Predicate = Callable[[str], bool]
Factory = Callable[..., Predicate]

# --------------------------------------------------------------------------- shape


def _length(value: str, lo: int, hi: int | None) -> bool:
    return len(value) >= lo and (hi is None or len(value) <= hi)


def length(min: int = 0, max: int | None = None) -> Predicate:
    """Value length within ``[min, max]``."""
    return functools.partial(_length, lo=int(min), hi=None if max is None else int(max))


def shannon_entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def _entropy(value: str, threshold: float) -> bool:
    return shannon_entropy(value) >= threshold


def entropy(min: float) -> Predicate:
    """Shannon entropy of the value at least ``min`` bits per character."""
    return functools.partial(_entropy, threshold=float(min))


_PLACEHOLDER_WORDS = re.compile(
    r"x{4,}|\*{3,}|\.{3}|…|<[^>]*>|\{[^}]*\}|\$\(|\$\{|%[a-z_]+%"
    r"|your[_-]?(?:api[_-]?)?(?:key|token|secret|password)|example|placeholder|dummy|redacted"
    r"|changeme|replace[_-]?me|insert[_-]?(?:your|key|token)|0123456789|abcdefghij",
    re.IGNORECASE,
)


def looks_like_placeholder(value: str) -> bool:
    """True for documentation placeholders: XXXX, <token>, your_api_key, ****, ${VAR}, ..."""
    if _PLACEHOLDER_WORDS.search(value):
        return True
    core = value.strip("-_.:/")
    return len(core) >= 8 and len(set(core.lower())) <= 3


def _not_placeholder(value: str) -> bool:
    return not looks_like_placeholder(value)


def not_placeholder() -> Predicate:
    """Reject documentation placeholders and low-variety values."""
    return _not_placeholder


_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)
_HEX_DIGEST = re.compile(r"(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{128})")


def _not_identifier(value: str) -> bool:
    return not (_UUID.fullmatch(value) or _HEX_DIGEST.fullmatch(value.lower()))


def not_identifier() -> Predicate:
    """Reject UUIDs and hex digests (md5/sha1/sha256/...): ids and hashes are not secrets."""
    return _not_identifier


# --------------------------------------------------------------------------- checksums


def _crc32_base62(value: str) -> bool:
    body = value.rsplit("_", 1)[-1]
    payload, check = body[:-6], body[-6:]
    return len(payload) > 0 and crc32_b62(payload) == check


def crc32_base62() -> Predicate:
    """GitHub/npm token tail: last 6 chars are base62(CRC32(the random part after '_'))."""
    return _crc32_base62


def _luhn(value: str) -> bool:
    return luhn_valid(value)


def luhn() -> Predicate:
    """Luhn checksum over the value's digits."""
    return _luhn


# (prefix ranges, allowed lengths) per brand, from the card networks' published IIN ranges
_BRANDS: tuple[tuple[tuple[tuple[int, int], ...], tuple[int, ...]], ...] = (
    (((4, 4),), (13, 16, 19)),                                   # Visa
    (((51, 55), (2221, 2720)), (16,)),                           # Mastercard
    (((34, 34), (37, 37)), (15,)),                               # American Express
    (((6011, 6011), (644, 649), (65, 65)), (16, 19)),            # Discover
    (((3528, 3589),), (16, 19)),                                 # JCB
    (((300, 305), (36, 36), (38, 39)), (14, 16, 19)),            # Diners Club
    (((62, 62),), (16, 17, 18, 19)),                             # UnionPay
    (((5018, 5018), (5020, 5020), (5038, 5038), (6304, 6304), (6759, 6763)), (12, 13, 14, 15,
                                                                             16, 17, 18, 19)),
)


def card_brand_ok(digits: str) -> bool:
    """True if ``digits`` starts with a known card network's prefix and has its length."""
    for ranges, lengths in _BRANDS:
        if len(digits) not in lengths:
            continue
        for lo, hi in ranges:
            width = len(str(lo))
            if lo <= int(digits[:width]) <= hi:
                return True
    return False


def _payment_card(value: str) -> bool:
    digits = "".join(c for c in value if c.isdigit())
    return card_brand_ok(digits) and luhn_valid(digits)


def payment_card() -> Predicate:
    """Card number: a known network prefix and length, and a valid Luhn checksum."""
    return _payment_card


def _stdnum_valid(value: str, module: str) -> bool:
    mod = importlib.import_module(f"stdnum.{module}")
    return bool(mod.is_valid(value))


def stdnum(number: str) -> Predicate:
    """Validate with python-stdnum's ``stdnum.<number>.is_valid`` (e.g. ``iban``, ``us.ssn``)."""
    try:
        importlib.import_module(f"stdnum.{number}")
    except ImportError:
        raise ValueError(f"python-stdnum has no number format '{number}'") from None
    return functools.partial(_stdnum_valid, module=number)


def _iban(value: str) -> bool:
    return _stdnum_valid(value, "iban")


def iban() -> Predicate:
    """IBAN: the country's length and the ISO 13616 mod-97 check."""
    return _iban


def _b64decode(text: str, url_safe: bool) -> bytes | None:
    padded = text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4)
    try:
        if url_safe:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def _azure_identifiable(value: str, signature: str, seeds: tuple[int, ...], url_safe: bool
                        ) -> bool:
    trimmed = value.rstrip("=")
    if trimmed[-10:-6] != signature:
        return False
    raw = _b64decode(value, url_safe)
    if raw is None or len(raw) < 8:
        return False
    return any(marvin32(raw[:-4], seed) == raw[-4:] for seed in seeds)


def _seed(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and len(value) == 8 and value[-1].isdigit():
        return his_seed(value)
    raise ValueError(f"seed {value!r} must be an integer or an 8-character name like Default0")


def azure_identifiable(signature: str, seeds: Sequence[int | str],
                       url_safe: bool = False) -> Predicate:
    """Microsoft identifiable key: the 4-char ``signature`` before a Marvin32 checksum of the
    decoded key under one of ``seeds`` (integers, or 8-character names such as Default0)."""
    if len(signature) != 4:
        raise ValueError("signature must be 4 base64 characters")
    if isinstance(seeds, str | int) or not seeds:
        raise ValueError("seeds must be a non-empty list")
    return functools.partial(_azure_identifiable, signature=signature,
                             seeds=tuple(_seed(s) for s in seeds), url_safe=bool(url_safe))


_CASK_SEED = his_seed("Default0")


def _cask(value: str) -> bool:
    raw = _b64decode(value[:-4], url_safe=False)
    if raw is None:
        return False
    check = base64.b64encode(marvin32(raw, _CASK_SEED)[:3]).decode()
    return check == value[-4:]


def cask() -> Predicate:
    """Microsoft common annotated security key (new Azure DevOps PATs, ...): the last 4
    characters are the base64 of the first 3 bytes of a Marvin32 checksum of the rest."""
    return _cask


def _bech32(value: str) -> bool:
    return bech32_valid(value)


def bech32() -> Predicate:
    """A bech32 string (age keys, ...) whose BIP 173 checksum is valid."""
    return _bech32


# --------------------------------------------------------------------------- structure


_DATE_LIKE = re.compile(r"\d{4}([-/.])\d{1,2}\1\d{1,2}|\d{1,2}([-/.])\d{1,2}\2\d{2,4}")


def _phone(value: str, regions: tuple[str, ...]) -> bool:
    import phonenumbers

    digits = sum(c.isdigit() for c in value)
    if digits < 7 or digits > 15 or _DATE_LIKE.fullmatch(value.strip()):
        return False
    for region in regions if not value.startswith("+") else (None,):
        try:
            num = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            return True
    return False


def phone(regions: Sequence[str] = ("US", "GB", "DE", "FR", "IN", "AU", "CA")) -> Predicate:
    """A valid phone number (phonenumbers metadata) in one of ``regions`` or in E.164 form."""
    if isinstance(regions, str) or not all(isinstance(r, str) for r in regions):
        raise ValueError("regions must be a list of region codes such as [US, GB]")
    return functools.partial(_phone, regions=tuple(r.upper() for r in regions))


_IP_SKIP = ("loopback", "unspecified", "link_local", "multicast", "reserved", "private")


def _ip(value: str, skip: tuple[str, ...]) -> bool:
    try:
        addr = ipaddress.ip_address(value)
    except ValueError:
        return False
    return not any(getattr(addr, f"is_{name}") for name in skip)


def ip(skip: Sequence[str] = ("loopback", "unspecified", "multicast", "reserved")) -> Predicate:
    """A valid IPv4/IPv6 address not in any of the ``skip`` classes (e.g. loopback, private)."""
    bad = [s for s in skip if s not in _IP_SKIP]
    if bad:
        raise ValueError(f"unknown address class {bad[0]!r}; expected: {', '.join(_IP_SKIP)}")
    return functools.partial(_ip, skip=tuple(skip))


def _b64url_json(segment: str) -> object:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded))


def _jwt(value: str) -> bool:
    try:
        header = _b64url_json(value.split(".", 1)[0])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and isinstance(header.get("alg"), str)


def jwt() -> Predicate:
    """A JSON Web Token whose header decodes to a JSON object with an ``alg``."""
    return _jwt





# --------------------------------------------------------------------------- PII structure

_NINO = re.compile(r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]")


def _uk_nino(value: str) -> bool:
    return _NINO.fullmatch(re.sub(r"[\s-]", "", value).upper()) is not None


def uk_nino() -> Predicate:
    """UK National Insurance number: allocatable prefix letters (not D, F, I, Q, U, V; second
    letter not O; not BG, GB, KN, NK, NT, TN, ZZ), six digits and a suffix A-D."""
    return _uk_nino


#: words that follow a greeting or precede a sign-off but are not people
_NOT_NAME_WORDS = """
all everyone everybody team teams there world folks guys friends colleagues customer customers
client clients user users member members sir madam madame sirs gentlemen ladies sales support
service services helpdesk desk billing accounts account admin administrator admins it hr
finance legal security ops devops engineering operations staff management manager managers
department dept office care customer-care the a an and or of my our your their his her its
again all-in-one much so very lot lots ton tons bunch anyway ahead advance regards best
kind warm thanks thank thx cheers hello hi hey dear greetings morning afternoon evening
night day today tomorrow yesterday monday tuesday wednesday thursday friday saturday sunday
january february march april may june july august september october november december
mon tue tues wed thu thur thurs fri sat sun jan feb mar apr jun jul aug sep sept oct nov dec
premium pro plus enterprise basic business starter free trial plan tier edition
inc ltd llc gmbh corp co company org foundation group bot robot noreply no-reply automated
system notification notifications alert alerts update updates newsletter marketing
soon later sent from iphone android mobile outlook gmail
客户 用户 会员 各位 顾客 大家 朋友 皆 お客 고객 회원 담당자 여러분 사용자 관리자
soporte equipo équipe equipe squadra supporto assistenza kundenservice kundendienst betrieb
crew backend frontend platform infra infrastructure sre dev devs developer developers qa
mr mrs ms miss mx dr prof herr frau mme mlle sr sra srta dott sig
"""
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())


def _person_name(value: str, deny: frozenset[str]) -> bool:
    words = [w.strip(".,'\u2019-").lower() for w in re.split(r"[\s]+", value.strip()) if w]
    if not words or any(w in _NOT_NAMES or w in deny for w in words):
        return False
    return any(len(w) >= 2 for w in words)


def person_name(deny: Sequence[str] = ()) -> Predicate:
    """A name after a greeting or before a sign-off: no word of it is a role, team, plan,
    greeting, weekday or month ('Hi team', 'Thanks, Support', 'Dear Customer'); ``deny`` adds
    product and vendor words."""
    if isinstance(deny, str) or not all(isinstance(w, str) for w in deny):
        raise ValueError("deny must be a list of words")
    return functools.partial(_person_name, deny=frozenset(w.lower() for w in deny))


BUILTIN: Mapping[str, Factory] = MappingProxyType({
    "length": length,
    "entropy": entropy,
    "not_placeholder": not_placeholder,
    "not_identifier": not_identifier,
    "crc32_base62": crc32_base62,
    "luhn": luhn,
    "payment_card": payment_card,
    "iban": iban,
    "stdnum": stdnum,
    "phone": phone,
    "ip": ip,
    "jwt": jwt,
    "azure_identifiable": azure_identifiable,
    "cask": cask,
    "bech32": bech32,
    "uk_nino": uk_nino,
    "person_name": person_name,
})
