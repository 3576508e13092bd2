"""Near-duplicate stories: wire copies that outlets rewrote (issue 15).

Exact copies share a content hash (``records.content_hash``); a story that
several outlets edited does not. At build time each worker gives every
document a MinHash signature of its body (one-permutation hashing: the word
3-shingles of the exact level, each hashed once into one of :data:`BINS`
bins, the smallest value per bin), written beside its segment
(``<segment>.near``). When the generation is complete the main process bands
the signatures (LSH: :data:`BANDS` bands of :data:`ROWS` bins), keeps the
pairs of documents that share a band and agree on at least
:data:`THRESHOLD` of the bins both filled, and writes each document's cluster
(the smallest docnum of its connected pairs) to ``near.npy``. A search with
``stories=true`` collapses those clusters like exact copies (``search.facets``:
``ReaderData.story``); by default each version says its story has others.

All of it is numpy over the token arrays the writer already holds: a
per-document MinHash library call (datasketch hashes each shingle in Python)
would have cost the build a third of its time.

>>> sig = signatures(np.array([0, 1, 2, 3, 0, 1, 2, 3], np.int32), np.array([0, 0, 0, 0, 1, 1, 1, 1], np.int32),
...                  2, term_hashes([b"a", b"b", b"c", b"d"]))
>>> bool((sig[0] == sig[1]).all()), int((sig[0] != EMPTY).sum())
(True, 2)
"""
from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["BINS", "BANDS", "ROWS", "THRESHOLD", "MIN_FILLED", "EMPTY", "SUFFIX", "CLUSTERS_FILE", "term_hashes", "signatures",
           "clusters", "copy_groups", "write_clusters", "load_clusters", "merged"]

BINS = 32
BANDS, ROWS = 16, 2  # BANDS * ROWS == BINS: a pair sharing half its shingles meets in a band 99 times in 100
# share of the bins filled in both that two documents must agree on to be one story:
# at 0.4-0.6 template news (the king's congratulation cables, the n-th relief flight)
# chained into clusters of 40-150 different events at 31k; at 0.7 the largest is 17
THRESHOLD = 0.7
MIN_FILLED = 12  # bins both must fill: shorter texts (a few sentences) are left to the exact hash
SHINGLE = 3
EMPTY = np.uint32(0xFFFFFFFF)  # a bin no shingle fell into
SUFFIX = ".near"  # per segment: its documents' signatures (uint32, BINS per document)
CLUSTERS_FILE = "near.npy"  # per generation: docnum -> its cluster (the smallest docnum in it)

_M = np.uint64(0x9E3779B97F4A7C15)
_CHECK = 262_144  # candidate pairs verified at once (2 x 32 MB of signatures)


def term_hashes(terms: Sequence[bytes]) -> np.ndarray:
    """A stable 64-bit hash per term (two CRC-32s: the same in every process and build)."""
    lo = np.fromiter((zlib.crc32(t) for t in terms), dtype=np.uint64, count=len(terms))
    hi = np.fromiter((zlib.crc32(t, 0x5BD1E995) for t in terms), dtype=np.uint64, count=len(terms))
    return (hi << np.uint64(32)) | lo


def _mix(x: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (splitmix64's), so bins and values are independent bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def signatures(ids: np.ndarray, docs: np.ndarray, n_docs: int, hashes: np.ndarray) -> np.ndarray:
    """``(n_docs, BINS)`` uint32 signatures from a field's tokens in document
    order (term ids into ``hashes``, their docnums, ascending)."""
    sig = np.full(n_docs * BINS, EMPTY, dtype=np.uint32)
    if len(ids) >= SHINGLE:
        with np.errstate(over="ignore"):
            h = hashes[ids]
            s = h[:-2] * _M + ((h[1:-1] << np.uint64(21)) | (h[1:-1] >> np.uint64(43))) + (h[2:] ^ _M)
            s = _mix(s)
        inside = docs[2:] == docs[:-2]  # docnums ascend: the middle token is in the same document
        s, d = s[inside], docs[:-2][inside].astype(np.int64)
        slot = d * BINS + (s >> np.uint64(64 - 5)).astype(np.int64) % BINS
        val = np.minimum((s & np.uint64(0xFFFFFFFF)).astype(np.uint32), EMPTY - np.uint32(1))
        np.minimum.at(sig, slot, val)
    return sig.reshape(n_docs, BINS)


def copy_groups(hashes: np.ndarray, live: np.ndarray) -> np.ndarray:
    """Per document, the docnum of the first live document with the same content hash
    (its exact copies' group; itself without a hash, 0, or when deleted).

    >>> copy_groups(np.array([7, 5, 7, 0, 5], np.uint64), np.array([1, 1, 1, 1, 0], bool)).tolist()
    [0, 1, 0, 3, 4]
    """
    group = np.arange(len(hashes), dtype=np.int32)
    docs = np.flatnonzero(live & (hashes != 0))
    hs = hashes[docs]
    order = np.lexsort((docs, hs))
    docs, hs = docs[order], hs[order]
    # runs of one hash, each led by its lowest docnum (np.unique would sort again)
    starts = np.empty(len(hs), dtype=bool)
    starts[:1] = True
    np.not_equal(hs[1:], hs[:-1], out=starts[1:])
    group[docs] = docs[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    return group


def clusters(sig: np.ndarray, live: np.ndarray | None = None) -> np.ndarray:
    """Per document, the smallest docnum of its near-duplicate cluster (itself when alone).

    Leave exact copies out through ``live`` (their content hash groups them already).
    ``sig`` holds every document's signature; :func:`write_clusters` reads them
    from the segments' files instead, a band at a time."""
    return _clusters(lambda idx, cols: sig[idx, cols], len(sig), live)


def _clusters(rows: Callable[[np.ndarray, slice], np.ndarray], n: int, live: np.ndarray | None) -> np.ndarray:
    """:func:`clusters` over ``rows(docnums, columns)``, the signature columns of
    sorted ``docnums``. Memory follows the documents that can cluster, a band
    (2 bins) at a time, not every signature at once (128 bytes a document:
    at 3.1M replica documents, 0.4 GB of a 0.56 GB step); each band's candidate
    pairs are merged into one set of distinct pairs before the next band."""
    pairs = np.zeros(0, dtype=np.int64)
    cand = np.arange(n, dtype=np.int64) if live is None else np.flatnonzero(live)
    for b in range(BANDS):
        band = rows(cand, slice(b * ROWS, (b + 1) * ROWS))
        valid = (band != EMPTY).all(axis=1)
        idx, band = cand[valid], band[valid].astype(np.uint64)
        if len(idx) < 2:
            continue
        with np.errstate(over="ignore"):
            key = np.zeros(len(idx), dtype=np.uint64)
            for r in range(ROWS):
                key = _mix(key * _M + band[:, r])
        order = np.argsort(key, kind="stable")
        k, members = key[order], idx[order]
        same = np.flatnonzero(k[1:] == k[:-1])  # member i+1 shares the band with member i
        # one pair once (copies meet in every band): the smaller docnum first (a stable sort
        # keeps members of one key in docnum order)
        pairs = np.union1d(pairs, members[same].astype(np.int64) * n + members[same + 1])
        del band, valid, idx, key, order, k, members, same
    if not len(pairs):
        return np.arange(n, dtype=np.int64)
    # checked a slice at a time: the pairs must really be alike (a band can match by chance)
    u, v = pairs // n, pairs % n  # (u sorted: the pairs are)
    keep = np.zeros(len(u), dtype=bool)
    every = slice(0, BINS)
    for i in range(0, len(u), _CHECK):
        su = rows(u[i:i + _CHECK], every)
        vs = v[i:i + _CHECK]
        order = np.argsort(vs, kind="stable")
        sv = np.empty((len(vs), BINS), np.uint32)
        sv[order] = rows(vs[order], every)
        filled = (su != EMPTY) & (sv != EMPTY)
        both = filled.sum(axis=1)
        agree = ((su == sv) & filled).sum(axis=1) / np.maximum(both, 1)
        keep[i:i + _CHECK] = (agree >= THRESHOLD) & (both >= MIN_FILLED)
    return _components(u[keep], v[keep], n)


def _components(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """The smallest docnum of each document's connected component over pairs (u, v)."""
    label = np.arange(n, dtype=np.int64)
    while len(u):  # every pair takes the smaller label until none changes
        lu, lv = label[u], label[v]
        if (lu == lv).all():
            break
        low = np.minimum(lu, lv)
        np.minimum.at(label, u, low)
        np.minimum.at(label, v, low)
        label = label[label]
    return label


def merged(group: np.ndarray, near: np.ndarray) -> np.ndarray:
    """Both groupings at once (exact copies and rewritten ones): per document,
    the smallest docnum connected to it through either.

    >>> merged(np.array([0, 0, 2, 3]), np.array([0, 1, 1, 3])).tolist()
    [0, 0, 0, 3]
    """
    n = len(group)
    d = np.arange(n, dtype=np.int64)
    u = np.concatenate([d[group != d], d[near != d]])
    v = np.concatenate([group[group != d], near[near != d]]).astype(np.int64)
    return _components(u, v, n)


def load_clusters(folder: str | Path, n: int) -> np.ndarray | None:
    """A generation's ``near.npy`` when it covers ``n`` documents, else None."""
    f = Path(folder) / CLUSTERS_FILE
    if not f.exists():
        return None
    got = np.load(f, mmap_mode="r")
    return np.asarray(got, dtype=np.int64) if len(got) == n else None


def write_clusters(gen_dir: str | Path, leaves: Sequence[tuple[str, int]], live: np.ndarray) -> int:
    """Cluster the signatures of ``leaves`` (segment id, documents; in the reader's
    order) and write ``near.npy``; a segment without signatures (written by
    Whoosh's own writer) has none. Returns the number of clustered documents.
    The signatures are read from the segments' files as the bands need them."""
    gen_dir = Path(gen_dir)
    segments, start = [], 0
    for segid, count in leaves:
        path = gen_dir / (segid + SUFFIX)
        ok = path.exists() and path.stat().st_size == count * BINS * 4
        segments.append((path if ok else None, start, count))
        start += count

    def rows(idx: np.ndarray, cols: slice) -> np.ndarray:
        # one segment's file mapped at a time, only the rows asked for read (idx sorted)
        out = np.full((len(idx), cols.stop - cols.start), EMPTY, np.uint32)
        for path, first, count in segments:
            lo, hi = np.searchsorted(idx, [first, first + count])
            if lo < hi and path is not None:
                mm = np.memmap(path, dtype="<u4", mode="r", shape=(count, BINS))
                out[lo:hi] = mm[idx[lo:hi] - first, cols]
                del mm
        return out

    label = _clusters(rows, start, live)
    # a new file, then renamed: an update's generation starts as hard links to the live one's
    tmp = gen_dir / (CLUSTERS_FILE + ".tmp")
    with open(tmp, "wb") as out:
        np.save(out, label.astype(np.int32))
    os.replace(tmp, gen_dir / CLUSTERS_FILE)
    return int((label != np.arange(len(label))).sum())
