"""Shared fixtures. The corpus is read in place from ../shared/corpus."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # running from a checkout without `pip install -e`
    sys.path.insert(0, str(ROOT))

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
