"""Per-document facet and grouping arrays of a generation, written at build, mapped at open.

A search counts facets by ``bincount`` over per-document arrays and collapses
copies by a per-document group id (``search.facets.ReaderData``). Those arrays
follow from the index alone: the facet fields' postings as (document, value)
pairs, each document's date, the exact-copy groups of its content hash and the
story clusters of ``near.npy``. Computing them at open cost 2.1 s of a 3.5 s
first answer at 3.1M documents, so :func:`write` computes them once, when a
build or update commits its generation, into ``arrays/`` there (one ``.npy`` per
array, and ``arrays.json`` naming the segments they describe and the facet
values), and :func:`load` maps them (``np.load(mmap_mode="r")``, shared by
every process serving the index) when the reader is that generation's.
Otherwise (an index of an older version, a reader of other segments)
:func:`compute` gives the same arrays.

>>> import tempfile, whoosh.index as wi
>>> from marsad.index.schema import build_schema
>>> ix = wi.create_in(tempfile.mkdtemp(), build_schema())
>>> compute(ix.reader()).n
0
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.reading import TermNotFound

from marsad.index import neardup
from marsad.index.codec import hash_column, numeric_column, segment_arrays
from marsad.index.facets import FACETS

__all__ = ["ReaderArrays", "ARRAYS_DIR", "compute", "write", "load"]

ARRAYS_DIR = "arrays"
_MANIFEST = "arrays.json"
# Bump when compute() changes what it gives: arrays written before are then computed again.
_VERSION = 1
_EPOCH_ORDINAL = Date(1970, 1, 1).toordinal()
_USECS_PER_DAY = 86_400_000_000
_MAX_USECS = Date(9999, 12, 31).toordinal() * _USECS_PER_DAY


@dataclass
class ReaderArrays:
    """What ``search.facets.ReaderData`` is made of (read-only when mapped)."""

    n: int
    live: np.ndarray  # bool per document: not deleted
    # term facet field -> (sorted distinct values, pair docnums int32, pair value ids int32): one
    # pair per live (document, value) posting
    terms: dict[str, tuple[list[str], np.ndarray, np.ndarray]] = field(default_factory=dict)
    ordinal: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # date.toordinal(), 0 unknown
    year: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # 0 unknown
    month: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))  # 0 unknown (or only the year)
    day_known: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    group: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # first copy, same content hash
    story: np.ndarray | None = None  # first copy of the story (copies and rewritten copies); None: no clusters


def _term_fields() -> list[str]:
    """The index fields of the term facets (the registry's)."""
    return [f.field for f in FACETS if f.kind == "term"]


def _ids(matcher: Any) -> np.ndarray:
    return np.fromiter(matcher.all_ids(), dtype=np.int32)


def _leaf_live(leaf: Any) -> np.ndarray | None:
    """Bool per leaf docnum (None when the leaf has no deletions)."""
    if not leaf.has_deletions():
        return None
    live = np.ones(leaf.doc_count_all(), dtype=bool)
    live[np.fromiter(leaf.deleted_docs_set, dtype=np.int64)] = False
    return live


def _leaf_terms(leaf: Any, fieldname: str) -> Iterator[tuple[bytes, np.ndarray]]:
    """(term, live leaf docnums) of every term of a field of one leaf."""
    sa = segment_arrays(leaf)
    if sa is None:  # any other Whoosh segment: through its matchers
        for term in leaf.lexicon(fieldname):
            yield term, _ids(leaf.postings(fieldname, term))
        return
    live = _leaf_live(leaf)
    for term, docs in sa.field_postings(fieldname):
        yield term, (docs if live is None else docs[live[docs]])


def _term_pairs(reader: Any, fieldname: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    values: list[str] = []
    docs: list[np.ndarray] = []
    for leaf, offset in reader.leaf_readers():
        if fieldname not in leaf.schema:
            continue
        for term, ids in _leaf_terms(leaf, fieldname):
            if len(ids):
                values.append(term.decode("utf-8") if isinstance(term, bytes) else term)
                docs.append(ids + offset)
    # one id per distinct value across leaves
    uniq = sorted(set(values))
    vid = {v: i for i, v in enumerate(uniq)}
    pair_docs = np.concatenate(docs).astype(np.int32) if docs else np.zeros(0, np.int32)
    pair_vals = np.repeat(np.array([vid[v] for v in values], dtype=np.int32),
                          [len(d) for d in docs]) if docs else np.zeros(0, np.int32)
    return uniq, pair_docs, pair_vals


def _dates(reader: Any, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    ordinal = np.zeros(n, dtype=np.int32)
    month_known = np.ones(n, dtype=bool)
    day_known = np.ones(n, dtype=bool)
    for leaf, offset in reader.leaf_readers():
        m = leaf.doc_count_all()
        col = numeric_column(leaf, "date")  # the whole column as one array (no per-document reads)
        if col is not None:
            # a missing date reads as the column default (a huge sentinel)
            raw = col.astype(np.int64) if col.dtype != np.uint64 else \
                np.where(col < np.uint64(_MAX_USECS), col, 0).astype(np.int64)
            raw[(raw <= 0) | (raw >= _MAX_USECS)] = 0
            # Missing dates: Whoosh writes the column default; real dates here
            # are after year 1000, so anything before counts as unknown.
            days = raw // _USECS_PER_DAY + 1
            days[days < Date(1000, 1, 1).toordinal()] = 0
            ordinal[offset:offset + m] = days
        if "date_precision" in leaf.schema:
            for precision, masks in (("year", (month_known, day_known)), ("month", (day_known,))):
                for term in (precision.encode(), precision):
                    try:
                        ids = _ids(leaf.postings("date_precision", term))
                    except (TermNotFound, KeyError):  # term absent in this leaf
                        continue
                    for mask in masks:
                        mask[ids + offset] = False
                    break
    year = np.zeros(n, dtype=np.int32)
    month = np.zeros(n, dtype=np.int8)
    known = ordinal > 0
    if known.any():
        d64 = (ordinal[known].astype(np.int64) - _EPOCH_ORDINAL).astype("datetime64[D]")
        year[known] = d64.astype("datetime64[Y]").astype(np.int64) + 1970
        month[known] = d64.astype("datetime64[M]").astype(np.int64) % 12 + 1
    month[~month_known] = 0
    return ordinal, year, month, day_known & known


def _groups(reader: Any, n: int) -> np.ndarray:
    """docnum -> docnum of the first copy with the same content hash."""
    group = np.arange(n, dtype=np.int32)
    if "content_hash" not in reader.schema:
        return group
    hashes = [(hash_column(leaf), leaf, offset) for leaf, offset in reader.leaf_readers()]
    if hashes and all(h is not None for h, _, _ in hashes):
        # every segment has the per-document hash column (Marsad's writer): one sort
        allh = np.concatenate([h for h, _, _ in hashes])
        live = np.ones(n, dtype=bool)
        for _, leaf, offset in hashes:
            lv = _leaf_live(leaf)
            if lv is not None:
                live[offset:offset + len(lv)] = lv
        return neardup.copy_groups(allh, live)
    # Frequencies summed leaf by leaf (a multi-reader's merged iter_field costs
    # ~1 s at 31k documents, the leaves' own ~0.1 s); a repeated hash is read
    # from the leaves holding it only (a multi-reader's postings() tries all).
    where: dict[Any, list[tuple[Any, int]]] = {}
    df: dict[Any, int] = {}
    for leaf, offset in reader.leaf_readers():
        if "content_hash" not in leaf.schema:
            continue
        sa = segment_arrays(leaf)
        if sa is not None:  # the dictionary's df array, no per-term decoding
            terms, dfs = sa.doc_frequencies("content_hash")
            items: Any = zip(terms, dfs.tolist())
        else:
            items = ((text, ti.doc_frequency()) for text, ti in leaf.iter_field("content_hash"))
        for text, f in items:
            df[text] = df.get(text, 0) + f
            where.setdefault(text, []).append((leaf, offset))
    for text, count in df.items():
        if count > 1:  # (leaf postings leave deleted documents out)
            ids = np.concatenate([_ids(leaf.postings("content_hash", text)) + offset
                                  for leaf, offset in where[text]])
            if len(ids) > 1:
                group[ids] = ids.min()
    return group


def compute(reader: Any, folder: str | os.PathLike[str] | None = None) -> ReaderArrays:
    """The arrays of ``reader`` from its segments (``folder``: its generation's
    directory, where ``near.npy`` holds the story clusters; None: no clusters)."""
    n = reader.doc_count_all()
    live = np.ones(n, dtype=bool)
    if reader.has_deletions():
        live[:] = False
        live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
    terms = {f: _term_pairs(reader, f) for f in _term_fields()}
    ordinal, year, month, day_known = _dates(reader, n)
    group = _groups(reader, n)
    near = neardup.load_clusters(Path(folder), n) if folder is not None else None
    story = None if near is None else neardup.merged(group, near).astype(np.int32)
    return ReaderArrays(n, live, terms, ordinal, year, month, day_known, group, story)


def _leaf_key(reader: Any) -> list[list[Any]]:
    """The segments a reader reads, in order: [segment id, documents, live documents]
    (an update's generation has new segments or new deletions, so a new key)."""
    out = []
    for leaf, _ in reader.leaf_readers():
        seg = leaf.segment() if hasattr(leaf, "segment") else None
        out.append([seg.segment_id() if seg is not None else "", leaf.doc_count_all(), leaf.doc_count()])
    return out


def _arrays(a: ReaderArrays) -> dict[str, np.ndarray]:
    out = {"live": a.live, "ordinal": a.ordinal, "year": a.year, "month": a.month, "day_known": a.day_known,
           "group": a.group}
    if a.story is not None:
        out["story"] = a.story
    for i, (_f, (_v, docs, vals)) in enumerate(sorted(a.terms.items())):
        out[f"t{i}_docs"], out[f"t{i}_vals"] = docs, vals
    return out


def write(gen_dir: str | os.PathLike[str]) -> ReaderArrays:
    """Compute the arrays of the generation in ``gen_dir`` and write them to its ``arrays/``.

    Written to a new directory, then renamed into place, so a killed run never
    leaves a partial set under ``arrays/`` (an update's generation does not link
    the live one's: it writes its own).
    """
    from whoosh import index as windex

    gen_dir = Path(gen_dir)
    with windex.open_dir(str(gen_dir)).reader() as r:
        a = compute(r, gen_dir)
        key = _leaf_key(r)
    tmp = gen_dir / (ARRAYS_DIR + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    for name, arr in _arrays(a).items():
        np.save(tmp / f"{name}.npy", np.ascontiguousarray(arr))
    manifest = {"version": _VERSION, "n": a.n, "segments": key,
                "terms": [[f, values] for f, (values, _d, _v) in sorted(a.terms.items())]}
    (tmp / _MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    final = gen_dir / ARRAYS_DIR
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    return a


def load(folder: str | os.PathLike[str] | None, reader: Any) -> ReaderArrays | None:
    """The arrays :func:`write` left in ``folder`` when they describe ``reader``'s
    segments (mapped read-only), else None."""
    if folder is None:
        return None
    d = Path(folder) / ARRAYS_DIR
    try:
        manifest = json.loads((d / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (manifest.get("version") != _VERSION or manifest.get("n") != reader.doc_count_all()
            or manifest.get("segments") != _leaf_key(reader)
            or [f for f, _v in manifest.get("terms", [])] != sorted(_term_fields())):
        return None
    try:
        def get(name: str, length: int | None = manifest["n"]) -> np.ndarray:
            arr = np.load(d / f"{name}.npy", mmap_mode="r")
            if length is not None and len(arr) != length:
                raise ValueError(f"{name}: wrong length")
            return arr

        terms = {}
        for i, (f, values) in enumerate(manifest["terms"]):
            docs, vals = get(f"t{i}_docs", None), get(f"t{i}_vals", None)
            if len(docs) != len(vals):
                return None
            terms[f] = (list(values), docs, vals)
        story = get("story") if (d / "story.npy").exists() else None
        return ReaderArrays(manifest["n"], get("live"), terms, get("ordinal"), get("year"), get("month"),
                            get("day_known"), get("group"), story)
    except (OSError, ValueError, KeyError):
        return None
