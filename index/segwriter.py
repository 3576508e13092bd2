"""A fast writer of one Whoosh segment, and the one-pass analysis that feeds it.

Whoosh's own ``SegmentWriter.add_document`` runs every text field through its
analyzer (a generator chain, per token per filter), pushes every posting
through a sorting pool, and at commit looks up each posting's field length in
the on-disk length column. For four text fields that is too slow for the
31k-document corpus. This module writes the *same* segment files (the W3
codec, readable by any Whoosh searcher) in a cheaper way:

* **one tokenization, both levels**: the words of a text are found once
  (``analyzers.tokenizers.WORD_RE``); each distinct surface word is run
  through the real ``exact_analyzer()`` / ``stem_analyzer()`` once per process
  and cached, so a document costs one regex scan and one dict lookup per
  word. Filters of the analyzers are per-token (see :func:`fast_path_ok`), so
  the terms and positions are exactly those of the analyzers; a test compares
  them on the corpus.
* **postings in memory**: per field a dict ``term -> (docnums, weights,
  values)`` in compact arrays, written term by term in sorted order at the
  end, in blocks, with the lengths known in memory.

Nothing here knows about Marsad's fields except which text fields to analyze
together (``TEXT_PAIRS``); every other field goes through Whoosh's own
``field.index()``, exactly as ``add_document`` would.
"""
from __future__ import annotations

import struct
import zlib
from array import array
from pickle import dumps
from typing import Any

from whoosh.analysis import CompositeAnalyzer
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter, W3TermInfo
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from marsad.analyzers import exact_analyzer, stem, stem_analyzer
from marsad.analyzers.filters import ArabicStopFilter, CliticTatweelFilter, LightStemFilter, NormalizeFilter
from marsad.analyzers.tokenizers import WORD_RE, ArabicTokenizer

__all__ = ["PairAnalyzer", "FastSegmentWriter", "fast_path_ok", "TEXT_PAIRS", "make_codec"]

# (stem field, exact field): both analysed from the same text in one pass.
TEXT_PAIRS = (("title", "title_exact"), ("body", "body_exact"))

# Filters known to act on one token at a time, whatever its neighbours.
_TOKEN_LOCAL = (CliticTatweelFilter, NormalizeFilter, ArabicStopFilter, LightStemFilter)

_pack_uint = struct.Struct("!I").pack
_unpack_uint = struct.Struct("!I").unpack_from
_TERMINFO = W3TermInfo._struct  # the term table row (flags, weight, df, lengths, max weight, ids)
# Blocks of fewer postings are written uncompressed: zlib's set-up cost (tens of
# microseconds) dwarfs what it saves on a few bytes, and most terms have one or
# two postings. Each block records its own compression, so readers don't care.
_COMPRESS_MIN = 8


def make_codec() -> W3Codec:
    """Whoosh's default codec (its posting inlining is broken in 2.7.5: keep it off)."""
    return W3Codec()


def fast_path_ok() -> bool:
    """True when both analyzers are our tokenizer followed by per-token filters.

    Then analysing each distinct word alone gives the same terms as analysing
    the whole text, and the one-pass analysis is exact. Otherwise (someone
    added a context-dependent filter) :class:`PairAnalyzer` runs the real
    analyzers on whole texts.
    """
    for a in (stem_analyzer(), exact_analyzer()):
        if not isinstance(a, CompositeAnalyzer) or not a.items:
            return False
        if not isinstance(a.items[0], ArabicTokenizer):
            return False
        if not all(isinstance(f, _TOKEN_LOCAL) for f in a.items[1:]):
            return False
    return True


class PairAnalyzer:
    """Stem- and exact-level terms with positions of a text, in one pass.

    >>> pa = PairAnalyzer()
    >>> stem, exact, ns, ne = pa.analyze("والقوات الأمريكية في سوريا")
    >>> sorted(k.decode() for k in stem), ns
    (['امريكي', 'سوري', 'قوات'], 3)
    """

    def __init__(self, fast: bool | None = None):
        self.fast = fast_path_ok() if fast is None else fast
        self._stem = stem_analyzer()
        self._exact = exact_analyzer()
        # The stem analyzer is usually the exact one plus the light stemmer:
        # then the stem term is stem(exact term), no second chain to run.
        self._stem_of_exact = (isinstance(self._stem, CompositeAnalyzer)
                               and isinstance(self._exact, CompositeAnalyzer)
                               and list(self._stem.items) == list(self._exact.items) + [LightStemFilter()])
        # surface word -> (exact bytes, stem bytes) or None (dropped)
        self._cache: dict[str, tuple[bytes, bytes] | None] = {}

    def _word(self, w: str) -> tuple[bytes, bytes] | None:
        ex = [t.text for t in self._exact(w)]
        if self._stem_of_exact:
            st = [stem(x) for x in ex]
        else:
            st = [t.text for t in self._stem(w)]
        if len(ex) != 1 or len(st) != 1:
            if not ex and not st:
                r = None
            else:  # a filter split or dropped a word on one level only: not per-token
                raise _NotLocal(w)
        else:
            r = (ex[0].encode("utf-8"), st[0].encode("utf-8"))
        self._cache[w] = r
        return r

    def analyze(self, text: str) -> tuple[dict[bytes, list[int]], dict[bytes, list[int]], int, int]:
        """``(stem term -> positions, exact term -> positions, stem length, exact length)``.

        When a stem term comes from one exact term only (the usual case) its
        position list is the *same list object* as the exact term's, which
        lets the writer encode it once.
        """
        if not self.fast:
            return self._slow(text)
        cache = self._cache
        exact: dict[bytes, list[int]] = {}
        stem_of: dict[bytes, bytes] = {}
        n = 0
        try:
            for pos, w in enumerate(WORD_RE.findall(text)):
                r = cache[w] if w in cache else self._word(w)
                if r is None:
                    continue
                n += 1
                e = r[0]
                lst = exact.get(e)
                if lst is None:
                    exact[e] = [pos]
                    stem_of[e] = r[1]
                else:
                    lst.append(pos)
        except _NotLocal:
            self.fast = False
            return self._slow(text)
        stem: dict[bytes, list[int]] = {}
        for e, plist in exact.items():
            s = stem_of[e]
            cur = stem.get(s)
            stem[s] = plist if cur is None else sorted(cur + plist)
        return stem, exact, n, n

    def _slow(self, text: str) -> tuple[dict[bytes, list[int]], dict[bytes, list[int]], int, int]:
        out = []
        for a in (self._stem, self._exact):
            d: dict[bytes, list[int]] = {}
            n = 0
            for t in a(text, positions=True):
                d.setdefault(t.text.encode("utf-8"), []).append(t.pos)
                n += 1
            out.append((d, n))
        return out[0][0], out[1][0], out[0][1], out[1][1]


class _NotLocal(Exception):
    pass


# Encoded posting values, cached: most postings are one position (or freq 1).
_POS_CACHE: dict[int, bytes] = {}
_FREQ_CACHE: dict[int, bytes] = {}


def _positions_value(poslist: list[int]) -> bytes:
    # Whoosh's Positions.encode: count, then the pickled deltas.
    if len(poslist) == 1:
        p = poslist[0]
        v = _POS_CACHE.get(p)
        if v is None:
            v = _POS_CACHE[p] = _pack_uint(1) + dumps([p], 2)
        return v
    deltas = [poslist[0]]
    prev = poslist[0]
    for p in poslist[1:]:
        deltas.append(p - prev)
        prev = p
    return _pack_uint(len(deltas)) + dumps(deltas, 2)


def _freq_value(n: int) -> bytes:
    v = _FREQ_CACHE.get(n)
    if v is None:
        v = _FREQ_CACHE[n] = _pack_uint(n)
    return v


class _Postings:
    __slots__ = ("docs", "weights", "values")

    def __init__(self) -> None:
        self.docs = array("I")
        self.weights = array("f")
        self.values: list[bytes] = []


class FastSegmentWriter:
    """Writes one new segment of ``ix`` from documents given as field dicts.

    The segment is not committed: :meth:`finish` returns the Whoosh segment
    object, which the caller adds to a TOC (like Whoosh's multiprocessing
    writer does with its sub-writers' segments). Several of these may write
    into one index directory at once (each has its own segment name).

    ``add(fields)`` takes the same dict as ``IndexWriter.add_document``; the
    text fields of :data:`TEXT_PAIRS` are analysed together with
    :class:`PairAnalyzer`.
    """

    def __init__(self, ix: Any, analyzer: PairAnalyzer | None = None, codec: W3Codec | None = None):
        # A SegmentWriter without lock gives us the segment, its files and the
        # per-document writer; its pool and add_document are never used.
        # compound=False: the segment's files stay as they are, not copied
        # into one compound file at the end (a full extra write of the segment).
        self._w = SegmentWriter(ix, _lk=False, codec=codec or make_codec(), compound=False)
        self.schema = self._w.schema
        self.pa = analyzer or PairAnalyzer()
        self.docnum = 0
        self.postings = 0
        self._inv: dict[str, dict[bytes, _Postings]] = {}
        self._tinv: dict[str, dict[bytes, tuple[array, list[bytes]]]] = {}
        self._lengths: dict[str, array] = {}
        self._pairs = [(s, e) for s, e in TEXT_PAIRS if s in self.schema and e in self.schema]
        fmt_ok = all(type(self.schema[f].format) in (Positions, Frequency)
                     for pair in self._pairs for f in pair)
        if not fmt_ok:
            self._pairs = []
        self._fields = {name: self.schema[name] for name in self.schema.names()}
        self._compression = self._w.codec._compression
        self._blocklimit = self._w.codec._blocklimit

    # -- adding documents
    def _post(self, fieldname: str, tbytes: bytes, docnum: int, weight: float, vbytes: bytes | None) -> None:
        inv = self._inv.get(fieldname)
        if inv is None:
            inv = self._inv[fieldname] = {}
        p = inv.get(tbytes)
        if p is None:
            p = inv[tbytes] = _Postings()
        p.docs.append(docnum)
        p.weights.append(weight)
        p.values.append(vbytes or b"")

    def _post_terms(self, fieldname: str, terms: dict[bytes, list[int]], docnum: int,
                    encoded: dict[int, bytes]) -> None:
        # Text postings: per term [docnums, values]; the weight (frequency x
        # field boost) is read back from the value's count header at the end.
        fmt = self._fields[fieldname].format
        positions = type(fmt) is Positions
        inv = self._tinv.get(fieldname)
        if inv is None:
            inv = self._tinv[fieldname] = {}
        for tb, plist in terms.items():
            if positions:
                v = encoded.get(id(plist))
                if v is None:
                    v = encoded[id(plist)] = _positions_value(plist)
            else:
                v = _freq_value(len(plist))
            p = inv.get(tb)
            if p is None:
                inv[tb] = (array("I", (docnum,)), [v])
            else:
                p[0].append(docnum)
                p[1].append(v)
        self.postings += len(terms)

    def _set_length(self, fieldname: str, docnum: int, length: int) -> None:
        arr = self._lengths.get(fieldname)
        if arr is None:
            arr = self._lengths[fieldname] = array("I")
        while len(arr) < docnum:
            arr.append(0)
        arr.append(length)

    def add(self, fields: dict[str, Any]) -> int:
        """Add one document; returns its docnum in this segment."""
        w = self._w
        pdw = w.perdocwriter
        docnum = self.docnum
        analysed: dict[str, tuple[dict[bytes, list[int]], int]] = {}
        encoded: dict[int, bytes] = {}  # id(position list) -> its encoding, for this document
        for sname, ename in self._pairs:
            text = fields.get(sname)
            if text is None or fields.get(ename) is None:
                continue
            if fields[ename] != text:  # twins must hold the same text to share a pass
                continue
            st, ex, ns, ne = self.pa.analyze(text)
            # exact first: its encoded position lists are reused by the stem field
            analysed[ename] = (ex, ne)
            analysed[sname] = (st, ns)

        pdw.start_doc(docnum)
        try:
            for fieldname in sorted(n for n in fields if not n.startswith("_")):
                value = fields[fieldname]
                if value is None:
                    continue
                field = self._fields.get(fieldname)
                if field is None:
                    raise ValueError(f"no field named {fieldname!r} in the schema")
                length = 0
                if field.indexed:
                    if fieldname in analysed:
                        terms, n = analysed[fieldname]
                        self._post_terms(fieldname, terms, docnum, encoded)
                        length = n if field.scorable else 0
                    else:
                        for tbytes, freq, weight, vbytes in field.index(value):
                            if field.scorable:
                                length += freq
                            self._post(fieldname, tbytes, docnum, weight, vbytes)
                            self.postings += 1
                    if length:
                        self._set_length(fieldname, docnum, length)
                sv = value if field.stored else None
                pdw.add_field(fieldname, field, sv, length)
                column = field.column_type
                if column:
                    pdw.add_column_value(fieldname, column, field.to_column_value(value))
        except Exception:
            pdw.cancel_doc()
            raise
        pdw.finish_doc()
        self.docnum += 1
        return docnum

    # -- writing the segment
    def _write_term(self, fw: W3FieldWriter, tb: bytes, docs: array, weights: array, values: list[bytes],
                    lengths: array | None, fixedsize: int | None) -> None:
        """One term's posting list, byte for byte what ``W3PostingsWriter`` writes.

        The same blocks (delta-coded ids, minified weights and values, block
        info, negative length on the last block), the same ``W3TermInfo``
        row, without the per-posting calls and per-block objects. Small last
        blocks are not zlib-compressed (see ``_COMPRESS_MIN``); every block
        records its own compression level.
        """
        pf = fw._postfile.file
        write = pf.write
        tell = pf.tell
        limit = self._blocklimit
        level = self._compression
        n = len(docs)
        offset = tell()
        write(WHOOSH3_HEADER_MAGIC)
        total_w = 0.0
        t_minlen: int | None = None
        t_maxlen = 0
        t_maxw: float = 0
        nl = len(lengths) if lengths is not None else 0
        start = 0
        while start < n:
            end = start + limit
            if end > n:
                end = n
            last = end >= n
            ids = docs[start:end]
            ws = weights[start:end]
            maxw = max(ws)
            if not maxw > 0:
                maxw = 0
            if lengths is not None:
                ls = [x for x in [lengths[d] if d < nl else 0 for d in ids] if x]
                minl = min(ls) if ls else None
                maxl = max(ls) if ls else 0
            else:
                minl, maxl = None, 0
            total_w += sum(ws)
            if t_minlen is None:
                t_minlen = minl
            else:
                t_minlen = min(t_minlen, minl)
            if maxl > t_maxlen:
                t_maxlen = maxl
            if maxw > t_maxw:
                t_maxw = maxw
            prev = 0
            d_ids = []
            for i in ids:
                d_ids.append(i - prev)
                prev = i
            w0 = ws[0]
            if all(w == 1.0 for w in ws):
                mw = None
            elif all(w == w0 for w in ws):
                mw = w0
            else:
                mw = tuple(ws)
            vals = [v for v in values[start:end] if v]
            if fixedsize is None or fixedsize < 0:
                mv: Any = tuple(vals)
            elif fixedsize == 0:
                mv = None
            else:
                mv = b"".join(vals)
            data = dumps((tuple(d_ids), mw, mv), 2)
            comp = level if (not last or end - start >= _COMPRESS_MIN) else 0
            if comp:
                data = zlib.compress(data, comp)
            info = dumps((len(ids), ids[-1], maxw, comp, length_to_byte(minl), length_to_byte(maxl)), 2)
            blen = len(info) + len(data)
            write(pack_int(-blen if last else blen))
            write(info)
            write(data)
            start = end
        length = tell() - offset
        row = _TERMINFO.pack(False, total_w, n, 0 if t_minlen is None else length_to_byte(t_minlen),
                             length_to_byte(t_maxlen), t_maxw, docs[0], docs[-1])
        fw._tindex.add(pack_ushort(fw._fieldid) + tb, row + pack_long(offset) + pack_int(length))

    def finish(self) -> Any:
        """Write the postings and close the segment files; returns the segment."""
        w = self._w
        w.docnum = self.docnum  # get_segment() reads the doc count from here
        w.perdocwriter.close()
        fw = w.fieldwriter
        unpack = _unpack_uint
        for fieldname in sorted(set(self._inv) | set(self._tinv)):
            field = self._fields[fieldname]
            lengths = self._lengths.get(fieldname) if field.scorable else None
            fw.start_field(fieldname, field)
            fixedsize = field.format.fixed_value_size()
            if fieldname in self._tinv:
                inv = self._tinv[fieldname]
                boost = field.format.field_boost
                for tb in sorted(inv):
                    docs, values = inv[tb]
                    weights = array("f", [unpack(v)[0] * boost for v in values])
                    self._write_term(fw, tb, docs, weights, values, lengths, fixedsize)
            else:
                ginv = self._inv[fieldname]
                for tb in sorted(ginv):
                    p = ginv[tb]
                    self._write_term(fw, tb, p.docs, p.weights, p.values, lengths, fixedsize)
            fw.finish_field()
        fw.close()
        self._inv.clear()
        self._tinv.clear()
        w.pool.cleanup()
        w._assemble_segment()
        return w.get_segment()

    def cancel(self) -> None:
        try:
            self._w._close_segment()
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass
