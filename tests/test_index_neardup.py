"""Near-duplicate stories (issue 15): rewritten wire copies cluster at build
time, the search collapses them like exact copies (and lists them as
rewritten), counts them once in facets, and lists them apart when asked."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from marsad.index import neardup
from marsad.index.build import build_index, open_index, update_index
from marsad.index.store import live_dir
from marsad.search import SearchRequest, get_document, run
from marsad.search.service import open_searcher

from corpus_support import SEEDS


def _tokens(texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[bytes]]:
    from marsad.analyzers import exact_analyzer
    table: dict[str, int] = {}
    ids, docs = [], []
    for d, t in enumerate(texts):
        for tok in exact_analyzer()(t):
            ids.append(table.setdefault(tok.text, len(table)))
            docs.append(d)
    return np.array(ids, np.int32), np.array(docs, np.int32), [k.encode() for k in table]


def _rewrite(body: str) -> str:
    """What an outlet does to a wire story: drops the opening sentence, changes a
    few words, adds a closing line."""
    sentences = body.split(".")
    words = ".".join(sentences[1:]).split()
    for i in range(7, len(words), 23):
        words[i] = "وأضاف"
    return " ".join(words) + "\nوتابعت الصحيفة تغطية هذا الخبر."


def _seeds() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


def test_a_rewritten_story_clusters_and_other_stories_do_not():
    seeds = _seeds()
    texts = seeds + [_rewrite(seeds[0]), _rewrite(seeds[3]), seeds[1][:200]]
    ids, docs, terms = _tokens(texts)
    sig = neardup.signatures(ids, docs, len(texts), neardup.term_hashes(terms))
    label = neardup.clusters(sig)
    n = len(seeds)
    assert label[n] == label[0] and label[n + 1] == label[3]
    assert len(set(label[:n].tolist())) == n  # the five seeds are five stories
    assert label[n + 2] == n + 2  # a short excerpt is left to the exact hash


def _corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    d.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    for p in seeds:
        d.joinpath(p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    title, body = seeds[0].read_text(encoding="utf-8").split("\n", 1)
    d.joinpath("rewrite.txt").write_text(f"{title} (تحديث)\n{_rewrite(body)}", encoding="utf-8")
    return d


def test_the_search_collapses_rewrites_counts_them_once_and_lists_them(tmp_path):
    root = tmp_path / "ix"
    report = build_index([_corpus(tmp_path)], root, procs=1, progress=False)
    assert report.near_duplicates == 1 and report.duplicates == 0 and "near" in report.cpu
    gen = live_dir(root)
    assert (gen / neardup.CLUSTERS_FILE).exists() and list(gen.glob("*" + neardup.SUFFIX))
    meta = json.loads((gen / "marsad.json").read_text())
    assert neardup.CLUSTERS_FILE in meta["files"]  # covered by the damage check
    s = open_searcher(open_index(root))
    flat = run(s, SearchRequest(collapse=False, page_size=20))
    texts = run(s, SearchRequest(page_size=20))  # the default: identical texts once, rewrites apart
    one = run(s, SearchRequest(stories=True, page_size=20))
    assert flat.total == texts.total == 6 and one.total == 5
    assert not any(h.copies for h in texts.hits)
    # shown apart, each version says its story has another one
    assert sorted(h.rewrites for h in texts.hits) == [0, 0, 0, 0, 1, 1]
    (hit,) = [h for h in one.hits if h.copies]
    assert hit.copies_total == 1 and hit.copies[0]["rewritten"] is True and hit.copies_outlets >= 1
    assert "rewrite.txt" in {hit.id, hit.copies[0]["id"]}
    doc = get_document(s, "rewrite.txt")  # a document lists its story's other versions
    assert doc is not None and doc["copies_total"] == 1 and doc["copies"][0]["rewritten"] is True
    # facets count the story once when stories are collapsed
    for facet in ("province", "actor"):
        for b in one.facets[facet].buckets:
            if b.value:
                assert run(s, SearchRequest(stories=True, filters={facet: (b.value,)})).total == b.count


def test_an_update_recomputes_the_clusters_and_leaves_the_live_ones_alone(tmp_path):
    corpus = _corpus(tmp_path)
    (corpus / "rewrite.txt").rename(tmp_path / "later.txt")
    root = tmp_path / "ix"
    build_index([corpus], root, procs=1, progress=False)
    first = live_dir(root)
    before = (first / neardup.CLUSTERS_FILE).read_bytes()
    (tmp_path / "later.txt").rename(corpus / "rewrite.txt")
    rep = update_index([corpus], root, procs=1, progress=False)
    assert rep.added == 1 and rep.near_duplicates == 1
    assert (first / neardup.CLUSTERS_FILE).read_bytes() == before  # the hard-linked file was not rewritten
    s = open_searcher(open_index(root))
    assert run(s, SearchRequest(stories=True)).total == 5 and run(s, SearchRequest()).total == 6


def test_the_page_toggles_story_collapsing_and_keeps_the_query(tmp_path, make_app):
    from urllib.parse import parse_qs, urlsplit
    root = tmp_path / "ix"
    build_index([_corpus(tmp_path)], root, procs=1, progress=False)
    c = make_app(root).test_client()
    html = c.get("/?q=سوريا").get_data(as_text=True)
    href = html.split('class="stories-toggle" href="')[1].split('"')[0].replace("&amp;", "&")
    assert parse_qs(urlsplit(href).query) == {"q": ["سوريا"], "stories": ["true"]}
    assert html.count("صياغات أخرى للقصة نفسها: 1") in (0, 2)  # (the rewrite may not match q)
    off = c.get("/").get_data(as_text=True)
    assert off.count("صياغات أخرى للقصة نفسها: 1") == 2
    on = c.get(href).get_data(as_text=True)
    assert "بصياغة أخرى" in on or 'class="copies"' in on
    assert c.get("/api/search?stories=true").get_json()["total"] == 5
    assert c.get("/api/search").get_json()["total"] == 6


def test_exact_copies_join_their_story_through_the_content_hash(tmp_path):
    """Exact copies are left out of the MinHash clustering (their content hash
    groups them: a story syndicated a hundred times made every copy a candidate in
    every band); a search still collapses the whole story, copies and rewrites."""
    corpus = _corpus(tmp_path)
    seed0 = sorted(SEEDS.glob("*.txt"))[0].read_text(encoding="utf-8")
    corpus.joinpath("copy-of-seed.txt").write_text(seed0, encoding="utf-8")
    corpus.joinpath("copy-of-rewrite.txt").write_text(corpus.joinpath("rewrite.txt").read_text(encoding="utf-8"),
                                                      encoding="utf-8")
    root = tmp_path / "ix"
    report = build_index([corpus], root, procs=1, progress=False)
    assert report.duplicates == 2 and report.near_duplicates == 1  # the rewrite's first text alone
    s = open_searcher(open_index(root))
    texts = run(s, SearchRequest(page_size=20))
    one = run(s, SearchRequest(stories=True, page_size=20))
    assert texts.total == 6 and one.total == 5
    (hit,) = [h for h in one.hits if h.copies]
    versions = {hit.id, *(c["id"] for c in hit.copies)}
    assert {"rewrite.txt", "copy-of-rewrite.txt", "copy-of-seed.txt"} <= versions and len(versions) == 4
    by_id = {c["id"]: c["rewritten"] for c in hit.copies}
    same_text = {"rewrite.txt", "copy-of-rewrite.txt"} if hit.id in ("rewrite.txt", "copy-of-rewrite.txt") \
        else versions - {"rewrite.txt", "copy-of-rewrite.txt"}
    assert all(by_id[v] is (v not in same_text) for v in by_id)


def test_clusters_read_from_the_segment_files_band_by_band_equal_the_in_memory_ones(tmp_path):
    """``write_clusters`` reads each band's bins from the segments' files (never every
    signature at once): the same clusters as ``clusters`` over the whole matrix, with a
    segment that has no signatures and documents left out (exact copies)."""
    seeds = _seeds()
    texts = seeds + [_rewrite(seeds[0]), _rewrite(seeds[3]), _rewrite(seeds[0]) + " وختاما.", seeds[1][:200],
                     _rewrite(seeds[2])]
    ids, docs, terms = _tokens(texts)
    sig = neardup.signatures(ids, docs, len(texts), neardup.term_hashes(terms))
    leaves = [("seg_a", 4), ("seg_b", 3), ("seg_none", 1), ("seg_c", len(texts) - 8)]
    at = 0
    for segid, count in leaves:
        if segid != "seg_none":  # a segment written by Whoosh's own writer has no file
            sig[at:at + count].astype("<u4").tofile(tmp_path / (segid + neardup.SUFFIX))
        at += count
    expected_sig = sig.copy()
    expected_sig[7] = neardup.EMPTY  # what the segment without a file contributes
    for live in (np.ones(len(texts), bool), np.array([True] * 5 + [False] + [True] * (len(texts) - 6))):
        n = neardup.write_clusters(tmp_path, leaves, live)
        got = np.load(tmp_path / neardup.CLUSTERS_FILE)
        want = neardup.clusters(expected_sig, live)
        assert got.tolist() == want.tolist()
        assert n == int((want != np.arange(len(want))).sum()) and n > 0
