"""Matching and BM25F scoring with numpy over cached posting arrays.

Whoosh stores the index and we read it through Whoosh, but stepping its
matchers document by document in Python is what made queries slow (hundreds
of ms for two common words). Here each term's posting list is read ONCE per
reader, block by block, into numpy arrays (docnums and term frequencies;
positions only for phrases), kept in a per-reader LRU; a compiled Whoosh
query tree (``Term``, ``Or``, ``And``, ``AndNot``, ``AndMaybe``, ``Not``,
``Phrase``, ``DateRange``, ``Every``) is then evaluated SPARSELY: every node
yields a sorted array of matching docnums and, when scored, an aligned
float32 array of scores, so a query costs in proportion to its postings, not
to the collection. An AND evaluates its smallest part first and each next
part only on the documents left (``within``: binary search, BM25 computed on
those documents only); an OR merges by one stable sort and adds the parts'
scores in query order (so scores equal the dense evaluation's sums); AndNot
and Not are set differences (Not and Every against the live documents only
where the query has nothing positive); DateRange tests the candidates' dates
or binary-searches a date-sorted index; phrases and proximity read positions
of the candidate documents only (:meth:`Engine.positions_in`).

Scoring is BM25 per field, summed: per field, ``idf * tf (k1+1) / (tf + k1 (1
- b + b len/avglen))`` times the term's boost (titles are boosted in the
query), summed over fields and terms; ``idf = ln(1 + (N - df + .5) / (df +
.5))``. A title match thus adds a second, separately saturated score on top of
the body's. ``BM25F_COMBINE = True`` switches to textbook BM25F (one
saturation per word over its boosted, length-normalised field frequencies,
df over any field); on the graded judgments of ``tests/data/retrieval`` it
ranked WORSE (nDCG@10 0.879 vs 0.920 on the tuning queries, title boost 2):
news headlines state the topic, and the extra title score is what puts the
articles about the query above those that merely mention it. It stays as a
measured alternative (``bench/eval_retrieval.py --ablations``).

Reads from Whoosh happen under the reader's lock (its files are shared
between threads); the arrays are immutable once cached.

Time limit: a :class:`Budget` carries the request's deadline. It is checked
between the parts of a query, never before the first one, so a request past
its deadline still returns the matches (and scores) of the parts evaluated
so far, with ``budget.partial`` set: an AND of the parts done so far, rarest
first (a superset of the full answer), an OR of those done (a subset), a phrase's
documents holding all its words, an exclusion not yet applied.
"""
from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.reading import TermNotFound

from marsad.index.codec import leaf_lengths, segment_arrays
from marsad.search.bm25 import FIELD_B, K1
from marsad.search.facets import ReaderData

__all__ = ["Engine", "engine_for", "K1", "FIELD_B", "BM25F_COMBINE", "Budget", "distinct", "count_distinct"]

BM25F_COMBINE = False  # True: textbook BM25F (one saturation per word over its fields); measured worse
_POSTINGS_CACHE = 50_000  # terms kept per reader
_POSITIONS_CACHE = 2_000
_DF_CACHE = 500_000  # document frequencies remembered per reader generation
_WHOLE_POSITIONS = 20_000  # postings up to which a term's positions are read whole and cached


class Budget:
    """The time a request may spend evaluating; ``partial`` once it ran out."""

    __slots__ = ("deadline", "partial")

    def __init__(self, deadline: float) -> None:
        self.deadline, self.partial = deadline, False

    def out(self) -> bool:
        """Past the deadline? (then the answer is partial)"""
        if time.perf_counter() > self.deadline:
            self.partial = True
        return self.partial


def _text(t: Any) -> str:
    return t.decode("utf-8") if isinstance(t, bytes) else t


def _raw_matcher(leaf: Any, field: str, text: str) -> Any:
    """The leaf's raw matcher of a term (``None`` when the leaf lacks it)."""
    try:
        m = leaf.postings(field, text)
    except (TermNotFound, KeyError):  # KeyError: a field this leaf has no terms of
        return None
    # deletions are applied by the live mask; read the raw block matcher
    while type(m).__name__ == "FilterMatcher":
        m = m.child
    return m


def _tbytes(text: Any) -> bytes:
    return text.encode("utf-8") if isinstance(text, str) else text


def _read_postings(leaf: Any, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(sorted docnums of the leaf, term frequencies float32), deleted documents included."""
    sa = segment_arrays(leaf)
    if sa is not None:  # a Marsad segment: straight from the memory-mapped arrays
        return sa.postings(field, _tbytes(text))
    # any other Whoosh segment (a stock W3 index): through its block matcher
    m = _raw_matcher(leaf, field, text)
    if m is None:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    ids: list[Any] = []
    ws: list[Any] = []
    if hasattr(m, "_read_ids") and hasattr(m, "_next_block"):  # whoosh3 block matcher: whole blocks
        while m.is_active():
            if m._ids is None:
                m._read_ids()
            if m._weights is None:
                m._read_weights()
            ids.append(np.asarray(m._ids, dtype=np.int64))
            w = m._weights
            ws.append(np.asarray(w, dtype=np.float32) if w is not None else np.ones(len(m._ids), np.float32))
            m._next_block()
    else:  # any other matcher: step through it
        a, b = [], []
        while m.is_active():
            a.append(m.id())
            b.append(m.weight())
            m.next()
        ids.append(np.asarray(a, dtype=np.int64))
        ws.append(np.asarray(b, dtype=np.float32))
    if not ids:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate(ids), np.concatenate(ws)


def _read_positions(leaf: Any, field: str, text: str, docs: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(docnum per position, position) int64 of a term in one leaf, only in
    ``docs`` (sorted leaf docnums) when given."""
    sa = segment_arrays(leaf)
    if sa is not None:
        return sa.positions(field, _tbytes(text), docs)
    if docs is not None:
        return _matcher_positions_of(leaf, field, text, docs)
    m = _raw_matcher(leaf, field, text)
    if m is None:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    docs: list[int] = []
    pos: list[int] = []
    while m.is_active():
        d = m.id()
        ps = m.value_as("positions")
        docs.extend([d] * len(ps))
        pos.extend(ps)
        m.next()
    return np.asarray(docs, dtype=np.int64), np.asarray(pos, dtype=np.int64)


Result = tuple[np.ndarray, "np.ndarray | None"]  # (sorted unique docnums, aligned float32 scores or None)
_NO_DOCS = np.zeros(0, np.int64)


# a bitmap over the universe beats a sort once the values are more than 1/64 of it
# (3.1M documents: a 1M-match sort 54 ms, the bitmap 1.5 ms; 10k matches: 0.7 ms either way)
_DENSE = 64


def _marks(universe: int, *values: np.ndarray) -> np.ndarray:
    """A bool per document below ``universe``: True at every one of ``values`` (the
    bitmap the dense paths share)."""
    mark = np.zeros(universe, dtype=bool)
    for v in values:
        mark[v] = True
    return mark


def _restrict(docs: np.ndarray, vals: np.ndarray | None, within: np.ndarray | None, universe: int | None = None
              ) -> tuple[np.ndarray, np.ndarray | None]:
    """``docs ∩ within`` (both sorted, unique) with the aligned ``vals`` kept;
    binary search of the shorter list in the longer one, or (``universe``: every
    value below it) a bitmap when both are long (100k candidates in a 1M-document
    posting list at 3.1M documents: 100k binary searches over 8 MB)."""
    if within is None:
        return docs, vals
    if not len(docs) or not len(within):
        return docs[:0], None if vals is None else vals[:0]
    if universe is not None and min(len(docs), len(within)) * _DENSE > universe:
        ok = _marks(universe, within)[docs]
        return docs[ok], None if vals is None else vals[ok]
    if len(within) < len(docs):
        idx = np.searchsorted(docs, within)
        np.minimum(idx, len(docs) - 1, out=idx)
        idx = idx[docs[idx] == within]
        return docs[idx], None if vals is None else vals[idx]
    idx = np.searchsorted(within, docs)
    np.minimum(idx, len(within) - 1, out=idx)
    ok = within[idx] == docs
    return docs[ok], None if vals is None else vals[ok]


def _gather(docs: np.ndarray, vals: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``vals`` of the documents ``at`` (a subset of the sorted ``docs``)."""
    return vals[np.searchsorted(docs, at)]


def _union(parts: list[np.ndarray], universe: int | None = None) -> np.ndarray:
    """The sorted union of sorted unique arrays."""
    return _union_index(parts, universe)[0]


# parts holding more than 1/6 of the universe together are merged in a bitmap (3.1M
# documents, four parts of 300k: the sort 82 ms, the bitmap 7 ms; of 30k: 5 ms vs 17)
_DENSE_UNION = 6


def _union_index(parts: list[np.ndarray], universe: int | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
    """The sorted union of sorted unique arrays and, per part, where its
    elements stand in the union. One stable sort of the concatenation (its
    runs are already sorted, so the sort merges them); with ``universe``
    (every value below it) a bitmap and its running count when the parts are large.

    >>> d, w = _union_index([np.array([1, 4]), np.array([2, 4])], universe=6)
    >>> d.tolist(), [x.tolist() for x in w]
    ([1, 2, 4], [[0, 2], [1, 2]])
    """
    if len(parts) == 1:
        return parts[0], [np.arange(len(parts[0]))]
    if universe is not None and sum(len(p) for p in parts) * _DENSE_UNION > universe:
        mark = _marks(universe, *parts)
        rank = np.cumsum(mark, dtype=np.int32)  # at a marked document: 1 + its place in the union
        return np.flatnonzero(mark), [rank[p].astype(np.int64) - 1 for p in parts]
    cat = np.concatenate(parts) if parts else _NO_DOCS
    if not len(cat):
        return cat, [np.zeros(0, np.int64) for _ in parts]
    order = np.argsort(cat, kind="stable")
    srt = cat[order]
    first = np.empty(len(srt), dtype=bool)
    first[0] = True
    np.not_equal(srt[1:], srt[:-1], out=first[1:])
    where = np.empty(len(cat), dtype=np.int64)
    where[order] = np.cumsum(first) - 1
    bounds = np.cumsum([0] + [len(p) for p in parts])
    return srt[first], [where[bounds[i]:bounds[i + 1]] for i in range(len(parts))]


def _chain(firsts: np.ndarray, nexts: np.ndarray, slop: int) -> np.ndarray:
    """The keys of ``nexts`` that stand 1..``slop`` after a key of ``firsts``
    (keys are ``doc << 24 | position``, both sorted)."""
    if not len(firsts) or not len(nexts):
        return nexts[:0]
    hit = np.zeros(len(nexts), dtype=bool)
    for off in range(1, slop + 1):
        want = nexts - off
        idx = np.searchsorted(firsts, want)
        np.minimum(idx, len(firsts) - 1, out=idx)
        hit |= firsts[idx] == want
    return nexts[hit]


_SHIFT = np.int64(1 << 24)


def distinct(a: np.ndarray, presorted: bool = False, universe: int | None = None) -> np.ndarray:
    """The sorted distinct values of ``a`` (a sort and a comparison: numpy's
    hash-based ``unique`` costs several times more on these small int arrays);
    with ``universe`` (every value is below it) a bitmap when ``a`` is dense.

    >>> distinct(np.array([5, 1, 5, 3])).tolist(), distinct(np.array([5, 1, 5, 3]), universe=8).tolist()
    ([1, 3, 5], [1, 3, 5])
    """
    if universe is not None and not presorted and len(a) * _DENSE > universe:
        return np.flatnonzero(_marks(universe, a))
    b = a if presorted else np.sort(a)
    if len(b) < 2:
        return b
    keep = np.empty(len(b), dtype=bool)
    keep[0] = True
    np.not_equal(b[1:], b[:-1], out=keep[1:])
    return b[keep]


def count_distinct(a: np.ndarray, universe: int) -> int:
    """``len(distinct(a, universe=universe))`` without building the array when ``a`` is dense."""
    if len(a) * _DENSE > universe:
        return int(np.count_nonzero(_marks(universe, a)))
    return len(distinct(a))


class Engine:
    """Posting arrays and the evaluator for one reader generation."""

    def __init__(self, data: ReaderData) -> None:
        self.data = data
        self.n = data.n
        self._postings: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._scores: OrderedDict[tuple[str, str, float, float, float], np.ndarray] = OrderedDict()
        self._positions: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lengths: dict[str, tuple[np.ndarray, float]] = {}
        self._dfs: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self.live_count = int(np.count_nonzero(data.live))
        self._live_docs: np.ndarray | None = None
        self._date_order: tuple[np.ndarray, np.ndarray] | None = None

    # -- cached reads
    def postings(self, reader: Any, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(live docnums, term frequencies) of a term over all leaves (cached)."""
        return self._cached(self._postings, _POSTINGS_CACHE, reader, field, text, _read_postings, np.float32,
                            live_only=True)

    def positions(self, reader: Any, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(docnum, position) pairs of a term over all leaves (cached)."""
        return self._cached(self._positions, _POSITIONS_CACHE, reader, field, text, _read_positions, np.int64)

    def _cached(self, cache: OrderedDict, cap: int, reader: Any, field: str, text: str, read: Any,
                dtype: Any, live_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """``read(leaf, field, text)`` over every leaf, offsets added, kept in ``cache`` (LRU of ``cap``)."""
        key = (field, text)
        got = cache.get(key)
        if got is not None:
            try:
                cache.move_to_end(key)
            except KeyError:  # evicted by another thread meanwhile: still a valid answer
                pass
            return got
        with self._lock:
            parts_d, parts_v = [], []
            for leaf, offset in reader.leaf_readers():
                if field not in leaf.schema:
                    continue
                d, v = read(leaf, field, text)
                parts_d.append(d + offset)
                parts_v.append(v)
            if not parts_d:  # no leaf has the field
                parts_d, parts_v = [np.zeros(0, np.int64)], [np.zeros(0, dtype)]
            docs, vals = np.concatenate(parts_d), np.concatenate(parts_v)
            if live_only and len(docs):
                keep = self.data.live[docs]
                if not keep.all():
                    docs, vals = docs[keep], vals[keep]
            got = (docs, vals)
            cache[key] = got
            while len(cache) > cap:
                cache.popitem(last=False)
        return got

    def lengths(self, reader: Any, field: str) -> tuple[np.ndarray, float]:
        got = self._lengths.get(field)
        if got is not None:
            return got
        with self._lock:
            arr = np.zeros(self.n, dtype=np.float32)
            for leaf, offset in reader.leaf_readers():
                m = leaf.doc_count_all()
                arr[offset:offset + m] = leaf_lengths(leaf, field)
            live = arr[self.data.live]
            avg = float(live.mean()) if len(live) and live.mean() > 0 else 1.0
            got = (arr, avg)
            self._lengths[field] = got
        return got

    def positions_in(self, reader: Any, field: str, text: str, docs: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
        """(docnum, position) pairs of ``text`` in the sorted ``docs`` only.

        A cached (or large) candidate set is cut out of the term's whole
        position list by binary search; a few candidates of an uncached term
        are read one by one from the leaves (``skip_to``), not the whole list.
        """
        if not len(docs):
            return _NO_DOCS, _NO_DOCS
        # the whole list is read (and cached) unless it is long and the candidates few
        if (field, text) not in self._positions and self.df(reader, field, text) > max(_WHOLE_POSITIONS,
                                                                                        8 * len(docs)):
            return self._positions_of(reader, field, text, docs)
        d, p = self.positions(reader, field, text)
        if len(docs) * _DENSE > self.n:  # many candidates: a bitmap test of every position's document
            keep = _marks(self.n, docs)[d]
            return d[keep], p[keep]
        lo = np.searchsorted(d, docs, "left")
        hi = np.searchsorted(d, docs, "right")
        lens = hi - lo
        total = int(lens.sum())
        if not total:
            return _NO_DOCS, _NO_DOCS
        starts = np.repeat(lo - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
        idx = starts + np.arange(total)
        return d[idx], p[idx]

    def _positions_of(self, reader: Any, field: str, text: str, docs: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Positions of ``text`` in the given (sorted, global) documents only, read
        per leaf for those documents (not cached)."""
        out_d: list[np.ndarray] = []
        out_p: list[np.ndarray] = []
        leaves = reader.leaf_readers()
        # the candidates of each leaf by binary search: only leaves holding some are read
        cuts = np.searchsorted(docs, [off for _, off in leaves] + [self.n]).tolist()
        with self._lock:
            for (leaf, offset), a, b in zip(leaves, cuts, cuts[1:]):
                if a == b or field not in leaf.schema:
                    continue
                d, p = _read_positions(leaf, field, text, docs[a:b] - offset)
                out_d.append(d + offset)
                out_p.append(p)
        if not out_d:
            return _NO_DOCS, _NO_DOCS
        return np.concatenate(out_d).astype(np.int64), np.concatenate(out_p).astype(np.int64)

    def df(self, reader: Any, field: str, text: str) -> int:
        return len(self.postings(reader, field, text)[0])

    def doc_frequency(self, reader: Any, field: str, text: str) -> int:
        """Whoosh's document frequency (deleted documents included), from the term
        dictionaries without reading postings; remembered (a dictionary lookup costs a
        binary search per segment, and more-like-this asks for a page's every word)."""
        key = (field, text)
        got = self._dfs.get(key)
        if got is None:
            got = reader.doc_frequency(field, text)
            if len(self._dfs) >= _DF_CACHE:
                self._dfs.clear()  # a generation's working vocabulary refills it quickly
            self._dfs[key] = got
        return got

    def idf(self, df: int) -> float:
        n = max(self.live_count, 1)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def live_docs(self) -> np.ndarray:
        """The sorted docnums of the live documents (what ``Every`` matches)."""
        if self._live_docs is None:
            self._live_docs = np.flatnonzero(self.data.live).astype(np.int64)
        return self._live_docs

    # -- evaluation: every function returns (sorted unique docnums, aligned scores or None),
    # restricted to ``within`` (sorted docnums) when given
    def _bm25(self, reader: Any, field: str, docs: np.ndarray, tf: np.ndarray, df: int, boost: float
              ) -> np.ndarray:
        lens, avg = self.lengths(reader, field)
        b = FIELD_B[field]
        norm = K1 * ((1.0 - b) + b * lens[docs] / avg)
        return ((boost * self.idf(df)) * tf * (K1 + 1.0) / (tf + norm)).astype(np.float32, copy=False)

    def term(self, reader: Any, field: str, text: str, boost: float, scored: bool,
             within: np.ndarray | None = None) -> Result:
        """A term's documents and BM25 scores (computed on the matching documents only).

        A term scored over all its postings keeps those scores (per boost and BM25
        parameters, beside its cached postings): the next search of it, or a
        restricted one, reads them instead of computing them again (at 3.1M a
        frequent word's postings are a million documents)."""
        docs, tf = self.postings(reader, field, text)
        df = len(docs)
        if scored and field in FIELD_B and len(docs):
            key = (field, text, boost, K1, FIELD_B[field])
            base = self._scores.get(key)
            if base is None and within is None:
                base = self._bm25(reader, field, docs, tf, df, boost)
                with self._lock:
                    self._scores[key] = base
                    while len(self._scores) > _POSTINGS_CACHE:
                        self._scores.popitem(last=False)
            if base is not None:
                d, sc = _restrict(docs, base, within, self.n)
                return d, sc if len(d) else None
        docs, tf = _restrict(docs, tf, within, self.n)
        if not scored or field not in FIELD_B or not len(docs):
            return docs, None
        return docs, self._bm25(reader, field, docs, tf, df, boost)

    def bm25f(self, reader: Any, terms: list[wq.Term], scored: bool, within: np.ndarray | None = None
              ) -> Result:
        """One word over several fields, BM25F: boosted, length-normalised
        field frequencies summed, then saturated once (see the module doc)."""
        parts = []
        for t in terms:
            d, tf = _restrict(*self.postings(reader, t.fieldname, _text(t.text)), within, self.n)
            if len(d):
                parts.append((t, d, tf))
        docs = _union([d for _, d, _ in parts], self.n) if parts else _NO_DOCS
        if not scored or not len(docs):
            return docs, None
        tfn = np.zeros(len(docs), dtype=np.float32)
        for t, d, tf in parts:
            lens, avg = self.lengths(reader, t.fieldname)
            b = FIELD_B[t.fieldname]
            tfn[np.searchsorted(docs, d)] += t.boost * tf / ((1.0 - b) + b * lens[d] / avg)
        # df over any field: the union, unrestricted
        df = len(_union([self.postings(reader, t.fieldname, _text(t.text))[0] for t in terms], self.n))
        return docs, (self.idf(df) * tfn * (K1 + 1.0) / (tfn + K1)).astype(np.float32, copy=False)

    def phrase(self, reader: Any, q: wq.Phrase, scored: bool, budget: Budget,
               within: np.ndarray | None = None) -> Result:
        field, words, slop = q.fieldname, [_text(w) for w in q.words], max(1, q.slop)
        # the rarest word first: each next word is read only on the documents left
        order = sorted(range(len(words)), key=lambda i: self.df(reader, field, words[i]))
        parts: dict[int, Result] = {}
        cand = within
        for i in order:
            parts[i] = self.term(reader, field, words[i], q.boost, scored, cand)
            cand = parts[i][0]
            if not len(cand):
                return cand, None
        if budget.out():  # no time for positions: the documents holding all the words
            return cand, self._sum_scores([parts[i] for i in range(len(words))], cand) if scored else None
        # chain the words through their positions, within ``slop`` of each other, in order
        d0, p0 = self.positions_in(reader, field, words[0], cand)
        # (doc, position) pairs arrive sorted or nearly (derived positions): a stable sort is then linear
        cur = np.sort(d0 * _SHIFT + p0, kind="stable")
        for w in words[1:]:
            d, p = self.positions_in(reader, field, w, cand)
            cur = _chain(cur, np.sort(d * _SHIFT + p, kind="stable"), slop)
            if not len(cur):
                break
        out = distinct(cur // _SHIFT, presorted=True)
        return out, self._sum_scores([parts[i] for i in range(len(words))], out) if scored else None

    @staticmethod
    def _sum_scores(parts: list[Result], docs: np.ndarray) -> np.ndarray:
        """The parts' scores summed (in the parts' order) on ``docs``, a subset of every part."""
        score = np.zeros(len(docs), dtype=np.float32)
        for d, s in parts:
            if s is not None:
                score += _gather(d, s, docs)
        return score

    def _estimate(self, reader: Any, q: wq.Query) -> int:
        """An upper bound of how many documents ``q`` matches (to intersect the smallest first)."""
        if isinstance(q, wq.Term):
            return self.df(reader, q.fieldname, _text(q.text))
        if isinstance(q, wq.Phrase):
            return min((self.df(reader, q.fieldname, _text(w)) for w in q.words), default=0)
        if isinstance(q, wq.Or):
            return min(self.n, sum(self._estimate(reader, c) for c in q.subqueries))
        if isinstance(q, wq.And):
            return min((self._estimate(reader, c) for c in q.subqueries), default=0)
        if isinstance(q, (wq.AndNot, wq.AndMaybe)):
            return self._estimate(reader, q.a)
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return 0
        return self.n

    def evaluate(self, reader: Any, q: wq.Query, scored: bool, budget: Budget | float,
                 within: np.ndarray | None = None) -> Result:
        """(sorted docnums, aligned scores or None) of ``q``, inside ``within``
        when given. Past the budget's deadline the parts not yet evaluated
        are left out and ``budget.partial`` is set (see the module
        docstring); ``budget`` may be a bare deadline."""
        if not isinstance(budget, Budget):
            budget = Budget(budget)
        if isinstance(q, wq.Every):
            return (self.live_docs() if within is None else within), None
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return _NO_DOCS, None
        if isinstance(q, wq.Term):
            return self.term(reader, q.fieldname, _text(q.text), q.boost, scored, within)
        if isinstance(q, wq.Phrase):
            return self.phrase(reader, q, scored, budget, within)
        if isinstance(q, wq.DateRange):
            return self._date_range(q, within), None
        if isinstance(q, wq.AndMaybe):
            d, s = self.evaluate(reader, q.a, scored, budget, within)
            if scored and not budget.out():
                d2, s2 = self.evaluate(reader, q.b, scored, budget, d)
                if s2 is not None:
                    s = s.copy() if s is not None else np.zeros(len(d), dtype=np.float32)
                    s[np.searchsorted(d, d2)] += s2
            return d, s
        if isinstance(q, wq.AndNot):
            d, s = self.evaluate(reader, q.a, scored, budget, within)
            if budget.out() or not len(d):
                return d, s
            n, _ = self.evaluate(reader, q.b, False, budget, d)
            return self._minus(d, s, n)
        if isinstance(q, wq.Not):
            base = self.live_docs() if within is None else within
            n, _ = self.evaluate(reader, q.query, False, budget, within)
            return self._minus(base, None, n)
        if (BM25F_COMBINE and isinstance(q, wq.Or) and len(q.subqueries) > 1
                and all(isinstance(t, wq.Term) and t.fieldname in FIELD_B for t in q.subqueries)
                and len({_text(t.text) for t in q.subqueries}) == 1
                and len({t.fieldname for t in q.subqueries}) == len(q.subqueries)):
            d, s = self.bm25f(reader, list(q.subqueries), scored, within)
            if s is not None and q.boost != 1.0:
                s *= q.boost
            return d, s
        if isinstance(q, wq.And):
            return self._and(reader, q, scored, budget, within)
        if isinstance(q, wq.Or):
            return self._or(reader, q, scored, budget, within)
        # anything else (rare): let Whoosh find the documents
        from whoosh.searching import Searcher
        with self._lock:
            s = Searcher(reader)
            ids = np.unique(np.fromiter(s.docs_for_query(q), dtype=np.int64))
        return _restrict(ids[self.data.live[ids]], None, within)[0], None

    @staticmethod
    def _minus(d: np.ndarray, s: np.ndarray | None, n: np.ndarray) -> Result:
        """``d`` without ``n`` (a subset of ``d``), scores kept aligned."""
        if not len(n):
            return d, s
        keep = np.ones(len(d), dtype=bool)
        keep[np.searchsorted(d, n)] = False
        return d[keep], None if s is None else s[keep]

    def _and(self, reader: Any, q: wq.And, scored: bool, budget: Budget, within: np.ndarray | None) -> Result:
        """Intersection, the smallest part first: each next part is evaluated
        (and scored) only on the documents left. Scores are summed in the
        query's order, so they equal the sum of the parts' own scores."""
        subs = list(q.subqueries)
        order = sorted(range(len(subs)), key=lambda i: self._estimate(reader, subs[i])) if len(subs) > 1 \
            else list(range(len(subs)))
        done: dict[int, Result] = {}
        cur = within
        for j, i in enumerate(order):
            if j and budget.out():
                break  # the parts done so far
            done[i] = self.evaluate(reader, subs[i], scored, budget, cur)
            cur = done[i][0]
            if not len(cur):
                return cur, None
        if cur is None:  # no parts
            return _NO_DOCS, None
        parts = [done[i] for i in sorted(done)]
        if not any(s is not None for _, s in parts):
            return cur, None
        score = self._sum_scores(parts, cur)
        if q.boost != 1.0:
            score *= q.boost
        return cur, score

    def any_of(self, reader: Any, parts: list[wq.Query], scored: bool, budget: Budget | float,
               within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """The documents matching any of ``parts``: (sorted docnums, summed
        scores or None, how many of the parts each matches). A minimum-should-match
        keeps ``counts >= k``; the budget is checked between parts."""
        if not isinstance(budget, Budget):
            budget = Budget(budget)
        got: list[Result] = []
        for sub in parts:
            if got and budget.out():
                break
            got.append(self.evaluate(reader, sub, scored, budget, within))
        if not got:
            return _NO_DOCS, None, np.zeros(0, np.int32)
        docs, where = _union_index([d for d, _ in got], self.n)
        counts = np.zeros(len(docs), dtype=np.int32)
        score = np.zeros(len(docs), dtype=np.float32) if scored else None
        for (_d, s), at in zip(got, where):
            counts[at] += 1
            if score is not None and s is not None:
                score[at] += s
        return docs, score, counts

    def _or(self, reader: Any, q: wq.Or, scored: bool, budget: Budget, within: np.ndarray | None) -> Result:
        """Union with the parts' scores added up."""
        # one word's fields (an OR of plain terms) are read together; the
        # budget is checked between words, expansions, clauses
        check = not all(isinstance(c, (wq.Term, wq.Phrase)) for c in q.subqueries)
        parts: list[Result] = []
        for sub in q.subqueries:
            if check and parts and budget.out():
                break
            parts.append(self.evaluate(reader, sub, scored, budget, within))
        if not parts:
            return _NO_DOCS, None
        docs, where = _union_index([d for d, _ in parts], self.n)
        if not any(s is not None for _, s in parts):
            return docs, None
        score = np.zeros(len(docs), dtype=np.float32)
        for (_d, s), at in zip(parts, where):
            if s is not None:
                score[at] += s
        if q.boost != 1.0:
            score *= q.boost
        return docs, score

    def _date_range(self, q: wq.DateRange, within: np.ndarray | None = None) -> np.ndarray:
        """Documents dated in the range: the candidates' dates tested, or a
        binary search in the documents sorted by date (built once)."""
        lo = max(1, q.startdate.toordinal()) if q.startdate is not None else 1
        hi = q.enddate.toordinal() if q.enddate is not None else np.iinfo(np.int32).max
        ords = self.data.dates.ordinal
        if within is not None:
            o = ords[within]
            return within[(o >= lo) & (o <= hi)]
        if self._date_order is None:
            order = np.argsort(ords, kind="stable")
            self._date_order = (order.astype(np.int64), ords[order])
        order, sorted_ords = self._date_order
        # bounds in the array's own dtype: a Python int would make numpy copy it to int64 first
        t = sorted_ords.dtype.type
        a = np.searchsorted(sorted_ords, t(min(lo, np.iinfo(t).max)), "left")
        b = np.searchsorted(sorted_ords, t(min(hi, np.iinfo(t).max)), "right")
        d = np.sort(order[a:b])
        return d[self.data.live[d]]

    # -- proximity re-scoring of the top documents
    def proximity(self, reader: Any, terms: list[str], docs: np.ndarray, slop: int) -> np.ndarray:
        """Bonus per doc in ``docs``: for each adjacent pair of query terms,
        ``idf`` weight when they stand within ``slop`` words in the body (in order)."""
        bonus = np.zeros(len(docs), dtype=np.float32)
        if len(terms) < 2 or not len(docs):
            return bonus
        sdocs = distinct(docs)
        keys = []
        for t in terms:
            d, p = self.positions_in(reader, "body", t, sdocs)
            keys.append(np.sort(d * _SHIFT + p, kind="stable"))
        for (a, t1), (b, t2) in zip(zip(keys, terms), list(zip(keys, terms))[1:]):
            w = 0.5 * (self.idf(self.df(reader, "body", t1)) + self.idf(self.df(reader, "body", t2)))
            near = distinct(_chain(a, b, slop) // _SHIFT, presorted=True)
            if len(near):
                bonus[np.isin(docs, near)] += w
        return bonus


def _matcher_positions_of(leaf: Any, field: str, text: str, local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``text`` in the given leaf documents, stepping a Whoosh matcher (skip_to)."""
    out_d: list[int] = []
    out_p: list[int] = []
    m = _raw_matcher(leaf, field, text)
    if m is None:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    for d in local.tolist():
        if not m.is_active():
            break
        m.skip_to(d)
        if m.is_active() and m.id() == d:
            ps = m.value_as("positions")
            out_d.extend([d] * len(ps))
            out_p.extend(ps)
    return np.asarray(out_d, dtype=np.int64), np.asarray(out_p, dtype=np.int64)


def engine_for(data: ReaderData) -> Engine:
    """The engine of a reader generation (cached alongside its ReaderData)."""
    eng = getattr(data, "_engine", None)
    if eng is None:
        with data.lock:
            eng = getattr(data, "_engine", None)
            if eng is None:
                eng = Engine(data)
                data._engine = eng  # type: ignore[attr-defined]
    return eng
