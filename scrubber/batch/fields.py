"""Which parts of a record get scrubbed, and the walker that scrubs them.

By default every string leaf of a record is scrubbed. A ``FieldMap`` narrows that
(``only``), exempts known-safe fields (``exempt``: ids, enums, timestamps) and
marks fields holding HTML (text nodes and attribute values are scrubbed, the
markup kept) or Jira ADF documents (``text`` nodes and link attributes). A
pattern is matched (shell-style, ``*`` for any run) against a leaf's path with
list positions written ``*`` (``comments.*.html_body``) and against its own key.
"""

from __future__ import annotations

import fnmatch
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import regex

from ..engine import Scrubber
from ..model import ScrubResult
from .markup import scrub_adf, scrub_html

Found = list[tuple[str, Any]]


@dataclass(frozen=True)
class FieldMap:
    """Field patterns: ``only`` (empty: every string leaf), ``exempt``, ``html``, ``adf``."""

    only: tuple[str, ...] = ()
    exempt: tuple[str, ...] = ()
    html: tuple[str, ...] = ()
    adf: tuple[str, ...] = ()

    def merged(self, other: FieldMap) -> FieldMap:
        """This map plus ``other``'s patterns (a vendor map plus the user's options)."""
        return FieldMap(self.only + other.only, self.exempt + other.exempt,
                        self.html + other.html, self.adf + other.adf)


@functools.lru_cache(maxsize=64)
def _matcher(patterns: tuple[str, ...]) -> Callable[[str, str], bool]:
    if not patterns:
        return lambda norm, name: False
    rx = regex.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))

    def match(norm: str, name: str) -> bool:
        return rx.match(norm) is not None or (bool(name) and rx.match(name) is not None)

    return match


class Walker:
    """Scrubs a record's selected string leaves with one engine; collects (path, finding)."""

    def __init__(self, engine: Scrubber, fields: FieldMap, key_field: str | None = None
                 ) -> None:
        self.engine = engine
        self.key_field = key_field
        self.only = _matcher(fields.only)
        self.exempt = _matcher(fields.exempt)
        self.html = _matcher(fields.html)
        self.adf = _matcher(fields.adf)
        self.everything = not fields.only
        self.last_path = ""

    def walk(self, record: Any, found: Found) -> Any:
        """A scrubbed copy of ``record`` (unchanged parts are shared, never modified)."""
        return self._value(record, found, "", "", "", self.everything)

    def text(self, text: str, path: str, found: Found) -> str:
        return self.result(text, path, found).text

    def result(self, text: str, path: str, found: Found) -> ScrubResult:
        """Scrub one string; its findings are recorded under ``path``."""
        self.last_path = path
        result = self.engine.scrub(text)
        if result.findings:
            found.extend((path, f) for f in result.findings)
        return result

    def _value(self, value: Any, found: Found, path: str, norm: str, name: str,
               selected: bool) -> Any:
        if self.exempt(norm, name):
            return value
        selected = selected or self.only(norm, name)
        if isinstance(value, str):
            return self._string(value, found, path, norm, name) if selected else value
        if isinstance(value, dict):
            if selected and self.adf(norm, name):
                return scrub_adf(value, lambda t, p: self.result(t, path + p, found))
            return {k: v if (not path and k == self.key_field) else
                    self._value(v, found, f"{path}.{k}" if path else str(k),
                                f"{norm}.{k}" if norm else str(k), str(k), selected)
                    for k, v in value.items()}
        if isinstance(value, list):
            inner = f"{norm}.*" if norm else "*"
            return [self._value(v, found, f"{path}[{i}]", inner, name, selected)
                    for i, v in enumerate(value)]
        return value

    def _string(self, value: str, found: Found, path: str, norm: str, name: str) -> str:
        if self.html(norm, name):
            return scrub_html(value, lambda t, p: self.result(t, path + p, found))
        if self.adf(norm, name):
            return self._adf_string(value, found, path)
        return self.text(value, path, found)

    def _adf_string(self, value: str, found: Found, path: str) -> str:
        try:
            doc = json.loads(value)
        except ValueError:
            return self.text(value, path, found)
        if not isinstance(doc, dict):
            return self.text(value, path, found)
        before = len(found)
        out = scrub_adf(doc, lambda t, p: self.result(t, path + p, found))
        return json.dumps(out, ensure_ascii=False) if len(found) > before else value
