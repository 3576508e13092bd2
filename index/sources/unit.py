"""Per-read and per-file bookkeeping: skips, the size cap, unique ids, the decoded stream.

A :class:`FileUnit` turns field values into a :class:`Record` (or a reported skip)
and decides at the end whether its file was read or empty.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import IO

from marsad.index.records import Record
from marsad.index.sources.encodings import (
    ASCII_SAMPLE_MAX,
    CHUNK,
    SAMPLE,
    Decoder,
    detect_encoding,
)
from marsad.index.sources.fields import Fields
from marsad.index.sources.report import ReadReport, Skip


class ReadContext:
    def __init__(self, report: ReadReport, fields: Fields, max_record_bytes: int):
        self.report = report
        self.fields = fields
        self.max_bytes = max_record_bytes
        # The raw text of one record as stored (JSON \\uXXXX escapes: 6
        # characters for 2 UTF-8 bytes) may be longer than its text; past this
        # it is skipped unparsed, so this bounds the memory one record can take.
        self.raw_limit = 4 * max_record_bytes + (1 << 20)
        self.seen_ids: set[bytes] = set()
        self.seen_files: set[str] = set()


class FileUnit:
    """Per-file bookkeeping: decides at the end whether the file was read or empty."""

    def __init__(self, ctx: ReadContext, path: str):
        self.ctx = ctx
        self.path = path
        self.yielded = 0
        self.rec_skips = 0
        self.file_skipped = False

    def skip_file(self, reason: str, detail: str = "") -> None:
        self.file_skipped = True
        self.ctx.report._skip(Skip(self.path, reason, detail))

    def skip_record(self, reason: str, detail: str = "", line: int | None = None, record: int | None = None):
        self.rec_skips += 1
        self.ctx.report._skip(Skip(self.path, reason, detail, line, record, "record"))

    def warn(self, reason: str, detail: str = "", line: int | None = None, record: int | None = None):
        self.ctx.report._warn(Skip(self.path, reason, detail, line, record, "file"))

    def finish(self) -> None:
        if self.file_skipped:
            return
        if self.yielded or self.rec_skips:
            self.ctx.report._file_read()
        else:
            self.ctx.report._skip(Skip(self.path, "empty", "no records in the file"))

    def make(self, title: str | None, body: str | None, *, num: int | None, line: int | None,
             own_id: str | None = None, url: str | None = None, meta: dict[str, str] | None = None,
             why_empty: str = "") -> Record | None:
        """A Record, or None after reporting why the record is skipped."""
        title = _clean(title)
        body = _clean(body)
        if not title and not body:
            self.skip_record("no-text", why_empty or "neither title nor body", line, num)
            return None
        n = len(title) + len(body)
        cap = self.ctx.max_bytes
        if n * 4 > cap and (n > cap or len(title.encode()) + len(body.encode()) > cap):
            size = len(title.encode()) + len(body.encode())
            self.skip_record("oversized", f"{size} bytes of text > limit {cap}", line, num)
            return None
        sp = self.path if num is None else f"{self.path}#{num}"
        rid = (own_id or "").strip() or (url or "").strip() or sp
        rid = self._unique(rid, sp, line, num)
        self.yielded += 1
        self.ctx.report._record()
        return Record(id=rid, title=title, body=body, url=(url or "").strip() or None,
                      source_path=sp, meta=meta or {})

    def _unique(self, rid: str, sp: str, line, num) -> str:
        seen = self.ctx.seen_ids
        h = hashlib.blake2b(rid.encode("utf-8", "surrogatepass"), digest_size=10).digest()
        if h not in seen:
            seen.add(h)
            return rid
        # Two records claim one id (two exports numbering from 1, a re-scraped
        # URL): keep both, the later one under its path, so none is lost.
        new, k = sp, 1
        while True:
            h = hashlib.blake2b(new.encode("utf-8", "surrogatepass"), digest_size=10).digest()
            if h not in seen:
                seen.add(h)
                break
            k += 1
            new = f"{sp}~{k}"
        self.warn("duplicate-id", f"id {rid!r} already used; this record is {new!r}", line, num)
        return new


def _clean(s: str | None) -> str:
    if not s:
        return ""
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    return s.strip()


def text_chunks(unit: FileUnit, raw: IO[bytes]) -> Iterator[str] | None:
    """Detect the encoding and return an iterator of decoded chunks (None: skipped)."""
    ctx = unit.ctx
    sample = raw.read(SAMPLE)
    at_eof = len(sample) < SAMPLE
    # Pure ASCII tells nothing about the encoding: look further.
    while not at_eof and sample.isascii() and len(sample) < ASCII_SAMPLE_MAX:
        more = raw.read(SAMPLE)
        sample += more
        at_eof = len(more) < SAMPLE
    if not sample.strip():
        ctx.report._skip(Skip(unit.path, "empty", "empty file" if not sample else "only white space"))
        return None
    enc = detect_encoding(sample if len(sample) <= 4 * SAMPLE else sample[:4 * SAMPLE], at_eof=at_eof and len(sample) <= 4 * SAMPLE)
    if enc is None:
        ctx.report._skip(Skip(unit.path, "binary", "not text in any known encoding"))
        return None
    ctx.report.encodings[enc] += 1
    return _decode_stream(unit, raw, sample, at_eof, enc)


def _decode_stream(unit: FileUnit, raw: IO[bytes], first: bytes, at_eof: bool, enc: str) -> Iterator[str]:
    dec = Decoder(enc, first.isascii())
    try:
        if at_eof:
            yield dec.decode(first, final=True)
        else:
            yield dec.decode(first)
            while True:
                b = raw.read(CHUNK)
                if not b:
                    yield dec.decode(b"", final=True)
                    break
                yield dec.decode(b)
    finally:
        if dec.errors:
            unit.warn("invalid-encoding",
                      f"{dec.errors} invalid {dec.enc} sequence(s) replaced with U+FFFD (first at byte {dec.first_error})")
