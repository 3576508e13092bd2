"""The Marsad codec: Whoosh segments whose postings ARE packed numpy arrays.

A Marsad index is a genuine Whoosh index: its TOC lists segments whose codec
is :class:`MarsadCodec` (a :class:`whoosh.codec.whoosh3.W3Codec` subclass,
pickled by name, so a stock ``whoosh.index.open_dir(...).searcher()`` opens
and searches it wherever ``marsad`` is importable). Only the inverted index
differs from W3; stored fields, columns (date) and field lengths are W3's.

Per segment, two files replace W3's ``.trm``/``.pst`` (one copy of every
posting; the engine and Whoosh's own matchers read the same bytes):

``<segment>.mtd`` - the term dictionary, memory-mapped. A magic line, a JSON
    header and, per field, little-endian arrays: ``blob`` (the sorted term
    bytes, concatenated), ``toff`` (uint32, term i is ``blob[toff[i]:toff[i+1]]``;
    binary search, prefix ranges for ``word*``), ``df`` (uint32), ``poff``
    (uint32, or uint64 past 4 GB: where term i's postings start in ``.mpo``;
    the next entry is its end), ``kind`` (uint8, the dtypes of the three parts below), and
    for a *derived* field ``voff``/``var`` (CSR: the ids of the terms of the
    field it derives from whose positions make up this term's).
``<segment>.mpo`` - the postings, memory-mapped. Per term, back to back:
    doc-id gaps (first id absolute), the term frequencies (left out when all
    are 1: facet fields), the positions (within each document the first one
    absolute, then gaps), each part in the smallest of uint8/16/32 that holds
    its largest value (per term: a numpy ``cumsum`` decodes it, no Python loop).

Positions are stored where phrases, proximity and highlights need them. The
stem level (``title``, ``body``) and the exact level (``*_exact``) come from one
tokenization: a stem term's positions are the union of the positions of the
exact terms it stems from, so the writer stores positions for the exact level
only and, per stem term, the ids of those exact terms (``pos="derived"``).

Every Whoosh internal Marsad relies on is used in this module only;
``tests/test_index_codec.py`` pins the behaviour (and pyproject.toml the
whoosh-reloaded versions it was tested with).
"""
from __future__ import annotations

import itertools
import json
import os
import sys
import threading
import zlib

try:  # the standard library's from Python 3.14 on
    from compression import zstd  # type: ignore[import-not-found]
except ImportError:
    from backports import zstd  # type: ignore[import-not-found,no-redef]
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterator
from itertools import chain
from typing import Any

import numpy as np
from whoosh import columns
from whoosh.codec import base
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3PerDocReader, W3PerDocWriter, W3Segment, _lenfield
from whoosh.formats import Existence, Frequency, Positions
from whoosh.matching import ListMatcher
from whoosh.reading import TermInfo, TermNotFound
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length

__all__ = ["MarsadCodec", "encode_many", "SegmentArrays", "segment_arrays", "leaf_lengths", "numeric_column", "BlockColumn",
           "hash_column", "hash_value", "HASH_COLUMN", "HASH_COLUMN_NAME", "size_by_part", "MAGIC",
           "KeysColumn", "KEYS_COLUMN", "KEYS_COLUMN_NAME", "keys_value", "doc_keys"]

MAGIC = b"MARSAD-TERMS 1\n"
TERMS_EXT = ".mtd"
POSTS_EXT = ".mpo"

_UINTS = (np.dtype("<u1"), np.dtype("<u2"), np.dtype("<u4"))
_F4 = np.dtype("<f4")
_EMPTY_I = np.zeros(0, np.int32)
_EMPTY_F = np.zeros(0, np.float32)
_EMPTY_L = np.zeros(0, np.int64)
_LEN_TABLE = np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)


def _uint_code(maxval: int) -> int:
    return 0 if maxval < 1 << 8 else 1 if maxval < 1 << 16 else 2


# kind byte: bits 0-1 doc-gap dtype, bits 2-4 tf (0 = all ones, 1-3 uint8/16/32, 4 float32),
# bits 5-6 position-gap dtype
def _kind(dcode: int, tcode: int, pcode: int) -> int:
    return dcode | (tcode << 2) | (pcode << 5)


_ARRAY_CODES = ("B", "H", "I")
_SMALL = 16  # terms with fewer postings (most of a Zipfian vocabulary) are packed without numpy


def _packed(values: list[int]) -> tuple[int, bytes]:
    code = _uint_code(max(values))
    a = array(_ARRAY_CODES[code], values)
    if sys.byteorder != "little":
        a.byteswap()
    return code, a.tobytes()


def _encode_small(docs: Any, weights: Any, positions: Any) -> tuple[int, bytes]:
    """:func:`_encode` in plain Python: numpy's per-call cost dominates a few postings."""
    docs = [int(d) for d in docs]
    gaps = [docs[0]] + [b - a for a, b in zip(docs, docs[1:])]
    dcode, data = _packed(gaps)
    parts = [data]
    w = [float(x) for x in weights]
    if all(x == 1.0 for x in w):
        tcode = 0
    elif all(x >= 0 and x == int(x) for x in w):
        c, data = _packed([int(x) for x in w])
        tcode = 1 + c
        parts.append(data)
    else:
        tcode = 4
        parts.append(np.asarray(w, dtype=_F4).tobytes())
    pcode = 0
    if positions is not None and len(positions):
        pos = [int(p) for p in positions]
        pg = []
        at = 0
        for n in (int(x) for x in w):
            prev = 0
            for p in pos[at:at + n]:
                pg.append(p - prev)
                prev = p
            at += n
        pcode, data = _packed(pg)
        parts.append(data)
    return _kind(dcode, tcode, pcode), b"".join(parts)


def _encode(docs: Any, weights: Any, positions: Any, counts: Any) -> tuple[int, bytes]:
    """(kind, bytes) of one term's postings; ``positions`` flat, absolute, per doc in order."""
    if len(docs) < _SMALL:
        return _encode_small(docs, weights, positions)
    docs = np.asarray(docs, dtype=np.int64)
    gaps = np.diff(docs, prepend=0)
    dcode = _uint_code(int(gaps.max()))
    parts = [gaps.astype(_UINTS[dcode]).tobytes()]
    w = np.asarray(weights, dtype=np.float64)
    if np.all(w == 1.0):
        tcode = 0
    elif np.all((w == np.floor(w)) & (w >= 0)):
        tcode = 1 + _uint_code(int(w.max()))
        parts.append(w.astype(_UINTS[tcode - 1]).tobytes())
    else:
        tcode = 4
        parts.append(w.astype(_F4).tobytes())
    pcode = 0
    if positions is not None and len(positions):
        pos = np.asarray(positions, dtype=np.int64)
        pg = np.diff(pos, prepend=0)
        starts = np.concatenate(([0], np.cumsum(np.asarray(counts).astype(np.int64))[:-1])).astype(np.int64)
        pg[starts] = pos[starts]  # the first position of each document is absolute
        pcode = _uint_code(int(pg.max()))
        parts.append(pg.astype(_UINTS[pcode]).tobytes())
    return _kind(dcode, tcode, pcode), b"".join(parts)


_SIZES = np.array([1, 2, 4], dtype=np.int64)
_CHUNK = 500_000  # postings encoded at once by add_terms (bounds the encoder's temporary arrays)


def _codes(maxima: np.ndarray) -> np.ndarray:
    """:func:`_uint_code` of every value."""
    return (maxima >= 1 << 8).astype(np.int64) + (maxima >= 1 << 16)


def _scatter(out: np.ndarray, values: np.ndarray, owner: np.ndarray, first: np.ndarray, at: np.ndarray,
             code: np.ndarray, floats: np.ndarray | None = None) -> None:
    """Write ``values`` (element i belongs to term ``owner[i]``, whose part starts at
    byte ``at[t]`` and whose elements start at index ``first[t]``) into ``out``, each
    in its term's dtype: ``code`` 0/1/2 = uint8/16/32, or float32 where ``floats``."""
    idx = np.arange(len(values), dtype=np.int64) - first[owner]
    size = _SIZES[code[owner]]
    if floats is not None:
        size = np.where(floats[owner], 4, size)
    offset = at[owner] + idx * size
    for width, dt in ((1, _UINTS[0]), (2, _UINTS[1]), (4, _UINTS[2]), (4, _F4)):
        sel = size == width
        if floats is not None:
            sel &= floats[owner] if dt is _F4 else ~floats[owner]
        elif dt is _F4:
            continue
        if not sel.any():
            continue
        raw = values[sel].astype(dt).view(np.uint8).reshape(-1, width)
        out[(offset[sel][:, None] + np.arange(width)).ravel()] = raw.ravel()


def encode_many(docs: np.ndarray, weights: np.ndarray, starts: np.ndarray,
                positions: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_encode` of many terms at once, byte for byte: ``docs``/``weights``
    are every term's postings back to back (term t's are ``starts[t]:starts[t+1]``,
    ``starts`` ending with their total), ``positions`` (positional fields) every
    posting's positions back to back, ``weights`` then being their counts.
    Returns (kinds uint8, the bytes uint8, each term's byte offset, with the end).

    >>> k, b, off = encode_many(np.array([3, 9, 1]), np.array([1., 1., 2.]), np.array([0, 2, 3]))
    >>> k.tolist(), b.tolist(), off.tolist()
    ([0, 4], [3, 6, 1, 2], [0, 2, 4])
    """
    docs = np.asarray(docs, dtype=np.int64)
    w = np.asarray(weights, dtype=np.float64)
    starts = np.asarray(starts, dtype=np.int64)
    first, n = starts[:-1], np.diff(starts)
    nt = len(n)
    if nt == 0:
        return np.zeros(0, np.uint8), np.zeros(0, np.uint8), np.zeros(1, np.int64)
    owner = np.repeat(np.arange(nt), n)
    gaps = np.diff(docs, prepend=0)
    gaps[first] = docs[first]
    dcode = _codes(np.maximum.reduceat(gaps, first))
    ones = np.minimum.reduceat(w == 1.0, first).astype(bool)
    integral = np.minimum.reduceat((w == np.floor(w)) & (w >= 0), first).astype(bool)
    wcode = _codes(np.maximum.reduceat(w, first))
    tcode = np.where(ones, 0, np.where(integral, 1 + wcode, 4))
    dbytes = n * _SIZES[dcode]
    wc = np.clip(tcode - 1, 0, 2)  # the uint dtype of integral weights
    tbytes = np.where(tcode == 0, 0, np.where(tcode == 4, 4, _SIZES[wc])) * n
    pcode = np.zeros(nt, dtype=np.int64)
    pbytes = np.zeros(nt, dtype=np.int64)
    if positions is not None and len(positions):
        pos = np.asarray(positions, dtype=np.int64)
        counts = w.astype(np.int64)
        pstart_post = np.concatenate(([0], np.cumsum(counts)[:-1]))
        pg = np.diff(pos, prepend=0)
        pg[pstart_post] = pos[pstart_post]  # the first position of each document is absolute
        per_term = np.add.reduceat(counts, first)
        pfirst = np.concatenate(([0], np.cumsum(per_term)[:-1]))
        has = per_term > 0
        pmax = np.zeros(nt, dtype=np.int64)
        if has.any():  # reduceat over the terms that have positions (an empty range would read one)
            pmax[has] = np.maximum.reduceat(pg, pfirst[has])
        pcode = np.where(has, _codes(pmax), 0)
        pbytes = per_term * _SIZES[pcode]
    total = dbytes + tbytes + pbytes
    off = np.concatenate(([0], np.cumsum(total))).astype(np.int64)
    out = np.zeros(int(off[-1]), dtype=np.uint8)
    _scatter(out, gaps, owner, first, off[:-1], dcode)
    wt = tcode != 0
    if wt.any():
        keep = wt[owner]
        # the weights' part of term t starts after its gaps; index elements among the kept terms only
        kfirst = np.concatenate(([0], np.cumsum(np.where(wt, n, 0))[:-1]))
        _scatter(out, w[keep], owner[keep], kfirst, off[:-1] + dbytes, wc, floats=tcode == 4)
    if pbytes.any():
        powner = np.repeat(np.arange(nt), per_term)
        _scatter(out, pg, powner, pfirst, off[:-1] + dbytes + tbytes, pcode)
    kinds = (dcode | (tcode << 2) | (pcode << 5)).astype(np.uint8)
    return kinds, out, off


def _positional(fmt: Any) -> bool:
    return type(fmt) is Positions


def _check_format(fieldname: str, fmt: Any) -> None:
    if type(fmt) not in (Existence, Frequency, Positions):
        raise ValueError(f"MarsadCodec stores Existence, Frequency and Positions postings; field {fieldname!r} "
                         f"has {type(fmt).__name__}")


class MarsadCodec(W3Codec):
    """W3 with Marsad's inverted index (see the module docstring).

    ``derived`` maps a positional field to the field its positions are
    derived from; only :class:`MarsadFieldWriter.add_term` callers that know
    the term mapping (the build's one-pass writer) use it.
    """

    TERMS_EXT = TERMS_EXT
    POSTS_EXT = POSTS_EXT

    def per_document_writer(self, storage: Any, segment: Any) -> MarsadPerDocWriter:
        return MarsadPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage: Any, segment: Any) -> MarsadPerDocReader:
        return MarsadPerDocReader(storage, segment)

    def field_writer(self, storage: Any, segment: Any) -> MarsadFieldWriter:
        return MarsadFieldWriter(storage, segment)

    def terms_reader(self, storage: Any, segment: Any) -> SegmentArrays:
        return SegmentArrays(storage, segment)

    def new_segment(self, storage: Any, indexname: str) -> W3Segment:
        return W3Segment(self, indexname)


# ---------------------------------------------------------------- stored fields


class _BlockCache:
    """Decompressed stored-field blocks, least recently used out past ``limit`` bytes,
    shared by every segment of the process (a result page's hits, their copies and
    the next page's documents sit in a few blocks each)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self._d: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, int]) -> bytes | None:
        with self._lock:
            data = self._d.get(key)
            if data is not None:
                self._d.move_to_end(key)
            return data

    def put(self, key: tuple[int, int], data: bytes) -> None:
        with self._lock:
            if key in self._d:
                return
            self._d[key] = data
            self.size += len(data)
            while self.size > self.limit and len(self._d) > 1:
                _, old = self._d.popitem(last=False)
                self.size -= len(old)


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # every zstd frame begins so; a zlib stream with 0x78
_BLOCKS = _BlockCache(int(os.environ.get("MARSAD_BLOCK_CACHE_MB", "48")) * 2**20)
_READER_IDS = itertools.count()


class BlockColumn(columns.Column):
    """Variable-length values compressed in blocks (zstd), with a numpy offsets table.

    Documents are packed into blocks of about ``blocksize`` bytes, each
    compressed whole (neighbouring articles share most of their vocabulary:
    far better than W3's one zlib stream per document). The table at the end
    (block starts, first document of each block, each document's end inside
    its block) is read with numpy when the column opens; a lookup is two
    array reads and one block decompression (recent blocks are cached: ``_BLOCKS``, 48 MB
    per process by default, ``MARSAD_BLOCK_CACHE_MB``).

    zstd level 3 rather than zlib level 6: on the corpus's stored articles it
    compresses 7x faster (0.03 against 0.22 ms an article, a tenth of a
    build's per-article work) and decompresses faster, for 6% more bytes.
    Blocks of indexes written with zlib still read: the reader tells the two
    apart by the zstd frame's magic number.
    """

    def __init__(self, level: int = 3, blocksize: int = 16 * 1024) -> None:
        self._level, self._blocksize = level, blocksize

    def writer(self, dbfile: Any) -> BlockColumn.Writer:
        return BlockColumn.Writer(dbfile, self._level, self._blocksize)

    def reader(self, dbfile: Any, basepos: int, length: int, doccount: int) -> BlockColumn.Reader:
        return BlockColumn.Reader(dbfile, basepos, length, doccount)

    class Writer(columns.ColumnWriter):
        def __init__(self, dbfile: Any, level: int, blocksize: int) -> None:
            self._dbfile, self._level, self._blocksize = dbfile, level, blocksize
            self._at = 0
            self._starts: list[int] = []  # byte offset of each block
            self._firsts: list[int] = []  # first docnum of each block
            self._ends: list[int] = []  # per docnum: end of its value inside its block
            self._block: list[bytes] = []
            self._size = 0

        def _emit(self) -> None:
            if not self._block:
                return
            data = zstd.compress(b"".join(self._block), self._level)
            self._starts.append(self._at)
            self._dbfile.write(data)
            self._at += len(data)
            self._block, self._size = [], 0

        def add(self, docnum: int, v: bytes) -> None:
            while len(self._ends) < docnum:  # documents without a value
                self._put(b"")
            self._put(v)

        def _put(self, v: bytes) -> None:
            if not self._block:
                self._firsts.append(len(self._ends))
            self._block.append(v)
            self._size += len(v)
            self._ends.append(self._size)
            if self._size >= self._blocksize:
                self._emit()

        def finish(self, doccount: int) -> None:
            while len(self._ends) < doccount:
                self._put(b"")
            self._emit()
            starts = np.asarray(self._starts + [self._at], dtype="<u8").tobytes()
            firsts = np.asarray(self._firsts, dtype="<u4").tobytes()
            ends = np.asarray(self._ends, dtype="<u4").tobytes()
            self._dbfile.write(starts + firsts + ends)
            self._dbfile.write(np.asarray([len(self._firsts), len(self._ends), self._at], dtype="<u8").tobytes())

    class Reader(columns.ColumnReader):
        def __init__(self, dbfile: Any, basepos: int, length: int, doccount: int) -> None:
            self._dbfile, self._basepos, self._doccount = dbfile, basepos, doccount
            nblocks, ndocs, at = np.frombuffer(dbfile.get(basepos + length - 24, 24), dtype="<u8").tolist()
            table = dbfile.get(basepos + at, 8 * (nblocks + 1) + 4 * nblocks + 4 * ndocs)
            self._starts = np.frombuffer(table, dtype="<u8", count=nblocks + 1)
            self._firsts = np.frombuffer(table, dtype="<u4", count=nblocks, offset=8 * (nblocks + 1))
            self._ends = np.frombuffer(table, dtype="<u4", count=ndocs, offset=8 * (nblocks + 1) + 4 * nblocks)
            self._lock = threading.Lock()
            self._key = next(_READER_IDS)  # never reused (an id() could be, after a reader is freed)

        def _blockdata(self, b: int) -> bytes:
            key = (self._key, b)
            data = _BLOCKS.get(key)
            if data is None:
                s, e = int(self._starts[b]), int(self._starts[b + 1])
                with self._lock:  # the file's seek + read is one step for concurrent page renders
                    raw = self._dbfile.get(self._basepos + s, e - s)
                data = zstd.decompress(raw) if raw[:4] == _ZSTD_MAGIC else zlib.decompress(raw)
                _BLOCKS.put(key, data)
            return data

        def __getitem__(self, docnum: int) -> bytes:
            if docnum >= len(self._ends):
                return b""
            b = int(np.searchsorted(self._firsts, np.uint32(docnum), side="right")) - 1
            data = self._blockdata(b)
            start = 0 if docnum == self._firsts[b] else int(self._ends[docnum - 1])
            return data[start:int(self._ends[docnum])]

        def __iter__(self) -> Iterator[bytes]:
            for i in range(self._doccount):
                yield self[i]


STORED_COLUMN = columns.PickleColumn(BlockColumn())


class MarsadPerDocWriter(W3PerDocWriter):
    """W3's per-document writer with stored fields in compressed blocks."""

    def _create_column(self, fieldname: str, column: Any) -> None:
        super()._create_column(fieldname, STORED_COLUMN if fieldname == "_stored" else column)

    def finish_doc(self) -> None:
        sf = self._storedfields
        if sf:
            self.add_column_value("_stored", STORED_COLUMN, sf)
            sf.clear()
        self._indoc = False


class MarsadPerDocReader(W3PerDocReader):
    """W3's per-document reader; stored fields from :class:`BlockColumn`."""

    def stored_fields(self, docnum: int) -> dict[str, Any]:
        reader = self._cached_reader("_stored", STORED_COLUMN)
        v = reader[docnum] if reader is not None else None
        return v or {}


# ---------------------------------------------------------------- writing


class MarsadFieldWriter(base.FieldWriter):
    """Writes the ``.mtd``/``.mpo`` pair of a segment.

    Whoosh's generic path (``add_document``, merges) calls ``start_field``,
    ``start_term``, ``add``, ``finish_term``, ``finish_field`` posting by
    posting; Marsad's writer hands whole terms to :meth:`add_term`.
    """

    def __init__(self, storage: Any, segment: Any) -> None:
        self._storage, self._segment = storage, segment
        self._post = segment.create_file(storage, POSTS_EXT)
        self._at = 0
        self._fields: dict[str, dict[str, Any]] = {}
        self._cur: dict[str, Any] | None = None
        self._btext: bytes | None = None
        self.is_closed = False

    # whole terms
    def start_field(self, fieldname: str, fieldobj: Any, derived_from: str | None = None) -> None:
        _check_format(fieldname, fieldobj.format)
        self._cur = {"name": fieldname, "positional": _positional(fieldobj.format), "from": derived_from,
                     "terms": [], "df": [], "poff": [], "kind": [], "var": [] if derived_from else None}

    def add_term(self, tb: bytes, docs: Any, weights: Any, positions: Any = None, variants: Any = None) -> None:
        """One term: sorted ``docs``, ``weights`` (= frequencies), flat ``positions``
        (positional fields that are not derived), ``variants`` (derived fields)."""
        cur = self._cur
        if cur["positional"] and cur["from"] is None:
            if positions is None:
                raise ValueError(f"positions missing for {cur['name']}:{tb!r}")
            total = sum(weights) if len(weights) < _SMALL else float(np.asarray(weights).sum())
            if total != len(positions):
                raise ValueError(f"MarsadCodec: {cur['name']} weights must be position counts (no field boosts)")
            kind, data = _encode(docs, weights, positions, weights)
        else:
            kind, data = _encode(docs, weights, None, None)
        if cur["from"] is not None:
            cur["var"].append(variants)
        cur["terms"].append(tb)
        cur["df"].append(len(docs))
        cur["poff"].append(self._at)
        cur["kind"].append(kind)
        self._post.write(data)
        self._at += len(data)

    def add_terms(self, terms: list[bytes], docs: np.ndarray, weights: np.ndarray, starts: np.ndarray,
                  positions: np.ndarray | None = None, variants: list[Any] | None = None) -> None:
        """Many sorted terms at once (:func:`encode_many`'s arguments): the
        same bytes as :meth:`add_term` term by term, without a Python step per term."""
        cur = self._cur
        if cur["positional"] and cur["from"] is None:
            if positions is None or int(np.asarray(weights).sum()) != len(positions):
                raise ValueError(f"MarsadCodec: {cur['name']} needs positions, one per unit of weight")
        else:
            positions = None
        starts = np.asarray(starts, dtype=np.int64)
        if cur["from"] is not None and (variants is None or len(variants) != len(terms)):
            raise ValueError(f"MarsadCodec: {cur['name']} is derived: one variant list per term")
        # encoded in slices of whole terms: the encoder's temporaries grow with what it is given
        wcum = np.concatenate(([0], np.cumsum(np.asarray(weights, dtype=np.int64)))) if positions is not None \
            else None
        cuts = np.searchsorted(starts, np.arange(_CHUNK, int(starts[-1]), _CHUNK)) if len(starts) else []
        bounds = sorted({0, len(terms), *[int(c) for c in cuts if 0 < c < len(terms)]})
        for a, b in zip(bounds, bounds[1:]):
            lo, hi = int(starts[a]), int(starts[b])
            kinds, data, off = encode_many(docs[lo:hi], weights[lo:hi], starts[a:b + 1] - lo,
                                           None if wcum is None else positions[wcum[lo]:wcum[hi]])
            if cur["from"] is not None:
                cur["var"].extend(variants[a:b])
            cur["terms"].extend(terms[a:b])
            cur["df"].extend(np.diff(starts[a:b + 1]).tolist())
            cur["poff"].extend((off[:-1] + self._at).tolist())
            cur["kind"].extend(kinds.tolist())
            self._post.write(data.tobytes())
            self._at += int(off[-1])

    # Whoosh's posting-by-posting protocol
    def start_term(self, btext: bytes) -> None:
        self._btext = btext
        self._docs: list[int] = []
        self._weights: list[float] = []
        self._pos: list[int] = []

    def add(self, docnum: int, weight: float, vbytes: bytes, length: int) -> None:
        self._docs.append(docnum)
        if self._cur["positional"]:
            ps = self._fmt_positions(vbytes)
            self._pos.extend(ps)
            self._weights.append(len(ps))
        else:
            self._weights.append(weight)

    def _fmt_positions(self, vbytes: bytes) -> list[int]:
        return Positions().decode_positions(vbytes)

    def finish_term(self) -> None:
        self.add_term(self._btext, self._docs, self._weights, self._pos if self._cur["positional"] else None)

    def finish_field(self) -> None:
        cur = self._cur
        cur["poff"].append(self._at)  # the end of the field's last term
        self._fields[cur["name"]] = cur
        self._cur = None

    def close(self) -> None:
        self._post.close()
        header: dict[str, Any] = {"fields": {}}
        chunks: list[bytes] = []
        at = 0

        def put(arr: np.ndarray) -> list:
            nonlocal at
            pad = (-at) % 8
            if pad:
                chunks.append(b"\0" * pad)
                at += pad
            b = arr.tobytes()
            chunks.append(b)
            ref = [at, len(arr), arr.dtype.str]
            at += len(b)
            return ref

        for name, cur in sorted(self._fields.items()):
            terms = cur["terms"]
            toff = np.zeros(len(terms) + 1, dtype=np.uint32)
            np.cumsum([len(t) for t in terms], out=toff[1:])
            poff = np.asarray(cur["poff"], dtype=np.uint32 if self._at < 1 << 32 else np.uint64)
            arrays = {
                "blob": put(np.frombuffer(b"".join(terms), dtype=np.uint8)),
                "toff": put(toff),
                "df": put(np.asarray(cur["df"], dtype=np.uint32)),
                "poff": put(poff),
                "kind": put(np.asarray(cur["kind"], dtype=np.uint8)),
            }
            mode = "none"
            if cur["positional"]:
                mode = "stored" if cur["from"] is None else "derived"
            if cur["var"] is not None:
                voff = np.zeros(len(terms) + 1, dtype=np.uint32)
                np.cumsum([len(v) for v in cur["var"]], out=voff[1:])
                arrays["voff"] = put(voff)
                arrays["var"] = put(np.fromiter(chain.from_iterable(cur["var"]), dtype=np.uint32,
                                                count=int(voff[-1])))
            header["fields"][name] = {"n": len(terms), "pos": mode, "from": cur["from"], "arrays": arrays}
        hb = json.dumps(header).encode("utf-8")
        f = self._segment.create_file(self._storage, TERMS_EXT)
        head = MAGIC + len(hb).to_bytes(4, "little") + hb
        pad = (-len(head)) % 8
        f.write(head + b"\0" * pad)
        for c in chunks:
            f.write(c)
        f.close()
        self.is_closed = True


# ---------------------------------------------------------------- reading


def _map(storage: Any, name: str) -> np.ndarray:
    """The file as a read-only uint8 array: memory-mapped when it is a plain
    file on disk, read into memory otherwise (RAM or compound storage)."""
    folder = getattr(storage, "folder", None)
    if folder is not None:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            if os.path.getsize(path) == 0:
                return np.zeros(0, np.uint8)
            return np.memmap(path, dtype=np.uint8, mode="r")
    f = storage.open_file(name)
    try:
        data = f.read()
    finally:
        f.close()
    return np.frombuffer(data, dtype=np.uint8)


_TERM_IDS = 8192  # dictionary lookups remembered per segment


class _Field:
    __slots__ = ("name", "n", "pos", "src", "blob", "toff", "df", "poff", "kind", "voff", "var")


class SegmentArrays(base.TermsReader):
    """One segment's postings as arrays (and Whoosh's ``TermsReader`` over them).

    The engine's API: :meth:`postings`, :meth:`positions`,
    :meth:`doc_frequency`, :meth:`prefix_terms`, :meth:`term_list`; every
    call decodes straight from the memory-mapped files. Only where a term
    stands in the dictionary is remembered (``_TERM_IDS`` lookups a
    segment): a binary search in Python costs ~18 us, and at 3.1M documents
    in 123 segments a word's positions, frequency and spelling check each
    searched every segment's dictionary again.
    """

    def __init__(self, storage: Any, segment: Any) -> None:
        tmap = _map(storage, segment.make_filename(TERMS_EXT))
        self._post = _map(storage, segment.make_filename(POSTS_EXT))
        if bytes(tmap[:len(MAGIC)]) != MAGIC:
            raise ValueError("not a Marsad term dictionary")
        hl = int.from_bytes(bytes(tmap[len(MAGIC):len(MAGIC) + 4]), "little")
        start = len(MAGIC) + 4
        header = json.loads(bytes(tmap[start:start + hl]))
        base_at = start + hl + (-(start + hl)) % 8
        self._fields: dict[str, _Field] = {}
        self._ids: dict[tuple[str, bytes], int] = {}
        for name, h in header["fields"].items():
            f = _Field()
            f.name, f.n, f.pos, f.src = name, h["n"], h["pos"], h["from"]
            f.voff = f.var = None
            for key, (off, count, dt) in h["arrays"].items():
                dtype = np.dtype(dt)
                arr = np.frombuffer(tmap, dtype=dtype, count=count, offset=base_at + off) if count else \
                    np.zeros(0, dtype)
                setattr(f, key, arr)
            self._fields[name] = f
        self._tmap = tmap

    # -- the term dictionary
    def _term(self, f: _Field, i: int) -> bytes:
        return bytes(f.blob[f.toff[i]:f.toff[i + 1]])

    def _bisect(self, f: _Field, tb: bytes) -> int:
        lo, hi = 0, f.n
        blob, toff = f.blob, f.toff
        while lo < hi:
            mid = (lo + hi) // 2
            if bytes(blob[toff[mid]:toff[mid + 1]]) < tb:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def term_id(self, fieldname: str, tb: bytes) -> int:
        """The term's row in its field's dictionary, -1 if absent."""
        key = (fieldname, tb)
        got = self._ids.get(key)
        if got is not None:
            return got
        f = self._fields.get(fieldname)
        if f is None:
            return -1
        i = self._bisect(f, tb)
        got = i if i < f.n and self._term(f, i) == tb else -1
        if len(self._ids) >= _TERM_IDS:  # a bound, not an LRU: the words of recent searches come back
            self._ids.clear()
        self._ids[key] = got
        return got

    def term_list(self, fieldname: str) -> list[bytes]:
        """Every term of a field, sorted."""
        f = self._fields.get(fieldname)
        if f is None:
            return []
        blob = f.blob.tobytes()
        t = f.toff.tolist()
        return [blob[t[i]:t[i + 1]] for i in range(f.n)]

    def prefix_terms(self, fieldname: str, prefix: bytes) -> list[bytes]:
        """The field's terms starting with ``prefix``, sorted (two binary searches)."""
        f = self._fields.get(fieldname)
        if f is None:
            return []
        lo = self._bisect(f, prefix)
        hi = self._bisect(f, prefix + b"\xff")  # no UTF-8 byte is 0xff: past every term with the prefix
        if hi <= lo:
            return []
        offs = (f.toff[lo:hi + 1] - f.toff[lo]).tolist()
        blob = f.blob[f.toff[lo]:f.toff[hi]].tobytes()
        return [blob[a:b] for a, b in zip(offs, offs[1:])]

    def field_names(self) -> list[str]:
        return list(self._fields)

    # -- postings
    def _decode(self, f: _Field, i: int, with_pos: bool = False
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int]:
        """(docs int32, weights float32, raw position gaps or None, positions dtype code)."""
        df = int(f.df[i])
        at = int(f.poff[i])
        kind = int(f.kind[i])
        dcode, tcode, pcode = kind & 3, (kind >> 2) & 7, (kind >> 5) & 3
        post = self._post
        gaps = np.frombuffer(post, dtype=_UINTS[dcode], count=df, offset=at)
        at += df * _UINTS[dcode].itemsize
        docs = np.cumsum(gaps, dtype=np.int64).astype(np.int32)
        if tcode == 0:
            w = np.ones(df, dtype=np.float32)
        else:
            dt = _F4 if tcode == 4 else _UINTS[tcode - 1]
            w = np.frombuffer(post, dtype=dt, count=df, offset=at).astype(np.float32)
            at += df * dt.itemsize
        raw = None
        if with_pos and f.pos == "stored":
            total = int(w.sum())
            raw = np.frombuffer(post, dtype=_UINTS[pcode], count=total, offset=at)
        return docs, w, raw, pcode

    def postings(self, fieldname: str, tb: bytes) -> tuple[np.ndarray, np.ndarray]:
        """(sorted doc ids int32, term frequencies float32) of a term; empty if absent."""
        f = self._fields.get(fieldname)
        i = self.term_id(fieldname, tb) if f is not None else -1
        if i < 0:
            return _EMPTY_I, _EMPTY_F
        d, w, _, _ = self._decode(f, i)
        return d, w

    def field_postings(self, fieldname: str) -> Iterator[tuple[bytes, np.ndarray]]:
        """(term, sorted doc ids int32) of every term of a field, in term order."""
        f = self._fields.get(fieldname)
        if f is None:
            return
        for i, t in enumerate(self.term_list(fieldname)):
            yield t, self._decode(f, i)[0]

    def doc_frequencies(self, fieldname: str) -> tuple[list[bytes], np.ndarray]:
        """(terms, document frequency per term) of a field, deleted documents included."""
        f = self._fields.get(fieldname)
        if f is None:
            return [], np.zeros(0, np.int64)
        return self.term_list(fieldname), f.df.astype(np.int64)

    def doc_frequency(self, fieldname: str, tb: bytes) -> int:
        i = self.term_id(fieldname, tb)
        return int(self._fields[fieldname].df[i]) if i >= 0 else 0

    def has_positions(self, fieldname: str) -> bool:
        f = self._fields.get(fieldname)
        return f is not None and f.pos != "none"

    def positions(self, fieldname: str, tb: bytes, docs: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
        """(doc per position, position) int64 of a term, ordered by doc then
        position; only in ``docs`` (sorted ids) when given."""
        f = self._fields.get(fieldname)
        i = self.term_id(fieldname, tb) if f is not None else -1
        if i < 0 or f.pos == "none":
            return _EMPTY_L, _EMPTY_L
        return self._positions_at(f, i, docs)

    def _positions_at(self, f: _Field, i: int, docs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        if f.pos == "derived":
            src = self._fields[f.src]
            parts = [self._positions_at(src, int(v), docs) for v in f.var[f.voff[i]:f.voff[i + 1]]]
            if not parts:
                return _EMPTY_L, _EMPTY_L
            d = np.concatenate([p[0] for p in parts])
            p = np.concatenate([p[1] for p in parts])
            order = np.lexsort((p, d))
            return d[order], p[order]
        d, w, raw, _ = self._decode(f, i, with_pos=True)
        counts = w.astype(np.int64)
        starts = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        if docs is not None:  # the (sorted, unique) candidates found by binary search: np.isin sorts both
            want = docs.astype(d.dtype, copy=False)
            at = np.searchsorted(d, want)
            ok = at < len(d)
            at, want = at[ok], want[ok]
            sel = at[d[at] == want]
            counts = counts[sel]
            d = d[sel]
            firsts = starts[sel]
        else:
            firsts = starts[:-1]
        total = int(counts.sum())
        if not total:
            return _EMPTY_L, _EMPTY_L
        # index of every wanted position in the raw gaps, document by document
        begin = np.zeros(len(counts), dtype=np.int64)
        np.cumsum(counts[:-1], out=begin[1:])
        idx = np.arange(total, dtype=np.int64) + np.repeat(firsts - begin, counts)
        g = raw[idx].astype(np.int64)
        c = np.cumsum(g)
        # the first gap of a document is absolute: subtract what came before it
        before = c[begin] - g[begin]
        pos = c - np.repeat(before, counts)
        return np.repeat(d.astype(np.int64), counts), pos

    # -- Whoosh's TermsReader
    def __contains__(self, term: tuple[str, bytes]) -> bool:
        return self.term_id(term[0], term[1]) >= 0

    def indexed_field_names(self) -> list[str]:
        return list(self._fields)

    def cursor(self, fieldname: str, fieldobj: Any) -> _Cursor:
        return _Cursor(self, fieldname, fieldobj)

    def terms(self) -> Iterator[tuple[str, bytes]]:
        for name in sorted(self._fields):
            for t in self.term_list(name):
                yield name, t

    def terms_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[str, bytes]]:
        for name in sorted(self._fields):
            if name < fieldname:
                continue
            f = self._fields[name]
            start = self._bisect(f, prefix) if name == fieldname else 0
            for i in range(start, f.n):
                yield name, self._term(f, i)

    def items(self) -> Iterator[tuple[tuple[str, bytes], TermInfo]]:
        for name, t in self.terms():
            yield (name, t), self.term_info(name, t)

    def items_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[tuple[str, bytes], TermInfo]]:
        for name, t in self.terms_from(fieldname, prefix):
            yield (name, t), self.term_info(name, t)

    def term_info(self, fieldname: str, tb: bytes) -> TermInfo:
        i = self.term_id(fieldname, tb)
        if i < 0:
            raise TermNotFound(f"No term {fieldname}:{tb!r}")
        d, w, _, _ = self._decode(self._fields[fieldname], i)
        return TermInfo(weight=float(w.sum()), df=len(d), minlength=1, maxlength=0,
                        maxweight=float(w.max()), minid=int(d[0]), maxid=int(d[-1]))

    def frequency(self, fieldname: str, tb: bytes) -> float:
        d, w = self.postings(fieldname, tb)
        return float(w.sum())

    def matcher(self, fieldname: str, tb: bytes, format_: Any, scorer: Any = None) -> _Matcher:
        f = self._fields.get(fieldname)
        i = self.term_id(fieldname, tb) if f is not None else -1
        if i < 0:
            raise TermNotFound(f"No term {fieldname}:{tb!r}")
        d, w, _, _ = self._decode(f, i)
        ti = TermInfo(weight=float(w.sum()), df=len(d), minlength=1, maxlength=0, maxweight=float(w.max()),
                      minid=int(d[0]), maxid=int(d[-1]))
        return _Matcher(d.tolist(), w.tolist(), None, format_, scorer=scorer, term=(fieldname, tb),
                        terminfo=ti, source=(self, f, i))

    def close(self) -> None:
        # the memory maps close when the last array over them goes away
        pass


class _Matcher(ListMatcher):
    """Whoosh's list matcher over one decoded term; values built on demand."""

    def __init__(self, *args: Any, source: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._source = source
        self._plists: list[list[int]] | None = None

    def copy(self) -> _Matcher:
        m = _Matcher(self._ids, self._weights, None, self._format, self._scorer, self._i,
                     term=self._term, terminfo=self._terminfo, source=self._source)
        m._plists = self._plists
        return m

    def _poslists(self) -> list[list[int]]:
        if self._plists is None:
            sa, f, i = self._source
            d, p = sa._positions_at(f, i, None)
            cuts = np.searchsorted(d, np.asarray(self._ids, dtype=np.int64), side="right")
            pl = p.tolist()
            out, prev = [], 0
            for c in cuts.tolist():
                out.append(pl[prev:c])
                prev = c
            self._plists = out
        return self._plists

    def value(self) -> bytes:
        fmt = self._format
        if _positional(fmt):
            return fmt.encode(self._poslists()[self._i])
        if type(fmt) is Frequency:
            return pack_uint(int(self._weights[self._i]))
        return b""

    def value_as(self, astype: str) -> Any:
        if astype == "positions" and _positional(self._format):
            return self._poslists()[self._i]
        return self._format.decode_as(astype, self.value())

    def supports(self, astype: str) -> bool:
        return self._format.supports(astype)


class _Cursor(base.FieldCursor):
    """A cursor over one field's sorted terms (fuzzy matching walks it)."""

    def __init__(self, sa: SegmentArrays, fieldname: str, fieldobj: Any) -> None:
        self._sa, self._fobj = sa, fieldobj
        self._f = sa._fields.get(fieldname)
        self._n = self._f.n if self._f is not None else 0
        self._i = 0

    def first(self) -> Any:
        self._i = 0
        return self.text()

    def find(self, term: Any) -> Any:
        if not isinstance(term, bytes):
            term = self._fobj.to_bytes(term)
        self._i = self._sa._bisect(self._f, term) if self._f is not None else 0
        return self.text()

    def next(self) -> Any:
        self._i += 1
        return self.text()

    def text(self) -> Any:
        if not self.is_valid():
            return None
        return self._fobj.from_bytes(self._sa._term(self._f, self._i))

    def term_info(self) -> TermInfo | None:
        if not self.is_valid():
            return None
        return self._sa.term_info(self._f.name, self._sa._term(self._f, self._i))

    def is_valid(self) -> bool:
        return self._i < self._n


# ---------------------------------------------------------------- helpers for the engine


def segment_arrays(leaf: Any) -> SegmentArrays | None:
    """The arrays of a leaf reader of a Marsad segment (``None`` for any other)."""
    t = getattr(leaf, "_terms", None)
    return t if isinstance(t, SegmentArrays) else None


def _column_array(col: Any, m: int) -> np.ndarray:
    if isinstance(col, columns.NumericColumn.Reader):
        dt = np.dtype(col._typecode).newbyteorder(">")
        out = np.full(m, col._default, dtype=dt.newbyteorder("="))
        count = min(col._count, m)
        out[:count] = np.frombuffer(col._dbfile.get(col._basepos, count * col._fixedlen), dtype=dt)
        return out
    return np.asarray(list(col))


def numeric_column(leaf: Any, fieldname: str) -> np.ndarray | None:
    """A leaf's numeric column (e.g. ``date``) as one numpy array (None if it has none)."""
    if fieldname not in leaf.schema or not leaf.has_column(fieldname):
        return None
    return _column_array(leaf.column_reader(fieldname, translate=False), leaf.doc_count_all())


# 64 bits of each document's content hash, per document: copy groups at open by
# one np.unique instead of a posting list per repeated hash
HASH_COLUMN_NAME = "_content_hash64"
HASH_COLUMN = columns.NumericColumn("Q", default=0)


def hash_value(content_hash: Any) -> int:
    """The column value of a hex content hash (0 = none)."""
    try:
        return int(str(content_hash)[:16], 16) if content_hash else 0
    except ValueError:
        return 0


def hash_column(leaf: Any) -> np.ndarray | None:
    """uint64 per document of one leaf (0 = no hash); None if the segment has no such column."""
    perdoc = getattr(leaf, "_perdoc", None)
    if perdoc is None or not perdoc.has_column(HASH_COLUMN_NAME):
        return None
    return _column_array(perdoc.column_reader(HASH_COLUMN_NAME, HASH_COLUMN), leaf.doc_count_all())


class KeysColumn(columns.Column):
    """Each document's id and URL, uncompressed, with a numpy table of their ends.

    A search hit lists up to ten copies of its story by id, outlet and URL;
    through the stored fields each copy costs a 16 KB block decompressed and
    unpickled (~90 us; at 310k replica documents 40% of a warm query). Here a
    copy is one slice of the file (~2 us), for about 70 bytes a document."""

    def writer(self, dbfile: Any) -> KeysColumn.Writer:
        return KeysColumn.Writer(dbfile)

    def reader(self, dbfile: Any, basepos: int, length: int, doccount: int) -> KeysColumn.Reader:
        return KeysColumn.Reader(dbfile, basepos, length, doccount)

    class Writer(columns.ColumnWriter):
        def __init__(self, dbfile: Any) -> None:
            self._dbfile, self._at, self._ends = dbfile, 0, array("I")

        def add(self, docnum: int, v: bytes) -> None:
            while len(self._ends) < docnum:  # documents without a value
                self._ends.append(self._at)
            self._dbfile.write(v)
            self._at += len(v)
            self._ends.append(self._at)

        def finish(self, doccount: int) -> None:
            while len(self._ends) < doccount:
                self._ends.append(self._at)
            self._dbfile.write(np.asarray(self._ends, dtype="<u4").tobytes())
            self._dbfile.write(np.asarray([len(self._ends)], dtype="<u8").tobytes())

    class Reader(columns.ColumnReader):
        def __init__(self, dbfile: Any, basepos: int, length: int, doccount: int) -> None:
            self._dbfile, self._basepos, self._doccount = dbfile, basepos, doccount
            (count,) = np.frombuffer(dbfile.get(basepos + length - 8, 8), dtype="<u8").tolist()
            self._ends = np.frombuffer(dbfile.get(basepos + length - 8 - 4 * count, 4 * count), dtype="<u4")
            self._lock = threading.Lock()

        def __getitem__(self, docnum: int) -> bytes:
            if docnum >= len(self._ends):
                return b""
            s, e = (int(self._ends[docnum - 1]) if docnum else 0), int(self._ends[docnum])
            if s == e:
                return b""
            with self._lock:  # the file's seek + read is one step for concurrent page renders
                return self._dbfile.get(self._basepos + s, e - s)

        def __iter__(self) -> Iterator[bytes]:
            for i in range(self._doccount):
                yield self[i]


KEYS_COLUMN_NAME = "_keys"
KEYS_COLUMN = KeysColumn()
_SAME_AS_ID = 1 << 31  # in the id's length: the URL is the id (the corpus's case: half the bytes)
_KEYS_LOCK = threading.Lock()


def keys_value(doc_id: str, url: str | None) -> bytes:
    """The keys column's value of a document: the id's length in bytes (its top bit:
    the URL is the id), the id, the URL; any text round-trips (NULs, lone surrogates).

    >>> keys_value("a/1", "a/1"), keys_value("a/1", None), keys_value("a", "u")
    (b'\\x03\\x00\\x00\\x80a/1', b'\\x03\\x00\\x00\\x00a/1', b'\\x01\\x00\\x00\\x00au')
    """
    url = url or ""
    raw = doc_id.encode("utf-8", "surrogatepass")
    same = bool(url) and url == doc_id
    head = (len(raw) | (_SAME_AS_ID if same else 0)).to_bytes(4, "little")
    return head + raw + (b"" if same else url.encode("utf-8", "surrogatepass"))


def _keys_of(value: bytes) -> tuple[str, str]:
    n = int.from_bytes(value[:4], "little")
    doc_id = value[4:4 + (n & ~_SAME_AS_ID)].decode("utf-8", "surrogatepass")
    return doc_id, doc_id if n & _SAME_AS_ID else value[4 + (n & ~_SAME_AS_ID):].decode("utf-8", "surrogatepass")


def doc_keys(reader: Any, docnum: int) -> tuple[str, str] | None:
    """``(id, url)`` of a document from its segment's keys column (``url`` "" when
    none); ``None`` when that segment has no such column (then read the stored fields)."""
    found = getattr(reader, "_marsad_leaves", None)  # (leaves, their first docnums), once per reader
    if found is None:
        leaves = reader.leaf_readers()
        found = ([leaf for leaf, _ in leaves], [off for _, off in leaves])
        try:
            reader._marsad_leaves = found
        except AttributeError:  # a reader class with slots: look them up each time
            pass
    leaves, starts = found
    i = bisect_right(starts, docnum) - 1
    leaf, local = leaves[i], docnum - starts[i]
    perdoc = getattr(leaf, "_perdoc", None)
    col = getattr(perdoc, "_marsad_keys", None)
    if col is None:
        # opened once per segment reader (has_column asks the file system), under a lock: two
        # page renders meeting a segment first would open two readers on one file handle
        with _KEYS_LOCK:
            col = getattr(perdoc, "_marsad_keys", None)
            if col is None:
                ok = perdoc is not None and hasattr(perdoc, "_cached_reader") and perdoc.has_column(KEYS_COLUMN_NAME)
                col = perdoc._cached_reader(KEYS_COLUMN_NAME, KEYS_COLUMN) if ok else False
                if perdoc is not None:
                    perdoc._marsad_keys = col
    if col is False:
        return None
    return _keys_of(col[local])


def leaf_lengths(leaf: Any, fieldname: str) -> np.ndarray:
    """Field length per document of one leaf (float32; W3's byte-coded length column)."""
    m = leaf.doc_count_all()
    perdoc = getattr(leaf, "_perdoc", None)
    col = None
    if perdoc is not None and hasattr(perdoc, "_cached_reader"):
        col = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if col is not None:
        raw = np.zeros(m, dtype=np.uint8)  # documents past the column's end have the default, 0
        count = min(getattr(col, "_count", 0), m)
        if isinstance(col, columns.FixedBytesColumn.Reader) and getattr(col, "_fixedlen", 0) == 1:
            raw[:count] = np.frombuffer(col._dbfile.get(col._basepos, count), dtype=np.uint8)
        else:
            raw[:] = np.fromiter((col[i] for i in range(m)), dtype=np.uint8, count=m)
        return _LEN_TABLE[raw]
    return np.asarray([leaf.doc_field_length(i, fieldname, 0) or 0 for i in range(m)], dtype=np.float32)


def size_by_part(index_dir: str | os.PathLike[str]) -> dict[str, int]:
    """Bytes on disk of one index generation by part: ``postings`` (doc ids and
    frequencies), ``positions``, ``terms`` (the dictionaries), ``stored``
    (document text and fields), ``columns`` (field lengths, dates), ``arrays``
    (the reader arrays, ``index.readerarrays``) and ``other`` (TOC, metadata);
    W3 segments are counted as ``postings`` (their ``.pst`` holds both) and
    ``terms``. ``total`` is the sum."""
    from whoosh.filedb.filestore import FileStorage

    from marsad.index.readerarrays import ARRAYS_DIR  # (it imports this module)
    parts = dict.fromkeys(("postings", "positions", "terms", "stored", "columns", "arrays", "other"), 0)
    folder = os.fspath(index_dir)
    for e in os.scandir(folder):
        if e.is_dir() and e.name == ARRAYS_DIR:
            parts["arrays"] += sum(f.stat().st_size for f in os.scandir(e.path) if f.is_file())
            continue
        if not e.is_file():
            continue
        name, size = e.name, e.stat().st_size
        if name.endswith(POSTS_EXT):
            parts["postings"] += size
        elif name.endswith((TERMS_EXT, ".trm")):
            parts["terms"] += size
        elif name.endswith("._stored.col"):
            parts["stored"] += size
        elif name.endswith(".col"):
            parts["columns"] += size
        elif name.endswith(".pst"):
            parts["postings"] += size
        else:
            parts["other"] += size
    # split the Marsad postings files into ids/frequencies and positions
    from whoosh import index as windex
    try:
        ix = windex.FileIndex(FileStorage(folder))
        segments = ix._segments()  # noqa: SLF001 - the TOC's segment list
    except Exception:  # noqa: BLE001 - not a Whoosh index: by file only
        segments = []
    storage = FileStorage(folder)
    for seg in segments:
        if not isinstance(seg.codec(), MarsadCodec):
            continue
        sa = SegmentArrays(storage, seg)
        for f in sa._fields.values():
            if f.pos != "stored" or not f.n:
                continue
            kind = f.kind.astype(np.int64)
            dsize = np.array([1, 2, 4])[kind & 3]
            tcode = (kind >> 2) & 7
            tsize = np.array([0, 1, 2, 4, 4, 0, 0, 0])[tcode]
            chunk = np.diff(f.poff.astype(np.int64))
            pos = chunk - f.df.astype(np.int64) * (dsize + tsize)
            parts["positions"] += int(pos.sum())
            parts["postings"] -= int(pos.sum())
    parts["total"] = sum(parts.values())
    return parts
