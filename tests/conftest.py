"""Shared fixtures. The corpus is read in place from ../shared/corpus."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CORPUS = Path(__import__("os").environ.get("MARSAD_CORPUS", ROOT.parent / "shared" / "corpus"))
SEEDS = CORPUS / "seeds"
SNN = CORPUS / "saudinewsnet"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.fail(f"corpus not found at {CORPUS}: the tests read ../shared/corpus beside the checkout "
                    "(or set MARSAD_CORPUS)")
    return CORPUS


@pytest.fixture(scope="session")
def seed_texts(corpus_dir: Path) -> dict[str, str]:
    """File name -> full text of the five seed articles."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


# ---- shared indexes (index.build), built once per session ------------------------------

SAMPLE_ZIP = SNN / "2015-08-01.zip"
SAMPLE_FIRST = 200  # the first records of the zip, in file order
SAMPLE_SYRIA = 100  # plus this many more of its records that mention Syria


def sample_records() -> list[dict]:
    """A few hundred SaudiNewsNet articles (raw JSON objects): the first ones of one
    zip plus Syria-related ones from further in, chosen deterministically."""
    import json
    import zipfile
    with zipfile.ZipFile(SAMPLE_ZIP) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".json")]
        data = json.loads(zf.read(name))
    out = data[:SAMPLE_FIRST]
    syria = [d for d in data[SAMPLE_FIRST:] if "سوري" in (d.get("title") or "") + (d.get("content") or "")]
    return out + syria[:SAMPLE_SYRIA]


@pytest.fixture(scope="session")
def sample_corpus(tmp_path_factory, corpus_dir: Path) -> Path:
    """A directory holding ``seeds/`` (symlinks to the seed files) and ``snn/sample.json``."""
    import json
    root = tmp_path_factory.mktemp("sample_corpus")
    (root / "seeds").mkdir()
    for p in sorted(SEEDS.glob("*.txt")):
        (root / "seeds" / p.name).symlink_to(p)
    (root / "snn").mkdir()
    (root / "snn" / "sample.json").write_text(json.dumps(sample_records(), ensure_ascii=False), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory, corpus_dir: Path) -> Path:
    """Index directory built from the five seeds (open it with ``index.build.open_index``)."""
    from marsad.index.build import build_index
    d = tmp_path_factory.mktemp("seeds_index")
    build_index([SEEDS], d, procs=1, progress=False)
    return d


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory, sample_corpus: Path) -> Path:
    """Index directory built from the seeds + ~300 SaudiNewsNet articles (Syria-related included)."""
    from marsad.index.build import build_index
    d = tmp_path_factory.mktemp("sample_index")
    build_index([sample_corpus], d, procs=2, progress=False)
    return d
