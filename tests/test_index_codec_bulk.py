"""The bulk posting encoder (issue 11: a build without a Python step per term)
writes exactly the bytes of the term-by-term encoder, whatever the dtypes the
terms need, and in slices as in one piece. End to end on real text:
tests/test_index_segwriter.py (segments equal Whoosh's add_document)."""
from __future__ import annotations

import io
import random

import numpy as np
import pytest

import marsad.index.codec as codec
from marsad.index.codec import _encode, encode_many


def _terms(rng: random.Random, positional: bool) -> list[tuple[list[int], list[float], list[int]]]:
    out = []
    for _ in range(rng.randint(1, 40)):
        nd = rng.choice([1, 2, 5, 15, 16, 17, 40, 300])
        docs = sorted(rng.sample(range(rng.choice([1000, 100_000, 5_000_000])), nd))
        if positional:
            w = [float(rng.randint(1, 4)) for _ in docs]
        else:
            kind = rng.choice(["ones", "small", "big", "float"])
            w = {"ones": lambda: 1.0, "small": lambda: float(rng.randint(1, 5)),
                 "big": lambda: float(rng.randint(1, 70_000)), "float": lambda: rng.random() * 3}[kind]
            w = [w() for _ in docs]
        pos: list[int] = []
        if positional:
            for c in w:
                pos += sorted(rng.sample(range(rng.choice([60, 1000, 100_000])), int(c)))
        out.append((docs, w, pos))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_bulk_encoding_equals_term_by_term(seed):
    rng = random.Random(seed)
    positional = seed % 2 == 0
    terms = _terms(rng, positional)
    docs = np.concatenate([np.asarray(d) for d, _, _ in terms])
    w = np.concatenate([np.asarray(x) for _, x, _ in terms])
    starts = np.concatenate(([0], np.cumsum([len(d) for d, _, _ in terms])))
    pos = np.asarray([p for _, _, ps in terms for p in ps], dtype=np.int64) if positional else None
    kinds, data, off = encode_many(docs, w, starts, pos)
    for i, (d, x, ps) in enumerate(terms):
        kind, one = _encode(d, x, ps if positional else None, x if positional else None)
        assert kinds[i] == kind
        assert data[off[i]:off[i + 1]].tobytes() == one


class _Buf:
    def __init__(self) -> None:
        self.buf = io.BytesIO()

    def write(self, b: bytes) -> None:
        self.buf.write(b)


def test_add_terms_in_slices_writes_the_same_bytes(monkeypatch):
    rng = np.random.default_rng(7)
    n = rng.integers(1, 60, 3000)
    starts = np.concatenate(([0], np.cumsum(n)))
    docs = np.concatenate([np.sort(rng.choice(100_000, k, replace=False)) for k in n])
    w = rng.integers(1, 4, len(docs)).astype(float)
    pos = np.concatenate([np.sort(rng.choice(5000, int(x), replace=False)) for x in w])
    kinds, data, off = encode_many(docs, w, starts, pos)
    fw = codec.MarsadFieldWriter.__new__(codec.MarsadFieldWriter)
    fw._post, fw._at = _Buf(), 0
    fw._cur = {"name": "body_exact", "positional": True, "from": None, "terms": [], "df": [], "poff": [],
               "kind": [], "var": None}
    monkeypatch.setattr(codec, "_CHUNK", 1000)  # ~90 slices
    terms = [b"t%06d" % i for i in range(len(n))]
    fw.add_terms(terms, docs, w, starts, pos)
    assert fw._post.buf.getvalue() == data.tobytes()
    assert fw._cur["kind"] == kinds.tolist() and fw._cur["poff"] == off[:-1].tolist()
    assert fw._cur["terms"] == terms and fw._cur["df"] == n.tolist()
