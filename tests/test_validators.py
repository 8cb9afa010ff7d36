"""Validators: each agrees with a reference or a known value, and rejects look-alikes."""

from __future__ import annotations

import random
import string
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrubber import validators as v
from scrubber.checksums import B62, luhn_valid
from scrubber.fakes import expand


def _luhn_reference(digits: str) -> bool:
    # the textbook formulation: double every second digit from the right, sum digit sums
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n // 10 + n % 10
    return total % 10 == 0


@given(st.text(alphabet=string.digits, min_size=2, max_size=25))
def test_luhn_agrees_with_reference(digits: str) -> None:
    assert luhn_valid(digits) == _luhn_reference(digits)


@pytest.mark.parametrize("card", ["4111111111111111", "5555555555554444", "378282246310005",
                                  "4111 1111 1111 1111", "6011-1111-1111-1117"])
def test_payment_card_accepts_test_numbers(card: str) -> None:
    assert v.payment_card()(card)


@pytest.mark.parametrize("number", ["4111111111111112", "1732700531000", "0000000000000000",
                                    "9999999999999995", "12345678903"])
def test_payment_card_rejects_lookalikes(number: str) -> None:
    assert not v.payment_card()(number)


def test_crc32_base62_accepts_generated_and_rejects_flipped() -> None:
    check = v.crc32_base62()
    for i in range(50):
        token = expand("{{crc32:ghp_}}", f"seed{i}")
        assert check(token)
        flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
        assert not check(flipped)


def test_crc32_base62_matches_githubs_definition() -> None:
    body = "".join(random.Random(1).choice(string.ascii_letters) for _ in range(30))
    crc = zlib.crc32(body.encode())
    digits = ""
    while crc:
        crc, d = divmod(crc, 62)
        digits = B62[d] + digits
    assert v.crc32_base62()("npm_" + body + digits.rjust(6, "0"))


@pytest.mark.parametrize("iban", ["DE89370400440532013000", "GB82WEST12345698765432",
                                  "NL91ABNA0417164300"])
def test_iban_valid(iban: str) -> None:
    assert v.iban()(iban)


@pytest.mark.parametrize("iban", ["DE89370400440532013001", "GB82WEST1234569876543",
                                  "XX89370400440532013000"])
def test_iban_invalid(iban: str) -> None:
    assert not v.iban()(iban)


def test_entropy_threshold() -> None:
    assert v.shannon_entropy("") == 0
    assert v.shannon_entropy("aaaa") == 0
    assert v.shannon_entropy("abcd") == pytest.approx(2.0)
    assert v.entropy(min=3.0)(expand("{{alnum:40}}", "e"))
    assert not v.entropy(min=3.0)("aaaaaaaabbbbbbbb")


@pytest.mark.parametrize("value", ["XXXXXXXXXXXXXXXX", "your_api_key", "<token>", "${API_KEY}",
                                   "sk-proj-AbC1****", "sk-...", "aaaaaaaaaaaaaaaaaaaa",
                                   "REDACTED", "sk_live_0123456789abcdef", "EXAMPLEKEY1234"])
def test_placeholders_rejected(value: str) -> None:
    assert not v.not_placeholder()(value)


def test_random_values_are_not_placeholders() -> None:
    for i in range(200):
        assert v.not_placeholder()(expand("{{alnum:40}}", str(i)))


@pytest.mark.parametrize("value", ["6f1c2a9e-3b7d-4e21-9c55-0d8e7a41b2f3",
                                   "9fceb02d0ae598e95dc970b74767f19372d61af8",
                                   "d41d8cd98f00b204e9800998ecf8427e"])
def test_identifiers_rejected(value: str) -> None:
    assert not v.not_identifier()(value)


def test_stdnum_validator_and_bad_module() -> None:
    ssn = v.stdnum(number="us.ssn")
    assert ssn("536-90-4399")
    assert not ssn("078-05-1120")  # the well-known sample number
    assert not ssn("666-12-3456")
    with pytest.raises(ValueError, match="no number format"):
        v.stdnum(number="xx.nothing")


def test_ip_skip_classes() -> None:
    public = v.ip()
    assert public("8.8.8.8")
    assert public("2001:4860:4860::8888")
    assert public("10.1.2.3")
    assert not public("127.0.0.1")
    assert not public("::1")
    assert not public("999.1.1.1")
    assert not v.ip(skip=["private"])("192.168.1.1")
    with pytest.raises(ValueError, match="unknown address class"):
        v.ip(skip=["secret"])


def test_phone() -> None:
    check = v.phone()
    assert check("+44 20 7946 0958")
    assert not check("2026-11-27")
    assert not check("12345")
    with pytest.raises(ValueError, match="regions must be a list"):
        v.phone(regions="US")


def test_jwt_header() -> None:
    assert v.jwt()(expand("{{jwt}}", "j"))
    assert not v.jwt()("eyJub3QiOiJqc29uIn0.eyJ4Ijo.sig")
    assert not v.jwt()("not-a-token")


@pytest.mark.parametrize(("placeholder", "check"), [
    ("{{azure:+ASt:Default0:64}}", v.azure_identifiable("+ASt", ["Default0"])),
    ("{{azure:AzCa:0x4163636573733030:32}}", v.azure_identifiable("AzCa", [0x4163636573733030])),
    ("{{azure_url:AzFu:0x46756e6374693030:40}}",
     v.azure_identifiable("AzFu", [0x46756e6374693030], url_safe=True)),
    ("{{cask:AZDO}}", v.cask()),
    ("{{age}}", v.bech32()),
])
def test_checksummed_formats_reject_a_changed_character(placeholder: str,
                                                        check: v.Predicate) -> None:
    for seed in range(10):
        value = expand(placeholder, str(seed))
        assert check(value)
        i = len(value) // 3
        changed = value[:i] + ("B" if value[i] != "B" else "C") + value[i + 1:]
        assert not check(changed)


def test_azure_identifiable_needs_its_own_seed_and_signature() -> None:
    key = expand("{{azure:+ASt:Default0:64}}", "s")
    assert not v.azure_identifiable("+ASt", ["Unknown0"])(key)
    assert not v.azure_identifiable("+ASb", ["Default0"])(key)
    with pytest.raises(ValueError, match="8-character name"):
        v.azure_identifiable("+ASt", ["short"])
