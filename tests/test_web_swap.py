"""A running app answers from a rebuilt index without a restart, and no request fails during the swap."""
from __future__ import annotations

import os
import shutil
import threading
import time

import pytest

from web_support import stamp_marsad_meta


def _records(seed_only: bool):
    """The five seeds; the "rebuilt" corpus adds 20 more articles made from them."""
    from marsad.index.records import Record
    from marsad.index.sources import read_corpus

    from search_support import CORPUS, facets_for
    seeds = [facets_for(r) for r in read_corpus([CORPUS / "seeds"])]
    if seed_only:
        return seeds
    more = [facets_for(Record(id=f"new-{i}", title=f"{s.title} {i}", body=f"{s.body}\nتحديث {i}"))
            for i, s in enumerate(seeds * 4)]
    return seeds + more


def test_swap_is_picked_up_with_zero_failed_requests(tmp_path, make_app):
    from search_support import write_index
    live = tmp_path / "index"
    live.mkdir()
    write_index(_records(True), live)
    stamp_marsad_meta(live)
    app = make_app(live)
    c = app.test_client()
    before = c.get("/api/search").get_json()["total"]
    assert before == 5

    new = tmp_path / "index.new"
    new.mkdir()
    write_index(_records(False), new)
    stamp_marsad_meta(new)

    def swap():  # what a rebuild does at its end: move the old one away, the new one in
        time.sleep(0.05)
        os.rename(live, tmp_path / "index.old")
        time.sleep(0.1)  # the live path is missing for a moment (longer than a real rename)
        os.rename(new, live)
        time.sleep(0.05)
        shutil.rmtree(tmp_path / "index.old")

    t = threading.Thread(target=swap)
    t.start()
    statuses, totals = [], []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for url in ("/api/search", "/?q=سوريا", "/api/search?q=سوريا&sort=newest"):
            r = c.get(url)
            statuses.append(r.status_code)
            if url == "/api/search":
                totals.append(r.get_json()["total"])
        if not t.is_alive() and totals[-1] != before:
            break
    t.join()
    assert set(statuses) == {200}, [s for s in statuses if s != 200]
    assert totals[0] == before and totals[-1] > before  # new data without a restart
    assert app.extensions["marsad_index"].reopens >= 2


def test_marsad_index_build_swap_is_picked_up(tmp_path, corpus_dir, make_app):
    """The real thing: `marsad index build` publishes a new generation; the server follows CURRENT."""
    build = pytest.importorskip("marsad.index.build")
    more = tmp_path / "more"
    more.mkdir()
    for i, p in enumerate(sorted((corpus_dir / "seeds").glob("*.txt"))):
        title, body = p.read_text(encoding="utf-8").split("\n", 1)
        (more / f"extra-{i}.txt").write_text(f"{title} (نسخة محدثة)\n{body}\nتحديث {i}", encoding="utf-8")
    root = tmp_path / "index"
    build.build_index([corpus_dir / "seeds"], root, procs=1, progress=False)
    app = make_app(root)
    c = app.test_client()
    assert c.get("/api/search").get_json()["total"] == 5
    result: dict = {}
    t = threading.Thread(target=lambda: result.update(
        r=build.build_index([corpus_dir / "seeds", more], root, procs=1, progress=False)))
    t.start()
    statuses = []
    while t.is_alive():
        statuses.append(c.get("/api/search?q=سوريا").status_code)
    t.join()
    statuses.append(c.get("/api/search?q=سوريا").status_code)
    assert set(statuses) == {200}
    # the new articles are rewrites of the seeds: ten articles, five stories
    assert c.get("/api/search").get_json()["total"] == 10
    assert c.get("/api/search?stories=true").get_json()["total"] == 5
