"""Placeholder expansion is deterministic, consistent within an example, and shaped right."""

from __future__ import annotations

import pytest

from scrubber import validators as v
from scrubber.fakes import expand, has_placeholder


def test_same_seed_same_value_and_same_placeholder_same_value() -> None:
    a = expand("{{alnum:20}} {{alnum:20}} {{alnum:20#2}}", "s")
    x, y, z = a.split()
    assert x == y != z
    assert expand("{{alnum:20}}", "s") == x
    assert expand("{{alnum:20}}", "t") != x


def test_truncation_refers_to_the_same_value() -> None:
    full, cut = expand("{{crc32:ghp_}} {{crc32:ghp_|8}}", "s").split()
    assert full.startswith(cut)
    assert len(cut) == 8


@pytest.mark.parametrize(("placeholder", "check"), [
    ("{{crc32:npm_}}", v.crc32_base62()), ("{{card:4:16}}", v.payment_card()),
    ("{{card:37:15}}", v.payment_card()), ("{{iban:GB}}", v.iban()), ("{{iban:FR}}", v.iban()),
    ("{{ssn}}", v.stdnum(number="us.ssn")), ("{{jwt}}", v.jwt()),
])
def test_special_generators_pass_their_validators(placeholder: str, check: v.Predicate) -> None:
    for seed in range(20):
        assert check(expand(placeholder, str(seed)))


def test_unknown_placeholder_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown placeholder"):
        expand("{{nope:3}}", "s")
    assert has_placeholder("a {{hex:4}}")
    assert not has_placeholder("a {b}")


@pytest.mark.parametrize("module", ["gb.nhs", "de.idnr", "fr.nir", "it.codicefiscale", "cn.ric",
                                    "mx.curp", "kr.rrn", "fi.hetu", "ch.ssn", "br.cpf"])
def test_stdnum_generator_gives_valid_numbers_plain_and_formatted(module: str) -> None:
    check = v.stdnum(number=module)
    for seed in range(10):
        assert check(expand(f"{{{{stdnum:{module}}}}}", str(seed)))
        assert check(expand(f"{{{{stdnum:{module}:format}}}}", str(seed)))


def test_nino_mac_and_token_generators() -> None:
    assert v.uk_nino()(expand("{{nino:spaced}}", "s"))
    mac = expand("{{mac:-}}", "s")
    assert len(mac.split("-")) == 6
    assert int(mac[:2], 16) & 1 == 0
    token = expand("{{token:40}}", "s")
    assert len(token) == 40
    assert any(c.isdigit() for c in token)
    with pytest.raises(ValueError, match="no generator"):
        expand("{{stdnum:xx.nope}}", "s")
