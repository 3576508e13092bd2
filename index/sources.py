"""Corpus readers: files and directories of articles -> :class:`Record`.

``read_corpus(paths)`` walks files and directories (recursively, in sorted
order) and yields one :class:`~index.records.Record` per article, reading
``.txt`` (title = first non-empty line, body = the rest), ``.json`` (one object,
an array, or concatenated objects), ``.jsonl``/``.ndjson``, ``.csv``/``.tsv`` and
``.zip`` archives holding any of these. Encodings are detected per file (UTF-8
with or without BOM, UTF-16/32 with BOM, BOM-less UTF-16, Windows-1256, then
charset-normalizer as a last resort).

Bad input never stops the run and is never silent: every file or record that is
skipped lands in a :class:`ReadReport` with its path, line/record number and
reason, and the report's counts add up (``files_seen == files_read +
files_skipped``, ``records_seen == records_read + records_skipped``).

Everything streams: JSONL and CSV line by line, JSON arrays value by value (so a
huge array is never held whole), and an oversized value is skipped by scanning,
not parsing.

>>> rs = read_corpus(["../shared/corpus/seeds"])          # doctest: +SKIP
>>> [r.title[:20] for r in rs][:1], rs.report.records_read  # doctest: +SKIP
"""
from __future__ import annotations

import codecs
import errno
import csv
import hashlib
import json
import os
import re
import stat
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Union

from marsad.index.records import Record

__all__ = [
    "CorpusReader",
    "DEFAULT_MAX_RECORD_BYTES",
    "FIELDS",
    "SUPPORTED_SUFFIXES",
    "ReadReport",
    "Skip",
    "decode_bytes",
    "detect_encoding",
    "load_field_map",
    "read_corpus",
]

PathArg = Union[str, os.PathLike]

#: Default cap on one record's text (title + body, UTF-8 bytes).
DEFAULT_MAX_RECORD_BYTES = 5 * 1024 * 1024
#: The canonical fields a field map can name.
FIELDS = ("id", "title", "body", "url", "source", "date", "author")
#: File kinds by suffix (lower case).
SUPPORTED_SUFFIXES = {
    ".txt": "txt", ".text": "txt",
    ".json": "json",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".csv": "csv", ".tsv": "csv",
    ".zip": "zip",
}
_FIELD_ALIASES = {"content": "body", "text": "body", "outlet": "source", "link": "url", "headline": "title"}
_DATA = Path(__file__).with_name("data") / "field_map.txt"

_CHUNK = 1 << 20  # bytes read at a time
_SAMPLE = 64 * 1024  # bytes looked at to detect the encoding
_ASCII_SAMPLE_MAX = 1 << 20  # read on while the sample is pure ASCII, up to this
_META_MAX_CHARS = 2000  # unmapped scalar fields longer than this stay out of meta


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class Skip:
    """One thing that was not read (or, in ``warnings``, read with a caveat).

    ``path`` is relative to the corpus root given (``a.zip!member.json`` inside
    an archive); ``line`` is a 1-based line number and ``record`` the 1-based
    record number inside the file, when known. ``reason`` is a short code
    (``"binary"``, ``"invalid-json"``, ``"oversized"`` ...), ``detail`` a sentence.
    """

    path: str
    reason: str
    detail: str = ""
    line: int | None = None
    record: int | None = None
    level: str = "file"  # "file" | "record" (what was skipped)

    def where(self) -> str:
        s = self.path
        if self.line is not None:
            s += f":{self.line}"
        if self.record is not None:
            s += f" (record {self.record})"
        return s

    def __str__(self) -> str:
        return f"{self.where()}: {self.reason}" + (f": {self.detail}" if self.detail else "")

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "record": self.record,
                "level": self.level, "reason": self.reason, "detail": self.detail}


@dataclass
class ReadReport:
    """What a read saw, read and skipped. Counts always add up.

    A *file* is a regular file, a member of an archive, or a path that could
    not be walked (broken symlink, symlink loop, unreadable directory); an
    archive that opens is a container, like a directory, and only its members
    count. A file whose records were all skipped still counts as read (its
    record skips say why); a file that yields nothing at all is skipped as
    ``empty``.

    ``strict`` callers: ``if report.skipped: sys.exit(1)``.
    """

    files_seen: int = 0
    files_read: int = 0
    files_skipped: int = 0
    records_seen: int = 0
    records_read: int = 0
    records_skipped: int = 0
    archives_read: int = 0
    skipped: list[Skip] = field(default_factory=list)
    warnings: list[Skip] = field(default_factory=list)  # read, but with a caveat (decode errors, duplicate ids)
    reasons: Counter = field(default_factory=Counter)  # skip reason -> count (files and records)
    warning_reasons: Counter = field(default_factory=Counter)
    encodings: Counter = field(default_factory=Counter)  # encoding -> files decoded with it
    on_event: Callable[[Skip, bool], None] | None = None  # called (skip, is_warning) as they happen

    # -- recording (used by the readers)
    def _skip(self, s: Skip) -> None:
        if s.level == "file":
            self.files_seen += 1
            self.files_skipped += 1
        else:
            self.records_seen += 1
            self.records_skipped += 1
        self.skipped.append(s)
        self.reasons[s.reason] += 1
        if self.on_event:
            self.on_event(s, False)

    def _warn(self, s: Skip) -> None:
        self.warnings.append(s)
        self.warning_reasons[s.reason] += 1
        if self.on_event:
            self.on_event(s, True)

    def _record(self) -> None:
        self.records_seen += 1
        self.records_read += 1

    def _file_read(self) -> None:
        self.files_seen += 1
        self.files_read += 1

    # -- reading it
    @property
    def ok(self) -> bool:
        """True when nothing was skipped (warnings allowed)."""
        return not self.skipped

    def consistent(self) -> bool:
        """The invariant: everything seen was either read or skipped."""
        return (self.files_seen == self.files_read + self.files_skipped
                and self.records_seen == self.records_read + self.records_skipped
                and len(self.skipped) == self.files_skipped + self.records_skipped)

    def summary(self) -> str:
        """A few lines for a human."""
        lines = [
            f"files: {self.files_seen} seen, {self.files_read} read, {self.files_skipped} skipped"
            + (f" ({self.archives_read} archives opened)" if self.archives_read else ""),
            f"records: {self.records_seen} seen, {self.records_read} read, {self.records_skipped} skipped",
        ]
        if self.reasons:
            lines.append("skipped: " + ", ".join(f"{k} {v}" for k, v in sorted(self.reasons.items())))
        if self.warning_reasons:
            lines.append("warnings: " + ", ".join(f"{k} {v}" for k, v in sorted(self.warning_reasons.items())))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": {"seen": self.files_seen, "read": self.files_read, "skipped": self.files_skipped},
            "records": {"seen": self.records_seen, "read": self.records_read, "skipped": self.records_skipped},
            "archives_read": self.archives_read,
            "reasons": dict(self.reasons),
            "warning_reasons": dict(self.warning_reasons),
            "encodings": dict(self.encodings),
            "skipped": [s.to_dict() for s in self.skipped],
            "warnings": [s.to_dict() for s in self.warnings],
        }


# ---------------------------------------------------------------- field maps


def load_field_map(source: PathArg | Mapping[str, Any] | None = None) -> dict[str, tuple[str, ...]]:
    """Field names per canonical field, in priority order.

    ``None`` loads the conventions (``index/data/field_map.txt``); a path loads
    a file in that format; a mapping ``{"title": "myTitle", "body": ["a", "b"]}``
    is validated and returned for the fields it names only.

    >>> load_field_map()["title"]
    ('title', 'headline')
    >>> load_field_map({"content": "txt"})
    {'body': ('txt',)}
    """
    if source is None or isinstance(source, (str, os.PathLike)):
        path = Path(source) if source is not None else _DATA
        out: dict[str, tuple[str, ...]] = {}
        for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
            if not line:
                continue
            key, *names = line.replace(":", " ").replace("=", " ").replace(",", " ").split()
            out[_canonical(key, f"{path}:{n}")] = tuple(names)
        return out
    out = {}
    for key, names in source.items():
        if isinstance(names, str):
            names = (names,)
        names = tuple(str(x) for x in names if str(x))
        if not names:
            raise ValueError(f"field map: no field name given for {key!r}")
        out[_canonical(key, "field map")] = names
    return out


def _canonical(key: str, where: str) -> str:
    k = key.strip().lower()
    k = _FIELD_ALIASES.get(k, k)
    if k not in FIELDS:
        raise ValueError(f"{where}: unknown field {key!r} (expected one of {', '.join(FIELDS)})")
    return k


_CONVENTIONS: dict[str, tuple[str, ...]] | None = None


def _conventions() -> dict[str, tuple[str, ...]]:
    global _CONVENTIONS
    if _CONVENTIONS is None:
        _CONVENTIONS = load_field_map(None)
    return _CONVENTIONS


class _Fields:
    """Resolves a record's keys to canonical fields; plans are cached per key set."""

    def __init__(self, field_map: PathArg | Mapping[str, Any] | None):
        names = dict(_conventions())
        if field_map is not None:
            names.update(load_field_map(field_map))  # explicit names replace the conventions
        self.names = names
        self._plans: dict[tuple, dict[str, list]] = {}

    def plan(self, keys: tuple) -> dict[str, list]:
        p = self._plans.get(keys)
        if p is None:
            if len(self._plans) > 4096:
                self._plans.clear()
            lower: dict[str, str] = {}
            for k in keys:
                if isinstance(k, str):
                    lower.setdefault(k.lower(), k)
            p = {}
            for canon, names in self.names.items():
                found: list = []
                for n in names:
                    if n in keys:
                        found.append(n)
                    elif n.lower() in lower:
                        found.append(lower[n.lower()])
                    elif "." in n:
                        found.append(tuple(n.split(".")))  # a dotted path, looked up per record
                p[canon] = found
            p["_used"] = {k for f in p.values() for k in f if isinstance(k, str)}
            self._plans[keys] = p
        return p


def _text(v: Any) -> str | None:
    """A field value as text: strings as is, numbers formatted, lists joined."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, list):
        parts = [t for t in (_text(x) for x in v) if t and t.strip()]
        return "; ".join(parts) if parts else None
    if isinstance(v, dict):  # {"rendered": ...} (WordPress), {"name": ...} (authors)
        for k in ("rendered", "text", "value", "name", "#text"):
            if isinstance(v.get(k), str):
                return v[k]
    return None


def _get(obj: dict, key: Any) -> Any:
    if isinstance(key, tuple):
        cur: Any = obj
        for part in key:
            if not isinstance(cur, dict):
                return None
            if part in cur:
                cur = cur[part]
            else:
                low = {k.lower(): k for k in cur if isinstance(k, str)}
                if part.lower() not in low:
                    return None
                cur = cur[low[part.lower()]]
        return cur
    return obj.get(key)


def _first(obj: dict, keys: list) -> str | None:
    for k in keys:
        t = _text(_get(obj, k))
        if t is not None and t.strip():
            return t
    return None


# ---------------------------------------------------------------- encodings

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _is_arabic(c: str) -> bool:
    o = ord(c)
    return (0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0x08A0 <= o <= 0x08FF
            or 0xFB50 <= o <= 0xFDFF or 0xFE70 <= o <= 0xFEFF or o in (0x200C, 0x200D, 0x200E, 0x200F))


def _arabic_share(text: str) -> float:
    """Share of the non-ASCII characters that are Arabic-script (ASCII is neutral)."""
    non_ascii = [c for c in text if ord(c) > 0x7F and c != "\ufffd"]
    if not non_ascii:
        return 0.0
    return sum(1 for c in non_ascii if _is_arabic(c)) / len(non_ascii)


def detect_encoding(sample: bytes, at_eof: bool = True) -> str | None:
    """The encoding of a file from its first bytes, or ``None`` for binary data.

    Order: BOMs; NUL patterns (BOM-less UTF-16, else binary); strict UTF-8;
    UTF-8 with a few invalid bytes (still ``"utf-8"``: decoded with
    replacement and reported); Windows-1256 when its high bytes decode to
    Arabic; charset-normalizer; then ``None``. ``at_eof`` says the sample is the
    whole file (a multi-byte character cut at the end of a sample is fine).

    >>> detect_encoding("سوريا".encode("cp1256"))
    'cp1256'
    >>> detect_encoding("سوريا".encode("utf-8"))
    'utf-8'
    >>> detect_encoding(b"\\x00\\x01\\x02binary\\x00\\x00\\xff")
    """
    if not sample:
        return "utf-8"
    for bom, enc in _BOMS:
        if sample.startswith(bom):
            return enc
    nul = sample.count(0)
    if nul:
        odd = sample[1::2].count(0)
        even = nul - odd
        if nul >= len(sample) // 50 and max(odd, even) >= 0.9 * nul:
            enc = "utf-16-le" if odd > even else "utf-16-be"
            try:
                t = sample[: len(sample) // 2 * 2].decode(enc)
            except UnicodeDecodeError:
                t = None
            if t is not None and len(_CONTROL.findall(t)) <= 0.02 * len(t):
                return enc
        if nul * 1000 >= len(sample) or nul > 16:  # text has no NULs; one stray one is let through
            return None
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=at_eof)
    except UnicodeDecodeError:
        text = None
    if text is not None:
        # Guard for very short Windows-1256 text whose bytes happen to form
        # valid UTF-8 (a letter followed by "،" is a valid 2-byte sequence):
        # such text decodes to stray Latin letters, never to Arabic.
        if (not any(_is_arabic(c) for c in text) and any(ord(c) > 0x7F for c in text)
                and _arabic_share(sample.decode("cp1256")) >= 0.8):
            return "cp1256"
        return "utf-8" if _plausible(text) else None
    loose = sample.decode("utf-8", errors="replace")
    if not at_eof and len(sample) > 4:  # a cut character at the end is not an error
        loose = sample[:-4].decode("utf-8", errors="replace")
    bad = loose.count("\ufffd")
    good = sum(1 for c in loose if ord(c) > 0x7F) - bad
    if good >= 3 * bad:
        return "utf-8"  # UTF-8 with a few invalid bytes: decoded with replacement, reported
    cp = sample.decode("cp1256")
    if _plausible(cp):
        high = [c for c in cp if ord(c) > 0x7F]
        letters = [c for c in high if c.isalpha()]
        if letters and sum(map(_is_arabic, letters)) >= 0.6 * len(letters):
            return "cp1256"
        # No letters, only punctuation: Arabic marks (؟ ، RLM), or «» which are
        # the same bytes in Windows-1256 and -1252; guessers misfire on so little.
        if not letters and (cp == sample.decode("cp1252", errors="replace")
                            or sum(map(_is_arabic, high)) >= 0.5 * len(high)):
            return "cp1256"
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - it is a declared dependency
        return None
    best = from_bytes(sample).best()
    if best is not None and best.encoding:
        try:
            if _plausible(sample.decode(best.encoding, errors="replace")):
                return best.encoding
        except LookupError:
            pass
    return None


def _plausible(text: str) -> bool:
    """Text rather than binary: few control characters."""
    return len(_CONTROL.findall(text)) <= 0.05 * max(len(text), 1)


def decode_bytes(data: bytes) -> tuple[str, str | None, int]:
    """Decode a whole byte string: ``(text, encoding, invalid_sequences)``.

    ``encoding`` is ``None`` (and the text empty) when the data looks binary.

    >>> decode_bytes("\\ufeffحلب".encode("utf-8"))
    ('حلب', 'utf-8-sig', 0)
    """
    enc = detect_encoding(data[:_SAMPLE], at_eof=len(data) <= _SAMPLE)
    if enc is None:
        return "", None, 0
    try:
        return data.decode(enc), enc, 0
    except UnicodeDecodeError:
        text = data.decode(enc, errors="replace")
        return text, enc, text.count("\ufffd")


class _Decoder:
    """Decodes a byte stream chunk by chunk, reporting invalid sequences once.

    Switches from ASCII-looking UTF-8 to the right encoding when the first
    non-ASCII bytes show up past the detection sample.
    """

    def __init__(self, enc: str, ascii_only: bool):
        self.enc = enc
        self.ascii_only = ascii_only
        self.dec = codecs.getincrementaldecoder(enc)("strict")
        self.errors = 0
        self.first_error: int | None = None  # byte offset
        self.offset = 0

    def decode(self, data: bytes, final: bool = False) -> str:
        try:
            out = self.dec.decode(data, final)
        except UnicodeDecodeError as e:
            if self.ascii_only and self.enc == "utf-8" and self.errors == 0:
                enc = detect_encoding(data, at_eof=final)
                if enc not in (None, "utf-8"):
                    self.enc = enc  # ASCII so far is the same in the new encoding
                    self.dec = codecs.getincrementaldecoder(enc)("strict")
                    self.ascii_only = False
                    return self.decode(data, final)
            if self.first_error is None:
                self.first_error = self.offset + max(e.start - len(getattr(self.dec, "buffer", b"")), 0)
            self.dec.errors = "replace"  # the decoder's buffer is unchanged after the error
            out = self.dec.decode(data, final)
            self.dec.errors = "strict"
            self.errors += out.count("\ufffd") or 1
        self.offset += len(data)
        if self.ascii_only and not out.isascii():
            self.ascii_only = False
        return out


# ---------------------------------------------------------------- reading one file


class _Ctx:
    def __init__(self, report: ReadReport, fields: _Fields, max_record_bytes: int):
        self.report = report
        self.fields = fields
        self.max_bytes = max_record_bytes
        # The raw text of one record as stored (JSON \\uXXXX escapes: 6
        # characters for 2 UTF-8 bytes) may be longer than its text; past this
        # it is skipped unparsed, so this bounds the memory one record can take.
        self.raw_limit = 4 * max_record_bytes + (1 << 20)
        self.seen_ids: set[bytes] = set()
        self.seen_files: set[str] = set()


class _Unit:
    """Per-file bookkeeping: decides at the end whether the file was read or empty."""

    def __init__(self, ctx: _Ctx, path: str):
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


def _text_chunks(unit: _Unit, raw: IO[bytes]) -> Iterator[str] | None:
    """Detect the encoding and return an iterator of decoded chunks (None: skipped)."""
    ctx = unit.ctx
    sample = raw.read(_SAMPLE)
    at_eof = len(sample) < _SAMPLE
    # Pure ASCII tells nothing about the encoding: look further.
    while not at_eof and sample.isascii() and len(sample) < _ASCII_SAMPLE_MAX:
        more = raw.read(_SAMPLE)
        sample += more
        at_eof = len(more) < _SAMPLE
    if not sample.strip():
        ctx.report._skip(Skip(unit.path, "empty", "empty file" if not sample else "only white space"))
        return None
    enc = detect_encoding(sample if len(sample) <= 4 * _SAMPLE else sample[:4 * _SAMPLE], at_eof=at_eof and len(sample) <= 4 * _SAMPLE)
    if enc is None:
        ctx.report._skip(Skip(unit.path, "binary", "not text in any known encoding"))
        return None
    ctx.report.encodings[enc] += 1
    return _decode_stream(unit, raw, sample, at_eof, enc)


def _decode_stream(unit: _Unit, raw: IO[bytes], first: bytes, at_eof: bool, enc: str) -> Iterator[str]:
    dec = _Decoder(enc, first.isascii())
    try:
        if at_eof:
            yield dec.decode(first, final=True)
        else:
            yield dec.decode(first)
            while True:
                b = raw.read(_CHUNK)
                if not b:
                    yield dec.decode(b"", final=True)
                    break
                yield dec.decode(b)
    finally:
        if dec.errors:
            unit.warn("invalid-encoding",
                      f"{dec.errors} invalid {dec.enc} sequence(s) replaced with U+FFFD (first at byte {dec.first_error})")


def _read_txt(unit: _Unit, chunks: Iterator[str]) -> Iterator[Record]:
    parts, n = [], 0
    for c in chunks:
        n += len(c)
        if n > unit.ctx.raw_limit:
            unit.skip_record("oversized", f"text file over {unit.ctx.raw_limit} characters", None, None)
            return
        parts.append(c)
    text = "".join(parts)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.lstrip("\n \t\ufeff")
    if not text.strip():
        return  # -> empty
    head, _, body = text.partition("\n")
    rec = unit.make(head, body, num=None, line=None)
    if rec is not None:
        yield rec


def _lines(chunks: Iterable[str], limit: int) -> Iterator[tuple[int, str | None]]:
    """``(line_number, line)`` without the newline; ``None`` for a line over ``limit``
    characters, which is dropped while streaming (never held)."""
    n = 0
    pending: list[str] = []
    plen = 0
    dropping = False
    for chunk in chunks:
        parts = chunk.split("\n")
        for part in parts[:-1]:
            n += 1
            if dropping:
                dropping = False
                pending, plen = [], 0
                yield n, None
                continue
            if pending:
                pending.append(part)
                line = "".join(pending)
                pending, plen = [], 0
            else:
                line = part
            yield n, (line if len(line) <= limit else None)
        last = parts[-1]
        if last and not dropping:
            pending.append(last)
            plen += len(last)
            if plen > limit:
                dropping = True
                pending, plen = [], 0
    if dropping:
        yield n + 1, None
    elif pending:
        line = "".join(pending)
        yield n + 1, (line if len(line) <= limit else None)


def _read_jsonl(unit: _Unit, chunks: Iterator[str]) -> Iterator[Record]:
    for n, line in _lines(chunks, unit.ctx.raw_limit):
        if line is None:
            unit.skip_record("oversized", f"line over {unit.ctx.raw_limit} characters", n, n)
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            unit.skip_record("invalid-json", f"{e.msg} at column {e.colno}", n, n)
            continue
        if not isinstance(obj, dict):
            unit.skip_record("not-an-object", f"a JSON {type(obj).__name__}, not an object", n, n)
            continue
        rec = _from_object(unit, obj, num=n, line=n)
        if rec is not None:
            yield rec


def _from_object(unit: _Unit, obj: dict, *, num: int | None, line: int | None) -> Record | None:
    p = unit.ctx.fields.plan(tuple(obj))
    title = _first(obj, p["title"])
    body = _first(obj, p["body"])
    url = _first(obj, p["url"])
    own_id = _first(obj, p["id"])
    meta: dict[str, str] = {}
    for canon in ("source", "date", "author"):
        for k in p[canon]:
            t = _text(_get(obj, k))
            if t is not None and t.strip():
                meta[canon] = t.strip()
                if canon == "date":  # "date_extracted" (a crawl date) is not "date_publish"
                    meta["date_field"] = k if isinstance(k, str) else ".".join(k)
                break
    if url:
        meta["url"] = url.strip()
    used = p["_used"]
    for k, v in obj.items():  # other scalar metadata, kept raw (e.g. "category", "lang")
        if k in used or not isinstance(k, str) or k in meta or isinstance(v, (dict, list)) or v is None:
            continue
        t = _text(v)
        if t and len(t) <= _META_MAX_CHARS:
            meta[k] = t
    why = ""
    if not title and not body:
        if p["title"] or p["body"]:
            why = "title and body are empty"
        else:
            why = f"no title or body field among {sorted(map(str, obj))[:12]} (map one with field_map)"
    return unit.make(title, body, num=num, line=line, own_id=own_id, url=url, meta=meta, why_empty=why)


_WS = re.compile(r"[ \t\n\r]*")
_STRUCT = re.compile(r'["{}\[\]]')
_STR_END = re.compile(r'["\\]')


class _Buf:
    """A sliding window over decoded chunks, for the streaming JSON parser."""

    def __init__(self, chunks: Iterator[str]):
        self.it = chunks
        self.s = ""
        self.pos = 0
        self.eof = False
        self.lines = 0  # newlines before self.s[self._cur]
        self._cur = 0  # a cursor, so line numbers cost O(text) overall, not per call

    def more(self, at_least: int = 1) -> bool:
        if self.eof:
            return False
        if self.pos:
            self.line_at(self.pos)  # move the cursor to the cut
            self.s = self.s[self.pos:]
            self._cur -= self.pos
            self.pos = 0
        got = 0
        add = []
        while got < at_least:
            c = next(self.it, None)
            if c is None:
                self.eof = True
                break
            add.append(c)
            got += len(c)
        if add:
            self.s += "".join(add)
        return got > 0

    def skip_ws(self) -> bool:
        """Skip white space; False at the end of the input."""
        while True:
            self.pos = _WS.match(self.s, self.pos).end()
            if self.pos < len(self.s):
                return True
            if not self.more():
                return False

    def line_at(self, i: int) -> int:
        """1-based line number of ``self.s[i]`` (``i`` at or after the last cut)."""
        if i >= self._cur:
            self.lines += self.s.count("\n", self._cur, i)
        else:
            self.lines -= self.s.count("\n", i, self._cur)
        self._cur = i
        return self.lines + 1


def _json_values(unit: _Unit, chunks: Iterator[str]) -> Iterator[tuple[int, int, Any]]:
    """``(record_number, line, value)`` for each top-level value: the elements of
    a top-level array, or each of a sequence of concatenated values. An
    oversized value is skipped by scanning and reported; invalid JSON is
    reported and ends the file (there is no safe place to resume)."""
    buf = _Buf(chunks)
    dec = json.JSONDecoder()
    limit = unit.ctx.raw_limit
    if not buf.skip_ws():
        return
    in_array = buf.s[buf.pos] == "["
    if in_array:
        buf.pos += 1
    n = 0
    while True:
        if not buf.skip_ws():
            if in_array:
                unit.skip_record("invalid-json", "unexpected end of file inside the array (truncated?)",
                                 buf.line_at(buf.pos), n + 1)
            return
        if in_array and buf.s[buf.pos] == "]":
            buf.pos += 1
            if buf.skip_ws():
                unit.skip_record("invalid-json", "data after the closing ']' ignored", buf.line_at(buf.pos), n + 1)
            return
        n += 1
        start_line = buf.line_at(buf.pos)
        while True:
            try:
                val, end = dec.raw_decode(buf.s, buf.pos)
                if end == len(buf.s) and not buf.eof:  # a number may go on in the next chunk
                    raise json.JSONDecodeError("cut", buf.s, end)
            except json.JSONDecodeError as e:
                if buf.eof:
                    unit.skip_record("invalid-json", f"{e.msg} (line {buf.line_at(e.pos)}); rest of file not read",
                                     start_line, n)
                    return
                if len(buf.s) - buf.pos > limit:
                    _skip_json_value(buf)
                    unit.skip_record("oversized", f"JSON value over {limit} characters", start_line, n)
                    val = _SKIPPED
                    break
                buf.more(max(_CHUNK, len(buf.s) - buf.pos))  # grow geometrically: no quadratic re-parsing
                continue
            buf.pos = end
            break
        if val is not _SKIPPED:
            yield n, start_line, val
        if in_array:
            if not buf.skip_ws():
                unit.skip_record("invalid-json", "unexpected end of file inside the array (truncated?)",
                                 buf.line_at(buf.pos), n + 1)
                return
            c = buf.s[buf.pos]
            if c == ",":
                buf.pos += 1
            elif c != "]":
                unit.skip_record("invalid-json", f"expected ',' or ']' but found {c!r}; rest of file not read",
                                 buf.line_at(buf.pos), n + 1)
                return


_SKIPPED = object()


def _next_chunk(buf: _Buf) -> bool:
    """Consume what the buffer holds and read on; False at the end of the input."""
    buf.pos = len(buf.s)
    if not buf.more():
        buf.pos = len(buf.s)
        return False
    return True


def _skip_json_value(buf: _Buf) -> None:
    """Advance past one JSON value without building it (for oversized values)."""
    depth = 0
    in_str = False
    escape = False
    i = buf.pos
    while True:
        s = buf.s
        if escape:
            if i >= len(s):
                if not _next_chunk(buf):
                    return
                i = 0
                continue
            i += 1
            escape = False
        m = (_STR_END if in_str else _STRUCT).search(s, i)
        if m is None:
            if not _next_chunk(buf):
                return
            i = 0
            continue
        c = m.group()
        i = m.end()
        if in_str:
            if c == "\\":
                escape = True
                continue
            in_str = False
            if depth == 0:
                break
        elif c == '"':
            in_str = True
        elif c in "{[":
            depth += 1
        else:
            depth -= 1
            if depth <= 0:
                break
    buf.pos = i


_CONTAINER_KEYS = ("articles", "data", "items", "records", "results", "docs", "documents", "entries", "posts")


def _read_json(unit: _Unit, chunks: Iterator[str]) -> Iterator[Record]:
    for n, line, val in _json_values(unit, chunks):
        if isinstance(val, dict):
            p = unit.ctx.fields.plan(tuple(val))
            if not p["title"] and not p["body"]:
                inner = next((val[k] for k in val if isinstance(k, str) and k.lower() in _CONTAINER_KEYS
                              and isinstance(val[k], list)), None)
                if inner is not None:  # {"articles": [...]}: a wrapper, not a record
                    for m, obj in enumerate(inner, 1):
                        if isinstance(obj, dict):
                            rec = _from_object(unit, obj, num=m, line=None)
                            if rec is not None:
                                yield rec
                        else:
                            unit.skip_record("not-an-object", f"a JSON {type(obj).__name__}, not an object", None, m)
                    continue
            rec = _from_object(unit, val, num=n, line=line)
            if rec is not None:
                yield rec
        else:
            unit.skip_record("not-an-object", f"a JSON {type(val).__name__}, not an object", line, n)


def _read_csv(unit: _Unit, chunks: Iterator[str], tsv: bool) -> Iterator[Record]:
    limit = unit.ctx.raw_limit
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)  # process-wide; only ever raised

    def lines() -> Iterator[str]:
        for _n, line in _lines(chunks, limit):
            yield _OVERSIZED_LINE if line is None else line + "\n"

    src = lines()
    first = None
    for first in src:
        if first.strip():
            break
    if first is None or not first.strip():
        return
    delim = "\t" if tsv else max((",", ";", "\t", "|"), key=lambda d: (first.count(d), d == ","))
    reader = csv.reader(_chain([first], src), delimiter=delim)
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except csv.Error as e:
        unit.skip_file("invalid-csv", f"header: {e}")
        return
    p = unit.ctx.fields.plan(tuple(header))
    if not p["title"] and not p["body"]:
        unit.skip_file("no-text", f"no title or body column among {header[:20]} (map one with field_map)")
        return
    row_no = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            row_no += 1
            reason = "oversized" if "field limit" in str(e) else "invalid-csv"
            unit.skip_record(reason, str(e), reader.line_num, row_no)
            continue
        if not row:
            continue
        row_no += 1
        if _OVERSIZED_LINE[:-1] in row[0]:
            unit.skip_record("oversized", f"line over {limit} characters", reader.line_num, row_no)
            continue
        if len(row) > len(header) and any(x.strip() for x in row[len(header):]):
            unit.warn("csv-extra-fields", f"{len(row)} fields for {len(header)} columns; extras ignored",
                      reader.line_num, row_no)
        obj = dict(zip(header, row))
        rec = _from_object(unit, obj, num=row_no, line=reader.line_num)
        if rec is not None:
            yield rec


try:
    from lzma import LZMAError as _LZMAError
except ImportError:  # pragma: no cover - Python built without lzma
    class _LZMAError(Exception):
        pass

_OVERSIZED_LINE = "\x00marsad: oversized line dropped\x00\n"  # stands in for a dropped line in the CSV stream


def _chain(*its: Iterable[str]) -> Iterator[str]:
    for it in its:
        yield from it


def _read_stream(unit: _Unit, raw: IO[bytes], kind: str, name: str) -> Iterator[Record]:
    """Read one file (or archive member) of a known kind; report and survive any error."""
    try:
        chunks = _text_chunks(unit, raw)
        if chunks is None:
            return
        try:
            if kind == "txt":
                yield from _read_txt(unit, chunks)
            elif kind == "json":
                yield from _read_json(unit, chunks)
            elif kind == "jsonl":
                yield from _read_jsonl(unit, chunks)
            else:
                yield from _read_csv(unit, chunks, name.lower().endswith(".tsv"))
        finally:
            chunks.close()  # type: ignore[union-attr]  # flushes the decode warning
        unit.finish()
    except Exception as e:  # noqa: BLE001 - one bad file must never stop the run
        # Corrupt archive data or a disk error mid-file: what was read stays read.
        # Anything else is a reader bug on strange input: reported as "error".
        if isinstance(e, (zipfile.BadZipFile, zlib.error, EOFError, _LZMAError)):
            what = "corrupt"
        elif isinstance(e, OSError):
            what = "read-error"
        else:
            what = "error"
        if unit.yielded or unit.rec_skips:
            unit.skip_record(what, f"{type(e).__name__}: {e}; rest of file not read", None, None)
            unit.ctx.report._file_read()
        else:
            unit.ctx.report._skip(Skip(unit.path, what, f"{type(e).__name__}: {e}"))


# ---------------------------------------------------------------- files, dirs, archives


def _kind(name: str) -> str | None:
    return SUPPORTED_SUFFIXES.get(os.path.splitext(name)[1].lower())


def _read_zip(ctx: _Ctx, full: str, rel: str) -> Iterator[Record]:
    report = ctx.report
    try:
        zf = zipfile.ZipFile(full)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        reason = "unreadable" if isinstance(e, PermissionError) else "corrupt"
        report._skip(Skip(rel, reason, f"cannot open archive: {type(e).__name__}: {e}"))
        return
    with zf:
        report.archives_read += 1
        infos = sorted((i for i in zf.infolist() if not i.is_dir()), key=lambda i: i.filename)
        if not infos:
            report._skip(Skip(rel, "empty", "archive with no files"))
        for info in infos:
            mrel = f"{rel}!{info.filename}"
            base = info.filename.rsplit("/", 1)[-1]
            if info.filename.startswith("__MACOSX/") or base.startswith("."):
                report._skip(Skip(mrel, "hidden", "hidden file or macOS metadata, not read"))
                continue
            kind = _kind(info.filename)
            if kind is None:
                report._skip(Skip(mrel, "unsupported-type", "unknown file extension"))
                continue
            if kind == "zip":
                report._skip(Skip(mrel, "unsupported-type", "archive inside an archive; unpack it first"))
                continue
            if info.flag_bits & 0x1:
                report._skip(Skip(mrel, "unreadable", "encrypted archive member"))
                continue
            unit = _Unit(ctx, mrel)
            try:
                raw = zf.open(info)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as e:
                report._skip(Skip(mrel, "corrupt", f"{type(e).__name__}: {e}"))
                continue
            with raw:
                yield from _read_stream(unit, raw, kind, info.filename)


def _read_file(ctx: _Ctx, full: str, rel: str) -> Iterator[Record]:
    kind = _kind(full)
    if kind is None:
        ctx.report._skip(Skip(rel, "unsupported-type", f"unknown file extension (read: {', '.join(sorted(SUPPORTED_SUFFIXES))})"))
        return
    if kind == "zip":
        yield from _read_zip(ctx, full, rel)
        return
    unit = _Unit(ctx, rel)
    try:
        raw = open(full, "rb")
    except OSError as e:
        ctx.report._skip(Skip(rel, "unreadable", f"{type(e).__name__}: {e.strerror or e}"))
        return
    with raw:
        yield from _read_stream(unit, raw, kind, full)


def _stat_reason(path: str, e: OSError) -> str:
    if e.errno == errno.ELOOP:
        return "symlink-loop"
    return "broken-symlink" if os.path.islink(path) and e.errno == errno.ENOENT else "unreadable"


def _walk(ctx: _Ctx, path: str, rel: str, stack: tuple[str, ...]) -> Iterator[Record]:
    """Depth-first, sorted by name; ``stack`` holds the real paths of the
    directories above, so a symlink back up is a loop, reported not followed."""
    report = ctx.report
    try:
        names = sorted(os.listdir(path))
    except OSError as e:
        report._skip(Skip(rel or ".", "unreadable", f"cannot list directory: {e.strerror or e}"))
        return
    for name in names:
        full = os.path.join(path, name)
        r = f"{rel}/{name}" if rel else name
        if name.startswith("."):
            report._skip(Skip(r, "hidden", "hidden file or directory, not read"))
            continue
        try:
            st = os.stat(full)  # follows symlinks
        except OSError as e:
            report._skip(Skip(r, _stat_reason(full, e), e.strerror or str(e)))
            continue
        real = os.path.realpath(full)
        if stat.S_ISDIR(st.st_mode):
            if real in stack:
                report._skip(Skip(r, "symlink-loop", f"links back to {real}"))
                continue
            if real in ctx.seen_files:
                report._skip(Skip(r, "duplicate-path", f"directory already read as {real}"))
                continue
            ctx.seen_files.add(real)
            yield from _walk(ctx, full, r, stack + (real,))
        elif stat.S_ISREG(st.st_mode):
            if real in ctx.seen_files:
                report._skip(Skip(r, "duplicate-path", f"same file as one already read ({real})"))
                continue
            ctx.seen_files.add(real)
            yield from _read_file(ctx, full, r)
        else:
            report._skip(Skip(r, "unsupported-type", "not a regular file (device, socket or pipe)"))


def _read_paths(ctx: _Ctx, paths: list[str]) -> Iterator[Record]:
    for p in paths:
        p = os.fspath(p)
        if os.path.isdir(p):
            real = os.path.realpath(p)
            if real in ctx.seen_files:
                ctx.report._skip(Skip(p, "duplicate-path", "directory given twice"))
                continue
            ctx.seen_files.add(real)
            yield from _walk(ctx, p, "", (real,))
        elif os.path.lexists(p):
            rel = os.path.basename(p.rstrip("/")) or p
            try:
                os.stat(p)
            except OSError as e:
                ctx.report._skip(Skip(rel, _stat_reason(p, e), e.strerror or str(e)))
                continue
            real = os.path.realpath(p)
            if real in ctx.seen_files:
                ctx.report._skip(Skip(rel, "duplicate-path", "file given twice"))
                continue
            ctx.seen_files.add(real)
            if not os.path.isfile(p):
                ctx.report._skip(Skip(rel, "unsupported-type", "not a regular file"))
                continue
            yield from _read_file(ctx, p, rel)
        else:
            ctx.report._skip(Skip(p, "not-found", "no such file or directory"))


class CorpusReader(Iterator[Record]):
    """The iterator :func:`read_corpus` returns; ``.report`` fills as it runs."""

    def __init__(self, gen: Iterator[Record], report: ReadReport):
        self._gen = gen
        self.report = report

    def __iter__(self) -> "CorpusReader":
        return self

    def __next__(self) -> Record:
        return next(self._gen)

    def close(self) -> None:
        self._gen.close()  # type: ignore[attr-defined]


def read_corpus(
    paths: PathArg | Iterable[PathArg],
    *,
    field_map: PathArg | Mapping[str, Any] | None = None,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    report: ReadReport | None = None,
) -> CorpusReader:
    """Yield a Record for every article under ``paths``, streaming.

    ``paths``: files or directories (a single path is fine); directories are
    walked recursively in sorted order; hidden entries, unknown extensions,
    symlink loops and files reached twice are skipped and reported.
    ``field_map``: explicit field names (``{"title": "myTitle"}``) or a file in
    the format of ``index/data/field_map.txt``; it replaces the conventions for
    the fields it names. ``max_record_bytes``: records with more UTF-8 bytes of
    title + body are skipped as ``oversized``. ``report``: a :class:`ReadReport`
    to fill (else a new one, at ``.report`` of the result).

    Ids are stable: the record's ``id`` field, else its ``url``, else its
    ``source_path`` (path relative to the root given, ``!member`` inside a zip,
    ``#n`` for the n-th value of a JSON array, line of a JSONL file or data row
    of a CSV). A repeated id is replaced by the source path (a warning).

    ``meta`` holds raw strings: ``source``, ``date``, ``author``, ``url`` when
    present, plus other scalar fields of the record under their own names.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if max_record_bytes <= 0:
        raise ValueError("max_record_bytes must be positive")
    rep = report if report is not None else ReadReport()
    ctx = _Ctx(rep, _Fields(field_map), max_record_bytes)
    return CorpusReader(_read_paths(ctx, [os.fspath(p) for p in paths]), rep)
