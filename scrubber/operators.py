"""Pure redaction functions: keep_prefix, mask, replace, token, hash, drop.

Each entry of ``BUILTIN`` is a factory: called with the parameters written in a
pack's ``redact`` mapping it returns an operator ``(value, ctx) -> replacement``.
Operators see the value only to compute the replacement; none of them may copy
any part of it into the output except ``mask``'s last N characters by policy.
``encrypt`` is the one reversible operator: ``restore`` turns its labels back
into the values, given the reversible key.
"""

from __future__ import annotations

import base64
import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .errors import ConfigError, ScrubberError


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
    seal: Callable[[str, str], str] | None = None


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


# --------------------------------------------------------------------------- reversible

REVERSIBLE_KEY_ENV = "SCRUBBER_REVERSIBLE_KEY"
REVERSIBLE_KEY_MIN = 32
_SEAL_INFO = b"scrubber-encrypt-operator-v1"
#: ``<ENTITY:enc:TOKEN>``: TOKEN is base64url (no padding) of AES-SIV(value), >= 16 bytes.
LABEL_RE = re.compile(r"<([A-Z0-9_]+):enc:([A-Za-z0-9_-]{22,})>")


class RestoreError(ScrubberError, ValueError):
    """Some ``encrypt`` labels could not be restored (wrong key, or the label was altered).

    ``positions`` holds ``(offset, line, col)`` of each such label in the text;
    the message names the positions only, never a value or the key.
    """

    def __init__(self, positions: tuple[tuple[int, int, int], ...]) -> None:
        self.positions = positions
        where = ", ".join(f"{line}:{col} (offset {off})" for off, line, col in positions[:10])
        more = f" and {len(positions) - 10} more" if len(positions) > 10 else ""
        super().__init__(f"cannot restore {len(positions)} encrypted label(s) at {where}{more}: "
                         "wrong key, or the label was altered")


def reversible_key(key: bytes | str | None) -> bytes | None:
    """The reversible key's bytes: ``key``, else ``$SCRUBBER_REVERSIBLE_KEY``, else None."""
    if key is None:
        key = os.environ.get(REVERSIBLE_KEY_ENV) or None
        if key is None:
            return None
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, bytes) or len(key) < REVERSIBLE_KEY_MIN:
        raise ConfigError(f"the reversible key must be at least {REVERSIBLE_KEY_MIN} bytes "
                          "(e.g. 32 random bytes, base64-encoded)")
    return key


@dataclass(frozen=True, slots=True)
class Sealer:
    """Deterministic authenticated encryption (AES-SIV) of values, bound to their entity.

    The same value and entity under the same key always give the same token, so
    equal values stay linkable across documents; any change to a token, its
    entity or the key makes opening it fail.
    """

    key: bytes = field(repr=False)

    @classmethod
    def from_material(cls, material: bytes) -> Sealer:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        hkdf = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=_SEAL_INFO)
        return cls(hkdf.derive(material))

    def __call__(self, entity: str, value: str) -> str:
        from cryptography.hazmat.primitives.ciphers.aead import AESSIV

        sealed = AESSIV(self.key).encrypt(value.encode("utf-8", "surrogatepass"),
                                          [_SEAL_INFO, entity.encode("utf-8")])
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")

    def open(self, entity: str, token: str) -> str:
        """The value sealed in ``token``; ValueError if the key, entity or token is wrong."""
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESSIV

        try:
            sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            plain = AESSIV(self.key).decrypt(sealed, [_SEAL_INFO, entity.encode("utf-8")])
        except InvalidTag:
            raise ValueError("authentication failed") from None
        return plain.decode("utf-8", "surrogatepass")


def _encrypt(value: str, ctx: Context) -> str:
    if ctx.seal is None:
        raise ConfigError(f"rule '{ctx.rule_id}' uses the 'encrypt' operator but no reversible "
                          f"key is configured (reversible_key= or ${REVERSIBLE_KEY_ENV})")
    return f"<{ctx.entity}:enc:{ctx.seal(ctx.entity, value)}>"


def encrypt() -> Operator:
    """Reversible label ``<ENTITY:enc:TOKEN>``: AES-SIV of the value under the reversible key.

    Deterministic (the same value gives the same label, so values stay linkable)
    and authenticated; ``restore`` turns labels back into values given the key.
    """
    return _encrypt


def sealer_for(rules: Iterable[tuple[str, Operator]], key: bytes | str | None,
               fingerprint_key: bytes) -> Sealer | None:
    """The Sealer for rules ``(rule_id, operator)`` using ``encrypt``; None if none does.

    Raises ConfigError if such a rule exists and no reversible key is configured,
    or if the reversible key is the fingerprint key.
    """
    users = [rid for rid, op in rules if op is _encrypt]
    if not users:
        return None
    material = reversible_key(key)
    if material is None:
        raise ConfigError(f"rule '{users[0]}' uses the 'encrypt' operator but no reversible key "
                          f"is configured: pass reversible_key= or set ${REVERSIBLE_KEY_ENV}")
    if material == fingerprint_key:
        raise ConfigError("the reversible key must not be the fingerprint key")
    return Sealer.from_material(material)


def _line_col(text: str, offset: int) -> tuple[int, int, int]:
    line = text.count("\n", 0, offset) + 1
    return offset, line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def restore(text: str, key: bytes | str | None = None) -> str:
    """Turn every ``<ENTITY:enc:TOKEN>`` label of the ``encrypt`` operator back into its value.

    ``key`` is the reversible key (default ``$SCRUBBER_REVERSIBLE_KEY``). Raises
    ``RestoreError`` naming each label that fails (wrong key or altered label);
    nothing is returned then, so no text comes back half restored.
    """
    material = reversible_key(key)
    if material is None:
        raise ConfigError(f"restore needs the reversible key: pass key= or set "
                          f"${REVERSIBLE_KEY_ENV}")
    sealer = Sealer.from_material(material)
    pieces: list[str] = []
    failed: list[tuple[int, int, int]] = []
    last = 0
    for m in LABEL_RE.finditer(text):
        try:
            value = sealer.open(m[1], m[2])
        except ValueError:
            failed.append(_line_col(text, m.start()))
            continue
        pieces += (text[last:m.start()], value)
        last = m.end()
    if failed:
        raise RestoreError(tuple(failed))
    pieces.append(text[last:])
    return "".join(pieces)


BUILTIN: Mapping[str, Factory] = MappingProxyType({
    "keep_prefix": keep_prefix,
    "mask": mask,
    "replace": replace,
    "token": token,
    "hash": hash,
    "drop": drop,
    "encrypt": encrypt,
})
