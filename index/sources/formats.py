"""One reader per file kind (txt, json, jsonl, csv/tsv): decoded chunks -> Records.

:func:`read_stream` reads one file or archive member of a known kind and survives
any error in it (reported, what was read stays read).
"""
from __future__ import annotations

import csv
import json
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from typing import IO

from marsad.index.records import Record
from marsad.index.sources.fields import META_MAX_CHARS, first_text, get_value, text_of
from marsad.index.sources.jsonstream import json_values
from marsad.index.sources.report import Skip
from marsad.index.sources.unit import FileUnit, text_chunks

#: File kinds by suffix (lower case).
SUPPORTED_SUFFIXES = {
    ".txt": "txt", ".text": "txt",
    ".json": "json",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".csv": "csv", ".tsv": "csv",
    ".zip": "zip",
}


def _read_txt(unit: FileUnit, chunks: Iterator[str]) -> Iterator[Record]:
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


def _read_jsonl(unit: FileUnit, chunks: Iterator[str]) -> Iterator[Record]:
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


def _from_object(unit: FileUnit, obj: dict, *, num: int | None, line: int | None) -> Record | None:
    p = unit.ctx.fields.plan(tuple(obj))
    title = first_text(obj, p["title"])
    body = first_text(obj, p["body"])
    url = first_text(obj, p["url"])
    own_id = first_text(obj, p["id"])
    meta: dict[str, str] = {}
    for canon in ("source", "date", "author"):
        for k in p[canon]:
            t = text_of(get_value(obj, k))
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
        t = text_of(v)
        if t and len(t) <= META_MAX_CHARS:
            meta[k] = t
    for canon in ("title", "body"):  # a number is not text: read it, but say so
        for k in p[canon]:
            v = get_value(obj, k)
            t = text_of(v)
            if t is not None and t.strip():
                if isinstance(v, (int, float)):  # bool is an int too
                    unit.warn("non-text-field", f"{canon} is a JSON {type(v).__name__} ({json.dumps(v)}); "
                              f"read as the text {t!r}", line, num)
                break
    why = ""
    if not title and not body:
        if p["title"] or p["body"]:
            why = "title and body are empty"
        else:
            why = f"no title or body field among {sorted(map(str, obj))[:12]} (map one with field_map)"
    return unit.make(title, body, num=num, line=line, own_id=own_id, url=url, meta=meta, why_empty=why)


_CONTAINER_KEYS = ("articles", "data", "items", "records", "results", "docs", "documents", "entries", "posts")


def _read_json(unit: FileUnit, chunks: Iterator[str]) -> Iterator[Record]:
    for n, line, val in json_values(unit, chunks):
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


def _read_csv(unit: FileUnit, chunks: Iterator[str], tsv: bool) -> Iterator[Record]:
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
    class _LZMAError(Exception):  # type: ignore[no-redef]
        pass

_OVERSIZED_LINE = "\x00marsad: oversized line dropped\x00\n"  # stands in for a dropped line in the CSV stream


def _chain(*its: Iterable[str]) -> Iterator[str]:
    for it in its:
        yield from it


def read_stream(unit: FileUnit, raw: IO[bytes], kind: str, name: str) -> Iterator[Record]:
    """Read one file (or archive member) of a known kind; report and survive any error."""
    try:
        chunks = text_chunks(unit, raw)
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
            chunks.close()  # type: ignore[attr-defined]  # a generator: closing it flushes the decode warning
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
