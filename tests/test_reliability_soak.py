"""A real server under load keeps answering while rebuilds swap the index under it.

tests/test_web_swap.py swaps under Flask's test client, one request at a
time. Here it is the real thing, the code of ``bench/bench_soak.py``: a
waitress server (``marsad serve``'s) in a child process on 127.0.0.1,
concurrent keep-alive client threads sending the web benchmark's mix of
searches, facet selections, HTML pages, document pages and /healthz, and
``marsad index build`` / ``update`` child processes swapping new generations
in. Every answer must be a complete 200: zero errors. The figures are printed
(run with ``-s`` to see them), never asserted.
"""
from __future__ import annotations

import sys
from pathlib import Path

from corpus_support import ROOT, SEEDS, SNN

sys.path.insert(0, str(ROOT / "bench"))
from bench_soak import soak  # noqa: E402

ZIPS = [SNN / "2015-07-21.zip", SNN / "2015-07-22.zip"]


def _extra(root: Path) -> Path:
    """Five more articles (the seeds, retitled and extended): a rebuild that visibly adds documents."""
    more = root / "more"
    more.mkdir()
    for i, p in enumerate(sorted(SEEDS.glob("*.txt"))):
        title, body = p.read_text(encoding="utf-8").split("\n", 1)
        (more / f"extra-{i}.txt").write_text(f"{title} (تحديث)\n{body}\nتحديث رقم {i}", encoding="utf-8")
    return more


def _assert_clean(res) -> None:
    print(res.report())
    assert not res.errors, (res.errors[:10], res.server_log)
    assert all(r["exit"] == 0 for r in res.rebuilds), res.rebuilds
    assert res.requests > 0 and res.during_rebuild, "no request ran while the index was rebuilt"


def test_soak_60s_with_a_rebuild_midway(tmp_path):
    from marsad.index.build import build_index
    ix = tmp_path / "index"
    before = build_index([SEEDS, *ZIPS], ix, procs=2, progress=False).documents
    res = soak(ix, [SEEDS, *ZIPS, _extra(tmp_path)], seconds=60, clients=4, threads=4, procs=2, rebuild_at=0.3)
    _assert_clean(res)
    assert res.documents_before == before
    assert res.documents_after == before + 5  # the server answers from the rebuilt index, no restart
    assert res.reopens_after > res.reopens_before


def test_server_follows_build_update_build_swaps(tmp_path):
    """Three swaps in a row (build, update --prune, build) under load: zero failed requests."""
    from marsad.index.build import build_index
    ix = tmp_path / "index"
    build_index([SEEDS], ix, procs=1, progress=False)
    more = _extra(tmp_path)
    cmds = [["index", "update", str(SEEDS), "--prune", "--index", str(ix), "-q"],
            ["index", "build", str(SEEDS), str(more), "--index", str(ix), "-q", "--procs", "2"]]
    res = soak(ix, [SEEDS, more], seconds=6, clients=4, threads=4, procs=1, rebuild_at=0.2,
               extra_rebuilds=cmds, tail=2)
    _assert_clean(res)
    assert (res.documents_before, res.documents_after) == (5, 10)
    assert res.reopens_after - res.reopens_before >= 3, "each of the three swaps was picked up"
