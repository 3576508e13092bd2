"""Corpus reader speed and memory on SaudiNewsNet (read in place).

Prints: time to read all of SaudiNewsNet with ``index.sources.read_corpus``
(decode, detect, stream-parse, map fields, build Records, report), against a
baseline in the same process that only unzips and ``json.loads`` each member
(no Records); and the peak memory traced while reading one zip vs all 18, which
should be about the same (the reader streams, it never holds the corpus).

    python3 bench/bench_sources.py [--quick] [CORPUS_DIR]

``--quick`` reads the first 3 zips only. Also prints the peak memory while a
50 MB record is skipped (it is scanned, not held).
"""
from __future__ import annotations

import glob
import json
import os
import sys
import tempfile
import time
import tracemalloc
import zipfile

from common import CORPUS as _ROOT  # puts the repo root on sys.path

from marsad.index.sources import read_corpus  # noqa: E402

QUICK = "--quick" in sys.argv
_args = [a for a in sys.argv[1:] if not a.startswith("--")]
CORPUS = _args[0] if _args else str(_ROOT / "saudinewsnet")


def baseline(zips: list[str]) -> tuple[int, float]:
    t = time.perf_counter()
    n = 0
    for f in zips:
        with zipfile.ZipFile(f) as z:
            for m in z.infolist():
                n += len(json.loads(z.read(m)))
    return n, time.perf_counter() - t


def reader(paths) -> tuple[int, float, object]:
    t = time.perf_counter()
    rs = read_corpus(paths)
    n = sum(1 for _ in rs)
    return n, time.perf_counter() - t, rs.report


def peak(paths) -> tuple[int, int]:
    tracemalloc.start()
    n = sum(1 for _ in read_corpus(paths))
    _, p = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return n, p


def main() -> None:
    zips = sorted(glob.glob(os.path.join(CORPUS, "*.zip")))
    if not zips:
        sys.exit(f"no zips under {CORPUS}")
    if QUICK:
        zips = zips[:3]
    reader(zips[:1])  # warm the page cache and imports
    nb, tb = min((baseline(zips) for _ in range(3)), key=lambda x: x[1])
    nr, tr, rep = min((reader(zips) for _ in range(3)), key=lambda x: x[1])
    print(f"SaudiNewsNet: {len(zips)} zips, {nb} objects in the JSON arrays")
    print(f"baseline  unzip + json.loads          : {tb:6.2f} s  ({nb / tb:8.0f} objects/s)")
    print(f"read_corpus -> Records (best of 3)    : {tr:6.2f} s  ({nr / tr:8.0f} records/s)  ratio {tr / tb:.2f}x baseline")
    print("report:", rep.summary().replace("\n", " | "))
    n1, p1 = peak(zips[:1])
    na, pa = peak(zips)
    print(f"peak traced memory: 1 zip ({n1} records) {p1 / 2**20:.1f} MiB; all {len(zips)} zips ({na} records) "
          f"{pa / 2**20:.1f} MiB; ratio {pa / p1:.2f} (streaming: about 1)")
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "huge.jsonl"), "w", encoding="utf-8") as f:
            f.write(json.dumps({"title": "t", "body": "x" * (50 << 20)}) + "\n" + json.dumps({"title": "ok"}) + "\n")
        t = time.perf_counter()
        n, p = peak(d)
        print(f"a 50 MB JSONL record skipped as oversized: {time.perf_counter() - t:.2f} s, peak traced memory "
              f"{p / 2**20:.1f} MiB ({n} record read after it)")


if __name__ == "__main__":
    main()
