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
