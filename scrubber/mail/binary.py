"""Binary attachments: cheap text extraction (strings, zip/OOXML members, PDF streams)."""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from .policy import LimitExceeded, Limits

_ASCII_RUN = re.compile(rb"[\x20-\x7e\t]{8,}")
_UTF16_RUN = re.compile(rb"(?:[\x20-\x7e]\x00){8,}")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
_XML_TAG = re.compile(rb"<[^>]*>")


def sniff_text(data: bytes, limits: Limits) -> str:
    """Printable text found in ``data``, one run per line; archive members are opened."""
    runs = _runs(data)
    if data.startswith(b"PK\x03\x04"):
        runs += _zip_members(data, limits)
    if data.startswith(b"%PDF-"):
        runs += _pdf_streams(data, limits)
    return "\n".join(r.decode("latin-1") for r in runs)


def _runs(data: bytes) -> list[bytes]:
    out = _ASCII_RUN.findall(data)
    out += [r.decode("utf-16-le").encode("latin-1") for r in _UTF16_RUN.findall(data)]
    return out


def _zip_members(data: bytes, limits: Limits) -> list[bytes]:
    out: list[bytes] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return out
    if len(infos) > limits.max_parts:
        raise LimitExceeded("archive-members")
    total = 0
    for info in infos:
        allowed = max(info.compress_size, 1) * limits.max_ratio
        if info.file_size > allowed:
            raise LimitExceeded("decoded-ratio")
        total += info.file_size
        if total > limits.max_decoded:
            raise LimitExceeded("decoded-size")
        try:
            member = archive.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
            continue
        out += _runs(_XML_TAG.sub(b"", member) if member.lstrip().startswith(b"<") else member)
    return out


def _pdf_streams(data: bytes, limits: Limits) -> list[bytes]:
    out: list[bytes] = []
    budget = limits.max_decoded
    for match in _PDF_STREAM.finditer(data):
        stream = match.group(1)
        cap = int(min(len(stream) * limits.max_ratio, budget))
        inflater = zlib.decompressobj()
        try:
            plain = inflater.decompress(stream, cap + 1)
        except zlib.error:
            continue
        if len(plain) > cap:
            raise LimitExceeded("decoded-ratio")
        budget -= len(plain)
        out += _runs(plain)
    return out
