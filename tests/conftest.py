"""Shared fixtures. The corpus is read in place from ../shared/corpus."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from marsad.web import create_app

from corpus_support import CORPUS, SEEDS, sample_records


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


# ---- the web app: one factory, and the app over the shared web test index -------------------

@pytest.fixture(scope="session")
def make_app():
    """``make_app(index_dir, **config)``: the Flask app over ``index_dir``, in testing mode."""
    def make(index_dir: Any, **config: Any) -> Flask:
        return create_app({"INDEX": str(index_dir), "TESTING": True, **config})
    return make


@pytest.fixture(scope="session")
def app(make_app) -> Flask:
    """The app over the web tests' index (tests/web_support.py: seeds + a SaudiNewsNet sample)."""
    from web_support import web_index_dir
    return make_app(web_index_dir())


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def searcher():
    """A searcher over the search tests' index (tests/search_support.py: seeds + a SaudiNewsNet sample).

    Tests over another index (``sample_index``, their own build) define their own ``searcher``."""
    from marsad.search.service import open_searcher

    from search_support import search_index
    s = open_searcher(search_index()[0])
    yield s
    s.close()
