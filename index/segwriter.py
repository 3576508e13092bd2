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
from datetime import datetime
from operator import itemgetter
from typing import Any

import numpy as np
from whoosh.analysis import CompositeAnalyzer
from whoosh.formats import Positions
from whoosh.writing import SegmentWriter

from marsad.analyzers import exact_analyzer, stem, stem_analyzer
from marsad.analyzers.filters import ArabicStopFilter, CliticTatweelFilter, LightStemFilter, NormalizeFilter
from marsad.analyzers.tokenizers import ArabicTokenizer, words_of
from marsad.index import neardup
from marsad.index.codec import (
    HASH_COLUMN,
    HASH_COLUMN_NAME,
    KEYS_COLUMN,
    KEYS_COLUMN_NAME,
    MarsadCodec,
    hash_value,
    keys_value,
)

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
        # The stem analyzer is the exact one plus the light stemmer, and the
        # clitic-tatweel filter, which changes only words with a tatweel: for
        # every other word the stem term is stem(exact term), no second chain
        # to run (the first sight of a word: 38 -> 22 us).
        self._stem_of_exact = False
        self._unless_tatweel = False
        if isinstance(self._stem, CompositeAnalyzer) and isinstance(self._exact, CompositeAnalyzer):
            st, ex = list(self._stem.items), list(self._exact.items)
            self._stem_of_exact = st == ex + [LightStemFilter()]
            self._unless_tatweel = st == ex[:1] + [CliticTatweelFilter()] + ex[1:] + [LightStemFilter()]
        # surface word -> (exact bytes, stem bytes), None (dropped), or _NONLOCAL
        self._cache: dict[str, Any] = {}
        # True when the last analyze() fell back to the two full chains (a word
        # the levels treat differently): its stem positions are then not derivable
        self.last_slow = False
        # the array path (analyze_ids): surface word -> exact term id (-1 dropped,
        # -2 analysed differently by the two levels), the term tables, exact id -> stem id
        self._ids: dict[str, int] = {}
        self.eterms: list[bytes] = []
        self.sterms: list[bytes] = []
        self._eid: dict[bytes, int] = {}
        self._sid: dict[bytes, int] = {}
        self.stem_of: list[int] = []  # -1: an exact term seen only in whole-text analysis
        self.stem_conflict = False  # one exact term met two stems: stem positions not derivable
        self._near_hashes = np.zeros(0, dtype=np.uint64)  # exact term id -> neardup.term_hashes

    def exact_id(self, e: bytes, s: bytes | None = None) -> int:
        """The id of exact term ``e`` (registered on first sight), linked to stem ``s``."""
        i = self._eid.get(e)
        sid = -1 if s is None else self.stem_id(s)
        if i is None:
            i = self._eid[e] = len(self.eterms)
            self.eterms.append(e)
            self.stem_of.append(sid)
        elif sid >= 0 and self.stem_of[i] != sid:
            if self.stem_of[i] < 0:
                self.stem_of[i] = sid
            else:
                self.stem_conflict = True
        return i

    def term_hashes(self) -> np.ndarray:
        """``neardup.term_hashes`` of the exact terms (by id), extended as the table grows."""
        have = self._near_hashes
        if len(have) < len(self.eterms):
            have = self._near_hashes = np.concatenate([have, neardup.term_hashes(self.eterms[len(have):])])
        return have

    def stem_id(self, s: bytes) -> int:
        i = self._sid.get(s)
        if i is None:
            i = self._sid[s] = len(self.sterms)
            self.sterms.append(s)
        return i

    def _word_id(self, w: str) -> int:
        try:
            r = self._cache[w] if w in self._cache else self._word(w)
        except _NotLocal:
            r = _NONLOCAL
        i = -1 if r is None else -2 if r is _NONLOCAL else self.exact_id(r[0], r[1])
        self._ids[w] = i
        return i

    def analyze_ids(self, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(exact term ids, their positions) of the kept words of ``text``, in
        order; the stem ids are ``stem_of[ids]``. ``None`` when the text needs
        whole-text analysis (then use :meth:`analyze`).

        >>> pa = PairAnalyzer()
        >>> ids, pos = pa.analyze_ids("والقوات الأمريكية في سوريا")
        >>> [pa.eterms[i].decode() for i in ids], pos.tolist()
        (['والقوات', 'الامريكيه', 'سوريا'], [0, 1, 3])
        """
        if not self.fast:
            return None
        cache = self._ids
        words = words_of(text)
        try:
            # one C call for the whole text (a list comprehension costs twice as much)
            got = itemgetter(*words)(cache) if len(words) > 1 else [cache[w] for w in words]
        except KeyError:
            got = [cache[w] if w in cache else self._word_id(w) for w in words]
        a = np.array(got, dtype=np.int32)
        keep = a >= 0
        if len(a) and not keep.all():
            if (a == -2).any():
                return None
            pos = np.flatnonzero(keep).astype(np.int32)
            return a[keep], pos
        return a, np.arange(len(a), dtype=np.int32)

    def _word(self, w: str) -> tuple[bytes, bytes] | None:
        ex = [t.text for t in self._exact(w)]
        if self._stem_of_exact or (self._unless_tatweel and "\u0640" not in w):
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
            for pos, w in enumerate(words_of(text)):
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


NEAR_FIELD = "body_exact"  # the text whose shingles make a document's near-duplicate signature
_MEMO_VALUES = 4096  # distinct values of a field remembered by FastSegmentWriter._post


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
        # field -> term -> [docs, weights, flat positions or None] (fields outside the pairs)
        self._inv: dict[str, dict[bytes, list]] = {}
        # the one-pass pairs: both fields positional (else Whoosh's own field.index())
        self._pairs = [(s, e) for s, e in TEXT_PAIRS if s in self.schema and e in self.schema
                       and type(self.schema[s].format) is Positions and type(self.schema[e].format) is Positions]
        # per pair field, tokens as arrays (term ids of the analyzer's tables, docnums, positions):
        # "fast" chunks hold exact ids whose stems are stem_of[ids]; "own" chunks a field's own
        # ids (whole-text analysis) as (docnum, ids, positions)
        self._fast: dict[str, tuple[list[np.ndarray], list[np.ndarray], list[int], list[int]]] = {
            e: ([], [], [], []) for _, e in self._pairs}
        self._own: dict[str, list[tuple[int, np.ndarray, np.ndarray]]] = {f: [] for p in self._pairs for f in p}
        # a stem field's positions are derived from its twin's while every
        # document went through the one-pass analysis
        self._derive = {s: True for s, _ in self._pairs}
        self._fields = {name: self.schema[name] for name in self.schema.names()}
        # field -> value -> what field.index(value) yields: facet values repeat
        # (an outlet, a date, a province list), and Whoosh's per-value work
        # cost 60 us an article; a field whose values do not repeat (ids,
        # paths, hashes) fills its memo and is dropped from it
        self._memo: dict[str, dict[Any, list[tuple[bytes, int, float, bytes]]] | None] = {}

    # -- adding documents
    def _own_tokens(self, fieldname: str, index: Any, docnum: int) -> int:
        """A pair field's own terms (Whoosh's ``field.index()`` output) as tokens; returns its length."""
        fmt = self._fields[fieldname].format
        tid = self.pa.stem_id if fieldname in self._derive else self.pa.exact_id
        ids: list[int] = []
        pos: list[int] = []
        for tbytes, _freq, _weight, vbytes in index:
            ps = fmt.decode_positions(vbytes)
            ids.extend([tid(tbytes)] * len(ps))
            pos.extend(ps)
        order = np.argsort(np.asarray(pos, dtype=np.int64), kind="stable")
        self._own[fieldname].append((docnum, np.asarray(ids, dtype=np.int32)[order],
                                     np.asarray(pos, dtype=np.int32)[order]))
        self.postings += len(ids)
        return len(ids)

    def _post(self, fieldname: str, field: Any, value: Any, docnum: int) -> int:
        """A field through Whoosh's own ``field.index()``; returns its length."""
        positions = type(field.format) is Positions
        inv = self._inv.get(fieldname)
        if inv is None:
            inv = self._inv[fieldname] = {}
        length = 0
        memo = self._memo.setdefault(fieldname, {})
        if not isinstance(value, (str, bytes, int, float, datetime)):
            memo = None  # (a list, say: not hashable) this value only
        got = None if memo is None else memo.get(value)
        if got is None:
            got = list(field.index(value))
            if memo is not None and len(memo) >= _MEMO_VALUES:  # not a facet-like field: stop remembering it
                self._memo[fieldname] = None
            elif memo is not None:
                memo[value] = got
        for tbytes, freq, weight, vbytes in got:
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
        analysed: dict[str, int] = {}  # pair field -> its length in this document
        for sname, ename in self._pairs:
            text = fields.get(sname)
            if fields.get(ename) != text or text is None:  # twins must hold the same text to share a pass
                for f in (sname, ename):
                    if fields.get(f) is not None:
                        self._derive[sname] = False
                        analysed[f] = self._own_tokens(f, self._fields[f].index(fields[f]), docnum)
                continue
            got = self.pa.analyze_ids(text)
            if got is not None:
                ids, pos = got
                chunk = self._fast[ename]
                chunk[0].append(ids)
                chunk[1].append(pos)
                chunk[2].append(docnum)
                chunk[3].append(len(ids))
                analysed[sname] = analysed[ename] = len(ids)
                self.postings += 2 * len(ids)
                continue
            # whole-text analysis: no exact -> stem map to derive from
            self._derive[sname] = False
            st, ex, ns, ne = self.pa.analyze(text)
            for f, terms, n, tid in ((sname, st, ns, self.pa.stem_id), (ename, ex, ne, self.pa.exact_id)):
                ids = np.fromiter((tid(t) for t, pl in terms.items() for _ in pl), dtype=np.int32, count=n)
                pos = np.fromiter((p for pl in terms.values() for p in pl), dtype=np.int32, count=n)
                self._own[f].append((docnum, ids, pos))
                analysed[f] = n
                self.postings += n

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
                        length = analysed[fieldname] if field.scorable else 0
                    else:
                        length = self._post(fieldname, field, value, docnum)
                sv = value if field.stored else None
                pdw.add_field(fieldname, field, sv, length)
                column = field.column_type
                if column:
                    pdw.add_column_value(fieldname, column, field.to_column_value(value))
                if fieldname == "content_hash":
                    pdw.add_column_value(HASH_COLUMN_NAME, HASH_COLUMN, hash_value(value))
            # id and URL apart from the stored fields: what a hit's list of copies reads
            pdw.add_column_value(KEYS_COLUMN_NAME, KEYS_COLUMN, keys_value(str(fields.get("id") or ""), fields.get("url")))
        except Exception:
            pdw.cancel_doc()
            raise
        pdw.finish_doc()
        self.docnum += 1
        return docnum

    # -- writing the segment
    def _tokens(self, fieldname: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        """(term ids, docnums, positions, already in document order) of a pair field."""
        derived = fieldname in self._derive
        twin = dict(self._pairs)[fieldname] if derived else fieldname
        ids_l, pos_l, docnums, counts = self._fast[twin]
        parts_i: list[np.ndarray] = []
        parts_d: list[np.ndarray] = []
        parts_p: list[np.ndarray] = []
        # int32 throughout: a segment's token arrays are its build's largest memory
        if ids_l:
            ids = np.concatenate(ids_l)
            if derived:
                ids = np.asarray(self.pa.stem_of, dtype=np.int32)[ids]
            parts_i.append(ids)
            parts_d.append(np.repeat(np.asarray(docnums, dtype=np.int32), counts))
            parts_p.append(np.concatenate(pos_l))
        for docnum, ids_, pos_ in self._own[fieldname]:
            parts_i.append(ids_)
            parts_d.append(np.full(len(ids_), docnum, dtype=np.int32))
            parts_p.append(pos_)
        if not parts_i:
            e = np.zeros(0, np.int32)
            return e, e, e, True
        return (np.concatenate(parts_i), np.concatenate(parts_d), np.concatenate(parts_p),
                not self._own[fieldname])

    @staticmethod
    def _postings(ids: np.ndarray, docs: np.ndarray, pos: np.ndarray, table: list[bytes], in_order: bool
                  ) -> tuple[list[bytes], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Tokens -> (sorted term bytes, their ids, posting docnums, frequencies,
        term starts over the postings, positions in posting order)."""
        # ids index the term table: a count per id finds the distinct ones in one
        # pass (np.unique sorts or hashes 12M tokens: 0.16 s a field, this 0.01 s)
        distinct_ids = np.flatnonzero(np.bincount(ids))
        tb = [table[i] for i in distinct_ids.tolist()]
        by_bytes = sorted(range(len(tb)), key=tb.__getitem__)
        present = distinct_ids[by_bytes]
        rank = np.zeros(int(distinct_ids[-1]) + 1, dtype=np.int32)
        rank[present] = np.arange(len(present))
        r = rank[ids]
        # tokens arrive by document and position: a stable sort by term keeps that order
        order = np.argsort(r, kind="stable") if in_order else np.lexsort((pos, docs, r))
        r, d, p = r[order], docs[order], pos[order]
        new = np.empty(len(r), dtype=bool)
        new[0] = True
        new[1:] = (r[1:] != r[:-1]) | (d[1:] != d[:-1])
        ps = np.flatnonzero(new)
        freq = np.diff(np.append(ps, len(r)))
        pr = r[ps]
        newterm = np.empty(len(ps), dtype=bool)
        newterm[0] = True
        newterm[1:] = pr[1:] != pr[:-1]
        starts = np.append(np.flatnonzero(newterm), len(ps))
        return [tb[i] for i in by_bytes], present, d[ps], freq, starts, p

    def finish(self) -> Any:
        """Write the postings and close the segment files; returns the segment."""
        w = self._w
        w.docnum = self.docnum  # get_segment() reads the doc count from here
        w.perdocwriter.close()
        fw = w.fieldwriter
        twin = dict(self._pairs)
        pair_fields = [f for p in self._pairs for f in p]
        sorted_ids: dict[str, np.ndarray] = {}  # exact field -> its term ids in dictionary order
        # exact fields first (a derived stem field needs its twin's dictionary), written in name order
        built: dict[str, Any] = {}
        near = None  # the body's exact tokens, in document order: near-duplicate signatures
        for fieldname in sorted(pair_fields, key=lambda f: f in self._derive):
            ids, docs, pos, in_order = self._tokens(fieldname)
            if fieldname == NEAR_FIELD:
                order = None if in_order else np.lexsort((pos, docs))
                near = (ids, docs) if order is None else (ids[order], docs[order])
            if len(ids):
                table = self.pa.sterms if fieldname in self._derive else self.pa.eterms
                built[fieldname] = self._postings(ids, docs, pos, table, in_order)
                if fieldname not in self._derive:
                    sorted_ids[fieldname] = built[fieldname][1]
        for fieldname in sorted(set(built) | set(self._inv)):
            field = self._fields[fieldname]
            if fieldname in built:
                terms, tids, pdocs, freq, starts, positions = built[fieldname]
                variants = None
                if (self._derive.get(fieldname) and not self.pa.stem_conflict
                        and twin[fieldname] in sorted_ids):
                    variants = self._variants(sorted_ids[twin[fieldname]], tids)
                if variants is not None:
                    fw.start_field(fieldname, field, derived_from=twin[fieldname])
                    fw.add_terms(terms, pdocs, freq, starts, None, variants)
                else:
                    fw.start_field(fieldname, field)
                    fw.add_terms(terms, pdocs, freq, starts, positions)
            else:
                fw.start_field(fieldname, field)
                fw.add_terms(*self._inverted(fieldname))
            fw.finish_field()
        fw.close()
        self._inv.clear()
        for chunk in self._fast.values():
            for lst in chunk:
                lst.clear()
        for own in self._own.values():
            own.clear()
        w.pool.cleanup()
        w._assemble_segment()
        seg = w.get_segment()
        if near is not None:
            sig = neardup.signatures(near[0], near[1], self.docnum, self.pa.term_hashes())
            with w.storage.create_file(seg.make_filename(neardup.SUFFIX)) as f:
                f.write(sig.astype("<u4").tobytes())
        return seg

    def _inverted(self, fieldname: str) -> tuple[list[bytes], np.ndarray, np.ndarray, np.ndarray,
                                                 np.ndarray | None]:
        """A :meth:`_post` field's postings as :meth:`add_terms` arguments, its
        table emptied. One bulk encode, not a Python step per term: the id,
        source path and content hash fields hold a term per document (75,000
        terms a segment)."""
        inv = self._inv[fieldname]
        terms = sorted(inv)
        docs, weights, positions = array("I"), array("f"), array("I")
        starts = np.zeros(len(terms) + 1, dtype=np.int64)
        # from the field, not its terms: a positional field empty in a whole segment still has positions
        positional = type(self._fields[fieldname].format) is Positions
        for i, tb in enumerate(terms):
            d, w, p = inv[tb]
            docs.extend(d)
            weights.extend(w)
            if p is not None:
                positions.extend(p)
            starts[i + 1] = len(docs)
        inv.clear()
        return (terms, np.frombuffer(docs, dtype=np.uint32).astype(np.int64),
                np.frombuffer(weights, dtype=np.float32).astype(np.float64), starts,
                np.frombuffer(positions, dtype=np.uint32).astype(np.int64) if positional else None)

    def _variants(self, exact_ids: np.ndarray, stem_ids: np.ndarray) -> list[np.ndarray] | None:
        """Per stem term (``stem_ids``, dictionary order), the rows of the exact
        field's dictionary (``exact_ids``) whose positions make up its positions;
        None if they do not cover the stem terms exactly."""
        stem_of = np.asarray(self.pa.stem_of, dtype=np.int64)[exact_ids]
        if (stem_of < 0).any():
            return None
        rank = np.full(len(self.pa.sterms), -1, dtype=np.int64)
        rank[stem_ids] = np.arange(len(stem_ids))
        rows_rank = rank[stem_of]
        if (rows_rank < 0).any():
            return None
        order = np.argsort(rows_rank, kind="stable")
        bounds = np.searchsorted(rows_rank[order], np.arange(len(stem_ids) + 1))
        if (np.diff(bounds) == 0).any():  # a stem term with no exact term
            return None
        return np.split(order.astype(np.uint32), bounds[1:-1])

    def cancel(self) -> None:
        try:
            self._w._close_segment()
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass
