"""A fast writer of one Whoosh segment, and the one-pass analysis that feeds it.

Whoosh's own ``SegmentWriter.add_document`` runs every text field through its
analyzer (a generator chain, per token per filter), pushes every posting
through a sorting pool, and at commit looks up each posting's field length in
the on-disk length column. For four text fields that is too slow for the
31k-document corpus. This module writes the same segments (Marsad's codec,
:mod:`index.codec`, readable by any Whoosh searcher with marsad installed;
a test compares them with ``add_document``'s) in a cheaper way:

* **one tokenization, both levels**: the words of a text are found once
  (``analyzers.tokenizers.WORD_RE``); each distinct surface word is run
  through the real ``exact_analyzer()`` / ``stem_analyzer()`` once per process
  and cached, so a document costs one regex scan and one dict lookup per
  word. Filters of the analyzers are per-token (see :func:`fast_path_ok`), so
  the terms and positions are exactly those of the analyzers; a test compares
  them on the corpus.
* **postings in memory**: per field a dict ``term -> (docnums, frequencies,
  flat positions)`` in compact arrays, handed whole to the codec in sorted
  order at the end (packed with numpy; no per-term pickling).

Nothing here knows about Marsad's fields except which text fields to analyze
together (``TEXT_PAIRS``); every other field goes through Whoosh's own
``field.index()``, exactly as ``add_document`` would.
"""
from __future__ import annotations

from array import array
from typing import Any

from whoosh.analysis import CompositeAnalyzer
from whoosh.formats import Frequency, Positions
from whoosh.writing import SegmentWriter

from marsad.analyzers import exact_analyzer, stem, stem_analyzer
from marsad.analyzers.filters import ArabicStopFilter, CliticTatweelFilter, LightStemFilter, NormalizeFilter
from marsad.analyzers.tokenizers import WORD_RE, ArabicTokenizer
from marsad.index.codec import HASH_COLUMN, HASH_COLUMN_NAME, MarsadCodec, hash_value

__all__ = ["PairAnalyzer", "FastSegmentWriter", "fast_path_ok", "TEXT_PAIRS", "make_codec"]

# (stem field, exact field): both analysed from the same text in one pass.
TEXT_PAIRS = (("title", "title_exact"), ("body", "body_exact"))

# Filters known to act on one token at a time, whatever its neighbours.
_TOKEN_LOCAL = (CliticTatweelFilter, NormalizeFilter, ArabicStopFilter, LightStemFilter)

def make_codec() -> MarsadCodec:
    """The codec every Marsad segment is written with (:mod:`index.codec`)."""
    return MarsadCodec()


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
        # surface word -> (exact bytes, stem bytes), None (dropped), or _NONLOCAL
        self._cache: dict[str, Any] = {}
        # True when the last analyze() fell back to the two full chains (a word
        # the levels treat differently): its stem positions are then not derivable
        self.last_slow = False

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
                self._cache[w] = _NONLOCAL
                raise _NotLocal(w)
        else:
            r = (ex[0].encode("utf-8"), st[0].encode("utf-8"))
        self._cache[w] = r
        return r

    def analyze(self, text: str) -> tuple[dict[bytes, list[int]], dict[bytes, list[int]], int, int]:
        """``(stem term -> positions, exact term -> positions, stem length, exact length)``.

        When a stem term comes from one exact term only (the usual case) its
        position list is the *same list object* as the exact term's.
        """
        self.last_slow = False
        if not self.fast:
            self.last_slow = True
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
                if r is _NONLOCAL:
                    raise _NotLocal(w)
                n += 1
                e = r[0]
                lst = exact.get(e)
                if lst is None:
                    exact[e] = [pos]
                    stem_of[e] = r[1]
                else:
                    lst.append(pos)
        except _NotLocal:
            # this text only: one odd word must not send every later document
            # of the process down the slow path (it did: 3,635 of 5,962 texts
            # in a 3k build went slow after one "لِـمَـا")
            self.last_slow = True
            return self._slow(text)
        stem: dict[bytes, list[int]] = {}
        for e, plist in exact.items():
            s = stem_of[e]
            cur = stem.get(s)
            stem[s] = plist if cur is None else sorted(cur + plist)
        return stem, exact, n, n

    def stem_map(self, exact_terms: list[bytes]) -> dict[bytes, bytes] | None:
        """exact term -> the stem term the one-pass analysis gave it (for the
        terms given), or None when that is not a function (then the stem
        level's positions cannot be derived from the exact level's)."""
        if not self.fast:
            return None
        if self._stem_of_exact:
            return {e: stem(e.decode("utf-8")).encode("utf-8") for e in exact_terms}
        seen: dict[bytes, bytes] = {}
        for r in self._cache.values():
            if r is not None and r is not _NONLOCAL and seen.setdefault(r[0], r[1]) != r[1]:
                return None
        try:
            return {e: seen[e] for e in exact_terms}
        except KeyError:
            return None

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


_NONLOCAL = object()  # cache mark: this word is analysed differently by the two levels


class FastSegmentWriter:
    """Writes one new segment of ``ix`` from documents given as field dicts.

    The segment is not committed: :meth:`finish` returns the Whoosh segment
    object, which the caller adds to a TOC (like Whoosh's multiprocessing
    writer does with its sub-writers' segments). Several of these may write
    into one index directory at once (each has its own segment name).

    ``add(fields)`` takes the same dict as ``IndexWriter.add_document``; the
    text fields of :data:`TEXT_PAIRS` are analysed together with
    :class:`PairAnalyzer`. Postings are kept per term as compact arrays
    (docs, frequencies, flat positions) and handed whole to the codec's
    :meth:`index.codec.MarsadFieldWriter.add_term` at the end: no per-term
    pickling. When every document's twins were analysed in one pass, the
    stem fields' positions are not written: the codec derives them from the
    exact level (see :mod:`index.codec`).
    """

    def __init__(self, ix: Any, analyzer: PairAnalyzer | None = None, codec: MarsadCodec | None = None):
        # A SegmentWriter without lock gives us the segment, its files and the
        # per-document writer; its pool and add_document are never used.
        # compound=False: the segment's files stay as they are (memory-mapped
        # by the engine), not copied into one compound file at the end.
        self._w = SegmentWriter(ix, _lk=False, codec=codec or make_codec(), compound=False)
        self.schema = self._w.schema
        self.pa = analyzer or PairAnalyzer()
        self.docnum = 0
        self.postings = 0
        # field -> term -> [docs, weights, flat positions or None]
        self._inv: dict[str, dict[bytes, list]] = {}
        self._pairs = [(s, e) for s, e in TEXT_PAIRS if s in self.schema and e in self.schema]
        fmt_ok = all(type(self.schema[f].format) in (Positions, Frequency)
                     for pair in self._pairs for f in pair)
        if not fmt_ok:
            self._pairs = []
        # a stem field's positions are derived from its twin's while every
        # document went through the one-pass analysis
        self._derive = {s: type(self.schema[s].format) is Positions and type(self.schema[e].format) is Positions
                        for s, e in self._pairs}
        self._fields = {name: self.schema[name] for name in self.schema.names()}

    # -- adding documents
    def _post_terms(self, fieldname: str, terms: dict[bytes, list[int]], docnum: int) -> None:
        positions = type(self._fields[fieldname].format) is Positions
        inv = self._inv.get(fieldname)
        if inv is None:
            inv = self._inv[fieldname] = {}
        for tb, plist in terms.items():
            p = inv.get(tb)
            if p is None:
                inv[tb] = [array("I", (docnum,)), array("f", (len(plist),)),
                           array("I", plist) if positions else None]
            else:
                p[0].append(docnum)
                p[1].append(len(plist))
                if positions:
                    p[2].extend(plist)
        self.postings += len(terms)

    def _post(self, fieldname: str, field: Any, value: Any, docnum: int) -> int:
        """A field through Whoosh's own ``field.index()``; returns its length."""
        positions = type(field.format) is Positions
        inv = self._inv.get(fieldname)
        if inv is None:
            inv = self._inv[fieldname] = {}
        length = 0
        for tbytes, freq, weight, vbytes in field.index(value):
            if field.scorable:
                length += freq
            p = inv.get(tbytes)
            if p is None:
                p = inv[tbytes] = [array("I"), array("f"), array("I") if positions else None]
            p[0].append(docnum)
            if positions:
                ps = field.format.decode_positions(vbytes)
                p[1].append(len(ps))
                p[2].extend(ps)
            else:
                p[1].append(weight)
            self.postings += 1
        return length

    def add(self, fields: dict[str, Any]) -> int:
        """Add one document; returns its docnum in this segment."""
        w = self._w
        pdw = w.perdocwriter
        docnum = self.docnum
        analysed: dict[str, tuple[dict[bytes, list[int]], int]] = {}
        for sname, ename in self._pairs:
            text = fields.get(sname)
            if fields.get(ename) != text or text is None:  # twins must hold the same text to share a pass
                if text is not None or fields.get(ename) is not None:
                    self._derive[sname] = False
                continue
            st, ex, ns, ne = self.pa.analyze(text)
            if self.pa.last_slow:  # whole-text analysis: no exact -> stem map to derive from
                self._derive[sname] = False
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
                        self._post_terms(fieldname, terms, docnum)
                        length = n if field.scorable else 0
                    else:
                        length = self._post(fieldname, field, value, docnum)
                sv = value if field.stored else None
                pdw.add_field(fieldname, field, sv, length)
                column = field.column_type
                if column:
                    pdw.add_column_value(fieldname, column, field.to_column_value(value))
                if fieldname == "content_hash":
                    pdw.add_column_value(HASH_COLUMN_NAME, HASH_COLUMN, hash_value(value))
        except Exception:
            pdw.cancel_doc()
            raise
        pdw.finish_doc()
        self.docnum += 1
        return docnum

    # -- writing the segment
    def _variants(self, sname: str, ename: str) -> dict[bytes, list[int]] | None:
        """stem term -> ids (rows of the exact field's sorted dictionary) of the
        exact terms whose positions make up its positions; None if not derivable."""
        exact = sorted(self._inv.get(ename, ()))
        stem_of = self.pa.stem_map(exact)
        if stem_of is None:
            return None
        out: dict[bytes, list[int]] = {}
        for i, e in enumerate(exact):
            out.setdefault(stem_of[e], []).append(i)
        if set(out) != set(self._inv.get(sname, ())):
            return None
        return out

    def finish(self) -> Any:
        """Write the postings and close the segment files; returns the segment."""
        w = self._w
        w.docnum = self.docnum  # get_segment() reads the doc count from here
        w.perdocwriter.close()
        fw = w.fieldwriter
        twin = dict(self._pairs)
        for fieldname in sorted(self._inv):
            field = self._fields[fieldname]
            inv = self._inv[fieldname]
            variants = None
            if self._derive.get(fieldname):
                variants = self._variants(fieldname, twin[fieldname])
            if variants is not None:
                fw.start_field(fieldname, field, derived_from=twin[fieldname])
                for tb in sorted(inv):
                    docs, ws, _ = inv[tb]
                    fw.add_term(tb, docs, ws, None, variants[tb])
            else:
                fw.start_field(fieldname, field)
                for tb in sorted(inv):
                    docs, ws, pos = inv[tb]
                    fw.add_term(tb, docs, ws, pos)
            fw.finish_field()
            inv.clear()
        fw.close()
        self._inv.clear()
        w.pool.cleanup()
        w._assemble_segment()
        return w.get_segment()

    def cancel(self) -> None:
        try:
            self._w._close_segment()
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass
