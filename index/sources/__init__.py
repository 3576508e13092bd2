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

import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from marsad.index.records import Record
from marsad.index.sources.encodings import decode_bytes, detect_encoding
from marsad.index.sources.fields import FIELDS, Fields, PathArg, load_field_map
from marsad.index.sources.formats import SUPPORTED_SUFFIXES
from marsad.index.sources.report import ReadReport, Skip
from marsad.index.sources.unit import ReadContext
from marsad.index.sources.walk import read_paths

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

#: Default cap on one record's text (title + body, UTF-8 bytes).
DEFAULT_MAX_RECORD_BYTES = 5 * 1024 * 1024


class CorpusReader(Iterator[Record]):
    """The iterator :func:`read_corpus` returns; ``.report`` fills as it runs."""

    def __init__(self, gen: Iterator[Record], report: ReadReport):
        self._gen = gen
        self.report = report

    def __iter__(self) -> CorpusReader:
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
    ctx = ReadContext(rep, Fields(field_map), max_record_bytes)
    return CorpusReader(read_paths(ctx, [os.fspath(p) for p in paths]), rep)
