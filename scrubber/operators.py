"""Pure redaction functions: keep_prefix, mask, replace, token, hash, drop.

Each entry of ``BUILTIN`` is a factory: called with the parameters written in a
pack's ``redact`` mapping it returns an operator ``(value, ctx) -> replacement``.
Operators see the value only to compute the replacement; none of them may copy
any part of it into the output except ``mask``'s last N characters by policy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Context:
    """What an operator may use besides the value: labels, kept prefix, keyed helpers."""

    rule_id: str
    entity: str
    prefix: str
    fingerprint: str
    marker: str
    token: Callable[[str, str], int]
    keyed_hash: Callable[[str], str]


Operator = Callable[[str, Context], str]
Factory = Callable[..., Operator]


def _fill(template: str, ctx: Context, **extra: object) -> str:
    return template.format(rule_id=ctx.rule_id, entity=ctx.entity, fingerprint=ctx.fingerprint,
                           **extra)


def _keep_prefix(value: str, ctx: Context) -> str:
    return ctx.prefix + _fill(ctx.marker, ctx)


def keep_prefix(group: str | None = None, chars: int = 4) -> Operator:
    """Keep the rule's ``group`` (vendor prefix + a few chars) or first ``chars``; mark the rest.

    Which part is kept is computed when the rule is compiled; this operator only
    joins that prefix with the policy's marker.
    """
    if group is None and (not isinstance(chars, int) or chars < 0):
        raise ValueError("chars must be a non-negative integer")
    return _keep_prefix


def _mask(value: str, ctx: Context, char: str, keep_last: int, preserve: str) -> str:
    keep_from = len(value)
    seen = 0
    for i in range(len(value) - 1, -1, -1):
        if seen >= keep_last:
            break
        if value[i] not in preserve:
            seen += 1
            keep_from = i
    return "".join(
        c if (i >= keep_from or c in preserve) else char for i, c in enumerate(value)
    )


def mask(char: str = "*", keep_last: int = 0, preserve: str = " -") -> Operator:
    """Replace each character with ``char`` (same length), keeping the last ``keep_last``
    characters that are not in ``preserve``; separators in ``preserve`` stay."""
    if len(char) != 1:
        raise ValueError("char must be a single character")
    if not isinstance(keep_last, int) or keep_last < 0:
        raise ValueError("keep_last must be a non-negative integer")
    return functools.partial(_mask, char=char, keep_last=keep_last, preserve=preserve)


def _replace(value: str, ctx: Context, template: str) -> str:
    return _fill(template, ctx)


def replace(template: str = "<{entity}>") -> Operator:
    """Replace with a label; ``template`` may use {entity}, {rule_id}, {fingerprint}."""
    _check_template(template, "template")
    return functools.partial(_replace, template=template)


def _token(value: str, ctx: Context, template: str) -> str:
    return _fill(template, ctx, n=ctx.token(ctx.entity, value))


def token(template: str = "<{entity}_{n}>") -> Operator:
    """Numbered label, the same for the same value everywhere in one document."""
    _check_template(template, "template", n=1)
    return functools.partial(_token, template=template)


def _hash(value: str, ctx: Context, template: str, length: int) -> str:
    return _fill(template, ctx, hash=ctx.keyed_hash(value)[:length])


def hash(template: str = "<{entity}:{hash}>", length: int = 12) -> Operator:
    """Keyed pseudonym: HMAC-SHA256 of the value under the policy key, truncated."""
    _check_template(template, "template", hash="0")
    if not isinstance(length, int) or not 8 <= length <= 64:
        raise ValueError("length must be an integer between 8 and 64")
    return functools.partial(_hash, template=template, length=length)


def _drop(value: str, ctx: Context) -> str:
    return ""


def drop() -> Operator:
    """Remove the value entirely."""
    return _drop


def _check_template(template: str, name: str, **extra: object) -> None:
    try:
        template.format(rule_id="r", entity="E", fingerprint="f", **extra)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"{name} {template!r} is not a valid template ({exc})") from None


def check_marker(marker: str) -> None:
    """Raise ValueError if a policy marker template uses an unknown field."""
    _check_template(marker, "marker")


BUILTIN: Mapping[str, Factory] = MappingProxyType({
    "keep_prefix": keep_prefix,
    "mask": mask,
    "replace": replace,
    "token": token,
    "hash": hash,
    "drop": drop,
})
