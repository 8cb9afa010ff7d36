"""Operators: output shapes, length preservation, per-document tokens, keyed hashes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrubber import operators as ops


def ctx(prefix: str = "", tokens: dict[tuple[str, str], int] | None = None) -> ops.Context:
    seen = tokens if tokens is not None else {}

    def token(entity: str, value: str) -> int:
        return seen.setdefault((entity, value), len(seen) + 1)

    return ops.Context("r-id", "PERSON", prefix, "fp0123", "[REDACTED:{rule_id}]", token,
                       lambda value: "ab" * 32)


def test_keep_prefix_joins_prefix_and_marker() -> None:
    assert ops.keep_prefix(group="prefix")("ghp_AbCdsecret", ctx("ghp_AbCd")) == (
        "ghp_AbCd[REDACTED:r-id]")


@given(st.text(min_size=0, max_size=40), st.integers(min_value=0, max_value=8))
def test_mask_keeps_length_and_at_most_keep_last(value: str, keep: int) -> None:
    out = ops.mask(keep_last=keep, preserve=" -")(value, ctx())
    assert len(out) == len(value)
    visible = [c for c, o in zip(value, out, strict=True) if c == o and c not in " -*"]
    assert len(visible) <= keep


def test_mask_keeps_last_four_digits_and_separators() -> None:
    out = ops.mask(keep_last=4)("4111 1111 1111 1111", ctx())
    assert out == "**** **** **** 1111"


def test_replace_and_token_and_hash_and_drop() -> None:
    assert ops.replace()("x", ctx()) == "<PERSON>"
    shared: dict[tuple[str, str], int] = {}
    tok = ops.token()
    assert tok("Jane", ctx(tokens=shared)) == "<PERSON_1>"
    assert tok("Omar", ctx(tokens=shared)) == "<PERSON_2>"
    assert tok("Jane", ctx(tokens=shared)) == "<PERSON_1>"
    assert ops.hash(length=8)("Jane", ctx()) == "<PERSON:abababab>"
    assert ops.drop()("Jane", ctx()) == ""


@pytest.mark.parametrize(("factory", "kwargs", "message"), [
    (ops.mask, {"char": "**"}, "single character"),
    (ops.mask, {"keep_last": -1}, "non-negative"),
    (ops.replace, {"template": "{x}"}, "not a valid template"),
    (ops.hash, {"length": 3}, "between 8 and 64"),
    (ops.token, {"template": "<{nope}>"}, "not a valid template"),
])
def test_bad_parameters_raise_value_error(factory: ops.Factory, kwargs: dict[str, object],
                                          message: str) -> None:
    with pytest.raises(ValueError, match=message):
        factory(**kwargs)
