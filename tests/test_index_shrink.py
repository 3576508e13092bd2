"""A rebuild or prune that would empty an index or drop most of it is refused (issue 12, data loss).

Real SaudiNewsNet articles; the live index must come out byte-for-byte the same
generation, still searchable, and the message must say what was found and what to run.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh.qparser import QueryParser

from marsad.index.build import (
    MIN_KEEP_RATIO,
    BuildError,
    IndexShrink,
    build_index,
    current_generation,
    open_index,
    update_index,
)

from corpus_support import sample_records


def _write(d: Path, name: str, recs: list[dict]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_text(json.dumps(recs, ensure_ascii=False), encoding="utf-8")
    return d


@pytest.fixture()
def live(tmp_path) -> tuple[Path, Path, int]:
    """(corpus dir, index dir, documents): an index of 80 real articles."""
    recs = sample_records()[:80]
    corpus = _write(tmp_path / "corpus", "a.json", recs[:40])
    _write(corpus, "b.json", recs[40:])
    ix = tmp_path / "ix"
    n = build_index([corpus], ix, procs=1, progress=False).documents
    assert n == 80
    return corpus, ix, n


def _intact(ix: Path, gen: str, n: int) -> None:
    assert current_generation(ix) == gen
    assert not [p for p in ix.iterdir() if p.name.startswith("tmp-")]
    idx = open_index(ix)
    assert idx.doc_count() == n
    with idx.searcher() as s:  # still searchable: a word of every news day
        assert s.search(QueryParser("body_exact", idx.schema).parse("السعودية"), limit=1).scored_length() == 1


def test_build_from_an_empty_folder_is_refused(tmp_path, live):
    corpus, ix, n = live
    gen = current_generation(ix)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(IndexShrink) as ei:
        build_index([empty], ix, procs=1, progress=False)
    assert isinstance(ei.value, BuildError)
    assert (ei.value.live, ei.value.would_have, ei.value.records) == (n, 0, 0)
    msg = str(ei.value)
    assert "no records" in msg and f"{n} documents" in msg and "--allow-shrink" in msg and str(empty) in msg
    _intact(ix, gen, n)


def test_build_with_two_workers_from_an_empty_folder_is_refused(tmp_path, live):
    corpus, ix, n = live
    gen = current_generation(ix)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(IndexShrink):
        build_index([empty], ix, procs=2, progress=False)
    _intact(ix, gen, n)


def test_build_that_drops_most_documents_is_refused(tmp_path, live):
    corpus, ix, n = live
    gen = current_generation(ix)
    few = _write(tmp_path / "few", "x.json", sample_records()[:int(n * MIN_KEEP_RATIO) - 1])
    with pytest.raises(IndexShrink, match=rf"from {n} to {int(n * MIN_KEEP_RATIO) - 1} documents"):
        build_index([few], ix, procs=1, progress=False)
    _intact(ix, gen, n)
    # half is enough: a rebuild from half the articles goes through
    half = _write(tmp_path / "half", "x.json", sample_records()[:int(n * MIN_KEEP_RATIO)])
    assert build_index([half], ix, procs=1, progress=False).documents == int(n * MIN_KEEP_RATIO)


def test_allow_shrink_replaces_the_index(tmp_path, live):
    corpus, ix, n = live
    empty = tmp_path / "empty"
    empty.mkdir()
    rep = build_index([empty], ix, procs=1, progress=False, allow_shrink=True)
    assert rep.documents == 0 and open_index(ix).doc_count() == 0


def test_a_first_build_with_no_records_is_refused(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.md").write_text("ليست أخبارا", encoding="utf-8")  # not a corpus file
    with pytest.raises(IndexShrink, match="no records"):
        build_index([empty], tmp_path / "new", procs=1, progress=False)
    assert current_generation(tmp_path / "new") is None


def test_prune_from_an_empty_folder_is_refused(tmp_path, live):
    corpus, ix, n = live
    gen = current_generation(ix)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(IndexShrink, match="no records"):
        update_index([empty], ix, prune=True, progress=False)
    _intact(ix, gen, n)
    # without --prune an empty input deletes nothing: allowed, nothing written
    rep = update_index([empty], ix, progress=False)
    assert rep.deleted == 0
    _intact(ix, gen, n)


def test_prune_of_most_documents_is_refused_then_allowed(live):
    corpus, ix, n = live
    gen = current_generation(ix)
    (corpus / "b.json").unlink()
    recs = json.loads((corpus / "a.json").read_text(encoding="utf-8"))
    _write(corpus, "a.json", recs[:30])  # 30 of 80 left in the corpus
    with pytest.raises(IndexShrink, match=rf"from {n} to 30 documents"):
        update_index([corpus], ix, prune=True, progress=False)
    _intact(ix, gen, n)
    rep = update_index([corpus], ix, prune=True, progress=False, allow_shrink=True)
    assert rep.deleted == 50 and open_index(ix).doc_count() == 30


def test_cli_refuses_with_one_line_and_counts(tmp_path, live):
    from marsad.index.cli import index_group
    corpus, ix, n = live
    gen = current_generation(ix)
    empty = tmp_path / "empty"
    empty.mkdir()
    for args in (["build", str(empty), "--index", str(ix), "-q"],
                 ["update", str(empty), "--index", str(ix), "--prune", "-q"]):
        r = CliRunner().invoke(index_group, args)
        assert r.exit_code == 1, r.output
        assert "Traceback" not in r.output
        lines = [ln for ln in r.output.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: ")
        assert f"{n} documents" in lines[0] and "--allow-shrink" in lines[0]
        _intact(ix, gen, n)
    r = CliRunner().invoke(index_group, ["build", str(empty), "--index", str(ix), "-q", "--allow-shrink"])
    assert r.exit_code == 0, r.output
    assert open_index(ix).doc_count() == 0
