"""index.build on real text: the seeds and a SaudiNewsNet sample read in place."""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh.query import Term

from marsad.index.build import (
    BuildError,
    IndexMissing,
    IndexVersionMismatch,
    build_index,
    current_generation,
    index_stats,
    open_index,
    resolve_index_dir,
    update_index,
)
from marsad.index.extract import extract
from marsad.index.records import content_hash
from marsad.index.sources import read_corpus
from marsad.index.store import META_NAME, live_dir

from corpus_support import SEEDS, sample_records


def _extracted(paths) -> dict[str, object]:
    return {r.id: extract(r) for r in read_corpus([str(p) for p in paths])}


def _stored(index_dir) -> dict[str, dict]:
    ix = open_index(index_dir)
    with ix.searcher() as s:
        return {f["id"]: f for f in s.all_stored_fields()}


def _write_json(d: Path, name: str, recs: list[dict]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    p = d / name
    p.write_text(json.dumps(recs, ensure_ascii=False), encoding="utf-8")
    return p


def _ids_with(index_dir, field: str, text: str) -> set[str]:
    ix = open_index(index_dir)
    with ix.searcher() as s:
        return {hit["id"] for hit in s.search(Term(field, text), limit=None)}


# ---------------------------------------------------------------- stored fields and facets

def test_seeds_index_holds_what_the_extractor_says(seeds_index):
    want = _extracted([SEEDS])
    got = _stored(seeds_index)
    assert set(got) == set(want) and len(got) == 5
    for i, r in want.items():
        f = got[i]
        assert f["title"] == r.title and f["body"] == r.body
        assert f.get("outlet") == r.outlet
        assert (f.get("provinces") or "") == ",".join(r.provinces)
        assert (f.get("actors") or "") == ",".join(r.actors)
        if r.date:
            assert f["date"] == datetime(r.date.year, r.date.month, r.date.day)
            assert f["date_precision"] == r.date_precision
        else:
            assert "date" not in f and f["date_precision"] == ""
        assert f["content_hash"] == content_hash(r.title, r.body)
        assert json.loads(f["evidence"]) == [e.to_dict() for e in r.evidence]
        assert f["source_path"] == r.source_path


def test_sample_facet_counts_match_the_extractor(sample_index, sample_corpus):
    want = _extracted([sample_corpus])
    assert len(want) > 250
    ix = open_index(sample_index)
    assert ix.doc_count() == len(want)
    stats = index_stats(sample_index, top=1000)
    assert stats["documents"] == len(want)
    for facet, attr in (("outlet", "outlet"), ("province", "provinces"), ("actor", "actors")):
        expected: Counter[str] = Counter()
        unknown = 0
        for r in want.values():
            vals = getattr(r, attr)
            vals = [vals] if isinstance(vals, str) else (vals or [])
            expected.update(vals)
            unknown += not vals
        got = {row["value"]: row["count"] for row in stats["facets"][facet]}
        assert got == dict(expected), facet
        assert stats["unknown"][facet] == unknown
    years = Counter(f"{r.date.year:04d}" for r in want.values() if r.date)
    assert {row["value"]: row["count"] for row in stats["facets"]["date"]} == dict(years)
    assert stats["unknown"]["date"] == sum(1 for r in want.values() if not r.date)
    # a Syria article is found through the stem level (السورية -> سوريا)
    syria = {i for i, r in want.items() if "السورية" in r.body}
    assert syria and syria <= _ids_with(sample_index, "body", "سوري")


def test_stats_json_shape_from_the_cli(sample_index):
    from marsad.index.cli import index_group
    res = CliRunner().invoke(index_group, ["stats", "--index", str(sample_index), "--json"])
    assert res.exit_code == 0, res.output
    st = json.loads(res.output)
    assert st["documents"] > 250
    assert set(st["facets"]) == {"outlet", "province", "actor", "date"}
    for rows in st["facets"].values():
        assert all(set(r) >= {"value", "count"} and r["count"] > 0 for r in rows)
    assert st["size_bytes"] > 0 and st["versions"]["schema_version"]
    text = CliRunner().invoke(index_group, ["stats", "--index", str(sample_index)]).output
    assert "documents:" in text and "outlet:" in text


# ---------------------------------------------------------------- duplicates

def test_duplicates_are_marked_in_read_order(tmp_path):
    recs = sample_records()[:20]
    copy = dict(recs[3], url=recs[3]["url"] + "?copy", source="sabq")
    # same words with diacritics and extra spaces: the same content hash
    copy["content"] = copy["content"].replace("ال", "الْ", 3).replace(" ", "  ", 5)
    corpus = tmp_path / "c"
    _write_json(corpus, "a.json", recs)
    _write_json(corpus, "b.json", [copy])
    rep = build_index([corpus], tmp_path / "ix", procs=2, progress=False)
    assert rep.duplicates >= 1
    got = _stored(tmp_path / "ix")
    first = got[recs[3]["url"]]
    dup = got[copy["url"]]
    assert first["content_hash"] == dup["content_hash"]
    assert first["duplicate_of"] == "" and dup["duplicate_of"] == recs[3]["url"]


# ---------------------------------------------------------------- update

@pytest.fixture()
def small_corpus(tmp_path) -> Path:
    recs = sample_records()
    c = tmp_path / "corpus"
    _write_json(c, "one.json", recs[:40])
    _write_json(c, "two.json", recs[40:60])
    return c


def test_update_is_idempotent(tmp_path, small_corpus):
    ix = tmp_path / "ix"
    b = build_index([small_corpus], ix, procs=1, progress=False)
    assert b.added == 60 and b.documents == 60
    gen = current_generation(ix)
    u = update_index([small_corpus], ix, progress=False)
    assert (u.added, u.updated, u.unchanged, u.deleted) == (0, 0, 60, 0)
    assert current_generation(ix) == gen  # nothing written
    assert open_index(ix).doc_count() == 60


def test_noop_update_removes_generations_a_killed_run_left(tmp_path, small_corpus):
    # A run killed between publishing a generation and cleaning up leaves an
    # extra older generation; a later update with nothing to write removes it,
    # keeping the live one and the newest other (a server may still read it).
    ix = tmp_path / "ix"
    build_index([small_corpus], ix, procs=1, progress=False)
    build_index([small_corpus], ix, procs=1, progress=False)  # live + previous
    live = current_generation(ix)
    stale = ix / "gen-20000101-000000-000000000-1"
    stale.mkdir()
    gens = lambda: sorted(p.name for p in ix.iterdir() if p.name.startswith("gen-"))  # noqa: E731
    assert len(gens()) == 3
    update_index([small_corpus], ix, progress=False)
    assert current_generation(ix) == live
    assert stale.name not in gens() and live in gens() and len(gens()) == 2
    assert open_index(ix).doc_count() == 60


def test_update_adds_replaces_and_prunes(tmp_path, small_corpus):
    ix = tmp_path / "ix"
    build_index([small_corpus], ix, procs=1, progress=False)
    gen0 = current_generation(ix)
    recs = json.loads((small_corpus / "one.json").read_text(encoding="utf-8"))
    changed = recs[5]
    changed["content"] = "خبر معدل عن مدينة الرقة السورية وقوات سوريا الديمقراطية. " + changed["content"]
    (small_corpus / "one.json").write_text(json.dumps(recs, ensure_ascii=False), encoding="utf-8")
    new = dict(recs[0], url="http://example.org/new-1", content="مقال جديد عن حلب وإدلب " + recs[0]["content"])
    _write_json(small_corpus, "three.json", [new])

    u = update_index([small_corpus], ix, progress=False)
    assert (u.added, u.updated, u.unchanged) == (1, 1, 59)
    assert current_generation(ix) != gen0
    got = _stored(ix)
    assert len(got) == 61 and open_index(ix).doc_count() == 61
    assert got[changed["url"]]["body"].startswith("خبر معدل")
    assert changed["url"] in _ids_with(ix, "body_exact", "معدل")
    assert new["url"] in got
    # the old version is gone: one document with that id
    assert len([1 for f in _stored(ix).values() if f["id"] == changed["url"]]) == 1

    # again: nothing to do
    again = update_index([small_corpus], ix, progress=False)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 61)

    # prune: two.json is gone
    (small_corpus / "two.json").unlink()
    kept = update_index([small_corpus], ix, progress=False)
    assert kept.deleted == 0 and open_index(ix).doc_count() == 61  # without --prune nothing is deleted
    p = update_index([small_corpus], ix, prune=True, progress=False)
    assert p.deleted == 20 and p.documents == 41
    assert open_index(ix).doc_count() == 41
    assert not any(f["source_path"].startswith("two.json") for f in _stored(ix).values())


def test_update_needs_an_index(tmp_path, small_corpus):
    with pytest.raises(IndexMissing, match="marsad index build"):
        update_index([small_corpus], tmp_path / "none", progress=False)


# ---------------------------------------------------------------- versions, missing, location

def test_missing_index_says_what_to_run(tmp_path):
    with pytest.raises(IndexError, match="marsad index build"):
        open_index(tmp_path / "nothing")


def test_version_mismatch_says_rebuild(tmp_path, small_corpus):
    ix = tmp_path / "ix"
    build_index([small_corpus], ix, procs=1, progress=False)
    meta_path = live_dir(ix) / META_NAME
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["analyzer_version"] = "0-old"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(IndexVersionMismatch, match="rebuild.*marsad index build"):
        open_index(ix)
    with pytest.raises(IndexVersionMismatch):
        update_index([small_corpus], ix, progress=False)
    build_index([small_corpus], ix, procs=1, progress=False)  # a rebuild fixes it
    assert open_index(ix).doc_count() == 60


def test_resolve_index_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("MARSAD_INDEX", str(tmp_path / "env"))
    assert resolve_index_dir("/x/y") == Path("/x/y")
    assert resolve_index_dir(None) == tmp_path / "env"
    monkeypatch.delenv("MARSAD_INDEX")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_index_dir(None) == tmp_path / "xdg" / "marsad" / "index"
    from marsad import index
    assert Path(index.__file__).parent not in resolve_index_dir(None).parents


# ---------------------------------------------------------------- generations, strict, CLI

def test_generations_swap_and_old_ones_go(tmp_path, small_corpus):
    ix = tmp_path / "ix"
    names = []
    for _ in range(3):
        build_index([small_corpus], ix, procs=1, progress=False)
        names.append(current_generation(ix))
    assert len(set(names)) == 3
    dirs = sorted(p.name for p in ix.iterdir() if p.is_dir())
    assert dirs == sorted(names[1:])  # the live one and the previous one
    assert (ix / "CURRENT").read_text().strip() == names[-1]


def test_strict_fails_and_keeps_the_live_index(tmp_path, small_corpus):
    ix = tmp_path / "ix"
    build_index([small_corpus], ix, procs=1, progress=False)
    gen = current_generation(ix)
    (small_corpus / "broken.json").write_text('[{"title": "x", "content": ', encoding="utf-8")
    with pytest.raises(BuildError, match="--strict"):
        build_index([small_corpus], ix, procs=1, strict=True, progress=False)
    assert current_generation(ix) == gen and open_index(ix).doc_count() == 60
    assert not [p for p in ix.iterdir() if p.name.startswith("tmp-")]
    # without --strict: reported, the rest indexed
    rep = build_index([small_corpus], ix, procs=1, progress=False)
    assert rep.skipped >= 1 and rep.documents == 60 and rep.skip_reasons


def test_cli_build_update_summary(tmp_path, small_corpus):
    from marsad.index.cli import index_group
    ix = tmp_path / "ix"
    r = CliRunner().invoke(index_group, ["build", str(small_corpus), "--index", str(ix), "--procs", "1"])
    assert r.exit_code == 0, r.output
    for word in ("added 60", "updated 0", "unchanged 0", "duplicates", "skipped 0", "documents/s"):
        assert word in r.output
    r = CliRunner().invoke(index_group, ["update", str(small_corpus), "--index", str(ix), "--prune"])
    assert r.exit_code == 0 and "unchanged 60" in r.output
    (small_corpus / "bad.json").write_text("{nope", encoding="utf-8")
    r = CliRunner().invoke(index_group, ["build", str(small_corpus), "--index", str(ix), "--strict", "-q"])
    assert r.exit_code == 1 and "--strict" in r.output


def test_a_record_whose_extraction_fails_is_reported_by_name_and_the_rest_are_added(tmp_path, monkeypatch):
    import marsad.index.extract as ex

    real = ex.extract
    seeds = sorted(p.name for p in SEEDS.iterdir())

    def flaky(rec):  # the worker (a fork of this process) sees the patched function
        if rec.source_path and rec.source_path.endswith(seeds[2]):
            raise ValueError("no gazetteer for this one")
        return real(rec)

    monkeypatch.setattr(ex, "extract", flaky)
    rep = build_index([SEEDS], tmp_path / "ix", procs=1, progress=False)
    assert rep.added == len(seeds) - 1 and rep.skipped == 1
    assert rep.skip_reasons == {"error": 1}
    (item,) = rep.skipped_items
    assert seeds[2] in item and "ValueError: no gazetteer for this one" in item


def test_evidence_to_dict_holds_every_field():
    # to_dict is written out by hand (speed): a field added to Evidence must be in it
    import dataclasses

    from marsad.index.records import Evidence
    ev = Evidence("province", "حلب", "body", "بحلب", 3, 7, "gazetteer")
    assert ev.to_dict() == dataclasses.asdict(ev)
    assert Evidence.from_dict(ev.to_dict()) == ev
