"""The retrieval evaluation's data and scoring (bench/eval_retrieval.py): the judged set's
shape (issue 13), the TREC run reader and the metrics, on the committed files."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import eval_retrieval as ev  # noqa: E402

PATTERNS = {"A", "B", "C", "D"}


def _rows() -> list[list[str]]:
    return [line.split("\t") for line in ev.QUERIES.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def test_the_set_has_60_queries_split_in_tune_and_test() -> None:
    rows = _rows()
    assert len(rows) >= 60
    assert len({r[0] for r in rows}) == len(rows)
    splits = [r[1] for r in rows]
    assert set(splits) == {"tune", "test"}
    assert splits.count("test") >= len(rows) // 3  # a real test half, not a token held-out set


def test_new_needs_cover_the_three_losing_patterns_in_both_halves() -> None:
    new = [r for r in _rows() if len(r) == 5]
    assert len(new) >= 27 and {r[4] for r in new} == PATTERNS
    for p in PATTERNS:
        assert {r[1] for r in new if r[4] == p} == {"tune", "test"}, p
    for r in new:
        assert all(f"{g}:" in r[3] for g in "0123"), r[0]  # graded criteria written into the need
        if r[4] == "B":
            assert len(r[2].split()) >= 5, r[2]
        if r[4] == "C":
            assert r[2].startswith('"') and r[2].endswith('"'), r[2]


def test_trec_run_reader_keeps_rank_order(tmp_path: Path) -> None:
    run = tmp_path / "x.run"
    run.write_text("q1 Q0 b 2 1.5 lucene\nq1 Q0 a 1 2.0 lucene\nq2 Q0 c 1 1.0 lucene\n", encoding="utf-8")
    assert ev.load_trec_run(run) == {"q1": ["a", "b"], "q2": ["c"]}


def test_committed_lucene_run_covers_every_query() -> None:
    run = ev.load_trec_run(ev.LUCENE_RUN)
    ids = {r[0] for r in _rows()}
    assert ids <= set(run)
    assert all(len(v) <= 100 for v in run.values())


def test_metrics_graded_0_to_3() -> None:
    qrel = {"a": 3, "b": 0, "c": 1, "d": 2}
    ideal = sorted(qrel.values(), reverse=True)
    m = ev.metrics(["a", "d", "c", "x"], qrel, ideal)
    assert m["nDCG@10"] == pytest.approx(1.0)
    assert m["P@10"] == pytest.approx(0.3)
    assert m["R@100"] == pytest.approx(1.0)
    assert m["unj"] == 1.0  # "x" is unjudged
    worse = ev.metrics(["c", "d", "a"], qrel, ideal)
    assert worse["nDCG@10"] < 1.0


def test_calibration_kappa() -> None:
    assert ev._kappa([(0, 0), (1, 1), (2, 2)]) == pytest.approx(1.0)
    assert ev._kappa([(0, 2), (2, 0), (0, 2), (2, 0)]) < 0
