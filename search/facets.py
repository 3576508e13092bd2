"""Facets: one interface, one bucket builder, numpy counting.

Every facet answers the same four questions (:class:`Facet`): its ``name``
and ``label``; how to ``count`` its values over a set of matched documents;
how to tell which of a set of documents have selected values (``restrict``);
and how to turn counts into buckets (the shared :func:`build_buckets`).

Counting never runs a search per facet. Per index reader there are, once,
numpy arrays from the facet fields' posting lists (:class:`ReaderData`,
cached by :func:`reader_data`; the build writes them beside the segments and
they are mapped at open, :mod:`index.readerarrays`): for term facets one
``(doc, value id)`` pair per posting, for dates an ordinal/year/month per document. From the pairs,
each term facet derives (once, :meth:`TermData.by_doc`) a per-document view:
one value id per document for a single-valued field (outlet), CSR offsets and
values for a multi-valued one (provinces, actors). A search yields one sorted
array of matching documents; each facet is counted with ``np.bincount`` over
the values of the matching documents with every *other* facet's selection
applied (Solr's tag/exclude), so the cost follows the matches, not the
collection. Deleted documents never match, so they never count.
"""
from __future__ import annotations

import difflib
import threading
from collections import OrderedDict
from collections.abc import Set
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from marsad.analyzers import stem
from marsad.index import readerarrays

# words split and normalized as the extractors read their data (a diacritized
# name stays one word: إدْلب -> ادلب)
from marsad.index.extract import facet_aliases, norm_words
from marsad.index.facets import FACETS as FACET_SPECS
from marsad.index.facets import facet as facet_spec
from marsad.search.request import FACET_LABELS
from marsad.search.results import FacetBucket, FacetResult, notice

__all__ = [
    "Facet", "TermFacet", "DateFacet", "FACETS", "ReaderData", "reader_data", "build_buckets",
    "resolve_values", "unknown_value", "UNKNOWN_LABEL",
]

UNKNOWN_LABEL = "غير معروف"


# ---------------------------------------------------------------- reader data


@dataclass
class TermData:
    """Posting lists of one ID/KEYWORD field as flat arrays."""

    values: list[str]  # value id -> canonical value
    pair_docs: np.ndarray  # int32, one entry per (doc, value) posting
    pair_vals: np.ndarray  # int32, value id of that posting
    has_value: np.ndarray  # bool per doc
    df: np.ndarray  # live documents per value
    keys: dict[str, list[str]] = field(default_factory=dict)  # normalized lookup key -> values
    _by_doc: Any = field(default=None, repr=False, compare=False)

    def by_doc(self, n: int) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
        """``(single, offsets, values)`` per document, derived once from the pairs.

        ``single``: the value id of each document (``-1``: none) when no
        document has two values, else ``None``; ``offsets`` (``n + 1``) and
        ``values``: document ``d``'s value ids are ``values[offsets[d]:offsets[d + 1]]``.
        """
        got = self._by_doc
        if got is None:
            docs = np.asarray(self.pair_docs, dtype=np.int64)
            order = np.argsort(docs, kind="stable")
            values = np.asarray(self.pair_vals, dtype=np.int32)[order]
            per = np.bincount(docs, minlength=n)[:n]
            offsets = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(per, out=offsets[1:])
            single = None
            if not len(per) or per.max() <= 1:
                single = np.full(n, -1, dtype=np.int32)
                single[docs[order]] = values
            got = self._by_doc = (single, offsets, values)
        return got


@dataclass
class DateData:
    ordinal: np.ndarray  # int32 per doc: date.toordinal(), 0 = unknown
    year: np.ndarray  # int32, 0 = unknown
    month: np.ndarray  # int8, 0 = unknown (or only the year is known)
    day_known: np.ndarray  # bool: the day is known (not only its month or year)


@dataclass
class ReaderData:
    """Everything facets, sorting and collapsing need, for one reader."""

    n: int  # doc_count_all (docnums 0..n-1)
    live: np.ndarray  # bool: not deleted
    terms: dict[str, TermData]  # facet name -> data (outlet, province, actor)
    dates: DateData
    group: np.ndarray  # int32: docnum of the first copy with the same content hash
    lock: threading.Lock = field(default_factory=threading.Lock)
    # int32: docnum of the first copy of the same story, rewritten copies included (index.neardup);
    # the same array as group when the index has no clusters
    story: np.ndarray | None = None
    # int32: the content-hash groups when ``group`` holds stories (the view of ``by_story``)
    exact: np.ndarray | None = None

    @property
    def all_live(self) -> bool:
        """No document deleted (checked once): a search then skips testing its matches."""
        got = self.__dict__.get("_all_live")
        if got is None:
            got = self.__dict__["_all_live"] = bool(self.live.all())
        return got

    def by_story(self) -> ReaderData:
        """This data with ``group`` = the story clusters (built once): what a search that
        collapses rewritten copies too counts and lists."""
        view = getattr(self, "_story_view", None)
        if view is None:
            view = self if self.story is None else ReaderData(self.n, self.live, self.terms, self.dates, self.story,
                                                                exact=self.group)
            self._story_view = view
        return view


def _index_storage(storage: Any) -> Any:
    """The index's own storage under a compound segment's overlay.

    A compound segment is read through ``OverlayStorage(compound file, index
    storage)``, a new object for every reader: keying on it would rebuild
    the arrays for every searcher.
    """
    while getattr(storage, "folder", None) is None and hasattr(storage, "b"):
        storage = storage.b
    return storage


def _leaf_key(leaf: Any, keep: list[Any]) -> tuple:
    """What identifies one segment's documents and deletions.

    The index folder (each ``marsad index build/update`` writes a new
    generation folder) + the segment id (random per segment Whoosh writes) +
    its size and live count: within one folder a segment's deletions only
    ever grow (an in-place delete in a plain Whoosh index keeps folder and
    segment id), so the live count tells its deletion states apart. A storage without a folder
    (in memory) is keyed by identity and kept alive with the cache entry, so
    its id cannot be reused by another object.
    """
    storage = _index_storage(getattr(leaf, "_storage", None))
    where = getattr(storage, "folder", None)
    if where is None:
        where = ("mem", id(storage))
        keep.append(storage)
    seg = leaf.segment() if hasattr(leaf, "segment") else None
    if seg is not None and hasattr(seg, "segment_id"):
        segid: Any = seg.segment_id()
    else:
        segid = ("leaf", id(leaf))
        keep.append(leaf)
    return (str(where), segid, leaf.doc_count_all(), leaf.doc_count())


def _reader_key(reader: Any, keep: list[Any] | None = None) -> tuple:
    keep = [] if keep is None else keep
    return tuple(_leaf_key(leaf, keep) for leaf, _ in reader.leaf_readers())


_CACHE: OrderedDict[tuple, tuple[ReaderData, list[Any]]] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_BUILD_LOCKS: dict[tuple, threading.Lock] = {}
_CACHE_SIZE = 4  # readers kept: the current one and a few being swapped out


def reader_data(reader: Any) -> ReaderData:
    """The cached arrays of ``reader`` (built on first use, then reused by
    every searcher of the same index generation: the key is the segments'
    folder, ids and deletions, not the reader object). Two threads asking
    for the same new generation build it once."""
    keep: list[Any] = []
    key = _reader_key(reader, keep)
    with _CACHE_LOCK:
        got = _CACHE.get(key)
        if got is not None:
            _CACHE.move_to_end(key)
            return got[0]
        build_lock = _BUILD_LOCKS.setdefault(key, threading.Lock())
    with build_lock:
        with _CACHE_LOCK:
            got = _CACHE.get(key)
        if got is not None:
            return got[0]
        try:
            data = _build_reader_data(reader)
            with _CACHE_LOCK:
                _CACHE[key] = (data, keep)
                while len(_CACHE) > _CACHE_SIZE:
                    _CACHE.popitem(last=False)
        finally:
            with _CACHE_LOCK:
                _BUILD_LOCKS.pop(key, None)
    return data


def _folder(reader: Any) -> str | None:
    """The generation directory ``reader``'s segments live in (None: several, or in memory)."""
    folders = {getattr(_index_storage(getattr(leaf, "_storage", None)), "folder", None)
               for leaf, _ in reader.leaf_readers()}
    return folders.pop() if len(folders) == 1 else None


def _term_data(pairs: tuple[list[str], np.ndarray, np.ndarray], n: int) -> TermData:
    uniq, pair_docs, pair_vals = pairs
    has_value = np.zeros(n, dtype=bool)
    has_value[pair_docs] = True
    df = np.bincount(pair_vals, minlength=len(uniq)).astype(np.int64)
    keys: dict[str, list[str]] = {}
    for v in uniq:
        for k in _value_keys(v):
            keys.setdefault(k, []).append(v)
    return TermData(uniq, pair_docs, pair_vals, has_value, df, keys)


def _build_reader_data(reader: Any) -> ReaderData:
    # the arrays the build wrote beside the segments, mapped; computed from the
    # segments when there are none for this reader (an older index, other segments)
    folder = _folder(reader)
    a = readerarrays.load(folder, reader) or readerarrays.compute(reader, folder)
    terms = {f.name: _term_data(a.terms[f.field], a.n) for f in FACETS.values() if isinstance(f, TermFacet)}
    return ReaderData(a.n, a.live, terms, DateData(a.ordinal, a.year, a.month, a.day_known), a.group,
                      story=a.story)


# ---------------------------------------------------------------- value lookup


def _value_keys(value: str) -> set[str]:
    """Lookup keys of a canonical value: normalized, without ال, stemmed."""
    words = norm_words(value)
    if not words:
        return {value}
    keys = {" ".join(words), "".join(words)}
    bare = [w[2:] if w.startswith("ال") and len(w) > 4 else w for w in words]
    keys.add(" ".join(bare))
    keys.add(" ".join(stem(w) for w in words))
    return keys


@lru_cache(maxsize=1)
def _alias_groups() -> dict[str, list[list[str]]]:
    """facet -> groups of equivalent names (normalized), one group per value.

    From the extractors' own tables (``index.extract.facet_aliases``:
    ``index/data/actors.tsv``, ``outlets.tsv``, ``gazetteer.tsv``), so a name
    the extractor knows is a name the search understands. A name shared by
    several values of a facet (a village in two governorates) is left out.
    """
    groups: dict[str, list[list[str]]] = {}
    for facet, values in facet_aliases().items():
        normed = [list(dict.fromkeys(" ".join(norm_words(n)) for n in names)) for names in values.values()]
        seen: dict[str, int] = {}
        for g in normed:
            for name in g:
                seen[name] = seen.get(name, 0) + 1
        groups[facet] = [[n for n in g if n and seen[n] == 1] for g in normed]
    return groups


def resolve_values(data: ReaderData, facet: str, text: str, loose: bool = True) -> list[str]:
    """Canonical values of ``facet`` that a user-typed ``text`` means.

    Tries, in order: the normalized form (``ادلب`` -> ``إدلب``), the form
    without the article and the stem, the alias groups of the extractors'
    tables (``داعش`` -> whichever name the index uses), then, when
    ``loose``, a unique value starting with the text and a close spelling.
    ``[]`` if none.
    """
    if facet not in data.terms:
        return []
    td = data.terms[facet]
    text = text.strip()
    if text in td.keys or text in td.values:
        return [text] if text in td.values else td.keys[text]
    for k in _value_keys(text):
        if k in td.keys:
            return list(dict.fromkeys(td.keys[k]))
    norm = " ".join(norm_words(text))
    for group in _alias_groups().get(facet, []):
        if norm in group or any(k in group for k in _value_keys(text)):
            found = [v for name in group for v in td.keys.get(name, [])]
            if found:
                return list(dict.fromkeys(found))
    if loose and len(norm) >= 3:
        starts = sorted({v for k, vs in td.keys.items() if k.startswith(norm) for v in vs})
        if len(starts) == 1:
            return starts
        close = difflib.get_close_matches(norm, list(td.keys), n=1, cutoff=0.84)
        if close:
            return list(dict.fromkeys(td.keys[close[0]]))
    return []


def alias_matches(data: ReaderData, facet: str, text: str) -> set[str]:
    """Values of ``facet`` in the index that ``text`` names or that one of
    their known names contains (the extractors' alias tables: ``ISIS``,
    ``داعش``, ``Aleppo``): what a facet's search box should offer."""
    if facet not in data.terms:
        return set()
    norm = " ".join(norm_words(text))
    if not norm:
        return set()
    td = data.terms[facet]
    out = set(resolve_values(data, facet, text))
    if len(norm) >= 2:
        for group in _alias_groups().get(facet, []):
            if any(norm in name for name in group):
                out.update(v for name in group for v in td.keys.get(name, []))
    return out


def unknown_value(facet: str, value: str) -> tuple[str, str]:
    """The notice for a facet value the index does not hold (typed or selected)."""
    return notice("unknown_value", value=value, label=FACET_LABELS.get(facet, facet))


# ---------------------------------------------------------------- the facets


class Facet:
    """The one interface every facet implements.

    ``docs`` are sorted docnums (the matching documents); under collapsing
    the service passes each document's group leader instead, so that a group
    of copies is counted once, with its leader's values.
    """

    name: str
    label: str
    field: str
    order: str = "count"  # bucket order: "count" (most first) or "value"

    def restrict(self, data: ReaderData, docs: np.ndarray, selected: tuple[str, ...]) -> np.ndarray:
        """Bool per document of ``docs``: has any of ``selected`` (``""``: no value)."""
        raise NotImplementedError

    def count(self, data: ReaderData, docs: np.ndarray, selected: tuple[str, ...]
              ) -> tuple[list[str], np.ndarray, int]:
        """``(values, counts, unknown)`` over the documents ``docs``."""
        raise NotImplementedError

    def result(self, data: ReaderData, docs: np.ndarray, selected: tuple[str, ...], limit: int | None
               ) -> FacetResult:
        values, counts, unknown = self.count(data, docs, selected)
        return build_buckets(self, values, counts, unknown, selected, limit)


def _ranges(offsets: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index into the CSR values, owner position in ``docs``) of every value of ``docs``."""
    starts, ends = offsets[docs], offsets[docs + 1]
    lens = ends - starts
    total = int(lens.sum())
    owner = np.repeat(np.arange(len(docs)), lens)
    if not total:
        return owner, owner
    first = np.concatenate(([0], np.cumsum(lens)[:-1]))
    idx = np.arange(total) - np.repeat(first - starts, lens)
    return idx, owner


class TermFacet(Facet):
    """A facet over an ID/KEYWORD field (one or several values per document)."""

    def __init__(self, name: str, label: str, fieldname: str) -> None:
        self.name, self.label, self.field = name, label, fieldname

    def restrict(self, data: ReaderData, docs: np.ndarray, selected: tuple[str, ...]) -> np.ndarray:
        td = data.terms[self.name]
        single, offsets, values = td.by_doc(data.n)
        want = set(selected)
        wanted = np.zeros(len(td.values) + 1, dtype=bool)  # the last slot: no value (id -1)
        for i, v in enumerate(td.values):
            if v in want:
                wanted[i] = True
        wanted[-1] = "" in want
        if single is not None:
            return wanted[single[docs]]
        idx, owner = _ranges(offsets, docs)
        keep = np.zeros(len(docs), dtype=bool)
        keep[owner[wanted[values[idx]]]] = True
        if wanted[-1]:
            keep |= offsets[docs + 1] == offsets[docs]
        return keep

    def count(self, data: ReaderData, docs: np.ndarray, selected: tuple[str, ...]
              ) -> tuple[list[str], np.ndarray, int]:
        td = data.terms[self.name]
        single, offsets, values = td.by_doc(data.n)
        nv = len(td.values)
        if single is not None:
            c = np.bincount(single[docs] + 1, minlength=nv + 1)
            return td.values, c[1:], int(c[0])
        idx, _ = _ranges(offsets, docs)
        counts = np.bincount(values[idx], minlength=nv)
        unknown = int(np.count_nonzero(offsets[docs + 1] == offsets[docs]))
        return td.values, counts, unknown


class DateFacet(Facet):
    """Years; the months of every selected year are added below it."""

    order = "value"

    def __init__(self) -> None:
        spec = facet_spec("date")
        self.name, self.label, self.field = spec.name, spec.label, spec.field

    def restrict(self, data: ReaderData, docs: np.ndarray, selected: tuple[str, ...]) -> np.ndarray:
        dd = data.dates
        ys, ms = dd.year[docs], dd.month[docs]
        keep = np.zeros(len(docs), dtype=bool)
        for v in selected:
            if v == "":
                keep |= ys == 0
            elif len(v) == 4:
                keep |= ys == int(v)
            else:
                y, m = v.split("-")
                keep |= (ys == int(y)) & (ms == int(m))
        return keep

    def count(self, data: ReaderData, docs: np.ndarray, selected: tuple[str, ...]
              ) -> tuple[list[str], np.ndarray, int]:
        dd = data.dates
        ys = dd.year[docs]
        unknown = int(np.count_nonzero(ys == 0))
        years, ycounts = np.unique(ys[ys > 0], return_counts=True)
        values = [f"{y:04d}" for y in years]
        counts = list(ycounts)
        drill = self._drill(data, selected)
        if drill:
            ms = dd.month[docs]
        for y, months in drill:
            mcounts = np.bincount(ms[ys == y], minlength=13)
            for mo in months:
                values.append(f"{y:04d}-{mo:02d}")
                counts.append(int(mcounts[mo]))
        return values, np.asarray(counts, dtype=np.int64), unknown

    @staticmethod
    def _month_span(data: ReaderData) -> dict[int, tuple[int, int]]:
        """year -> (first, last) month the index holds for it (computed once per reader)."""
        got = getattr(data, "_month_span", None)
        if got is None:
            dd = data.dates
            ok = data.live & (dd.year > 0) & (dd.month > 0)
            ys, ms = dd.year[ok], dd.month[ok].astype(np.int32)
            got = {}
            for y in np.unique(ys).tolist():
                sel = ms[ys == y]
                got[int(y)] = (int(sel.min()), int(sel.max()))
            data._month_span = got  # type: ignore[attr-defined]
        return got

    @classmethod
    def _drill(cls, data: ReaderData, selected: tuple[str, ...]) -> list[tuple[int, range]]:
        """Each selected year with the months the index holds for it: every
        month from its first to its last dated document (zeros between them
        stay, months outside the data are not invented)."""
        years = sorted({int(v[:4]) for v in selected if v})
        if not years:
            return []
        span = cls._month_span(data)
        return [(y, range(span[y][0], span[y][1] + 1)) for y in years if y in span]

    def result(self, data: ReaderData, docs: np.ndarray, selected: tuple[str, ...], limit: int | None
               ) -> FacetResult:
        """Years (the ``limit`` with most documents, shown in order); the
        months of a selected year are never cut, zeros included."""
        values, counts, unknown = self.count(data, docs, selected)
        months = {v for v in values if len(v) == 7}
        return build_buckets(self, values, counts, unknown, selected, limit, always=months)


# one counting class per registry entry (index/facets.py), in its order
FACETS: dict[str, Facet] = {
    spec.name: TermFacet(spec.name, spec.label, spec.field) if spec.kind == "term" else DateFacet()
    for spec in FACET_SPECS
}


def build_buckets(facet: Facet, values: list[str], counts: Any, unknown: int,
                  selected: tuple[str, ...], limit: int | None, always: Set[str] = frozenset()) -> FacetResult:
    """The shared bucket builder.

    At most ``limit`` buckets (``None``: all): the selected values first (always
    shown, at count 0 too, even past the limit), then the non-zero values and
    the unknown bucket (value ``""``) by count, most first, until ``limit``
    buckets; shown by value for dates, the unknown bucket last. Values in
    ``always`` are shown whatever their count and are not subject to the
    limit. ``other`` = how many non-zero buckets were left out.
    """
    counts = np.asarray(counts)
    sel = set(selected)
    index = {v: i for i, v in enumerate(values)}
    # (count, value) pairs; "" is the unknown bucket, which takes a place like any value
    picked = [(int(counts[index[v]]) if v in index else 0, v) for v in dict.fromkeys(selected)
              if v and v not in always]
    if "" in sel:
        picked.append((int(unknown), ""))
    rest = [(int(counts[i]), values[i]) for i in np.flatnonzero(counts).tolist()
            if values[i] not in sel and values[i] not in always]
    if unknown and "" not in sel:
        rest.append((int(unknown), ""))
    rest.sort(key=lambda cv: (-cv[0], cv[1] == "", cv[1]))
    room = len(rest) if limit is None else max(0, limit - len(picked))
    shown = picked + rest[:room]
    other = len(rest) - len(rest[:room])
    shown += [(int(counts[i]), v) for i, v in enumerate(values) if v in always]
    buckets = [FacetBucket(v, c, v in sel) for c, v in shown if v != ""]
    if facet.order == "value":
        buckets.sort(key=lambda b: b.value)
    else:
        buckets.sort(key=lambda b: (-b.count, b.value))
    if any(v == "" for _, v in shown):
        buckets.append(FacetBucket("", int(unknown), "" in sel, UNKNOWN_LABEL))
    return FacetResult(facet.name, facet.label, buckets, other=other, unknown=int(unknown))
