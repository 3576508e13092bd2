"""Paths and sample data the tests share (import them from here, never from conftest).

The corpus is read in place from ``../shared/corpus`` beside the checkout, or from
``$MARSAD_CORPUS``.
"""
from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CORPUS = Path(os.environ.get("MARSAD_CORPUS", ROOT.parent / "shared" / "corpus"))
SEEDS = CORPUS / "seeds"
SNN = CORPUS / "saudinewsnet"

SAMPLE_ZIP = SNN / "2015-08-01.zip"
SAMPLE_FIRST = 200  # the first records of the zip, in file order
SAMPLE_SYRIA = 100  # plus this many more of its records that mention Syria


def sample_records() -> list[dict]:
    """A few hundred SaudiNewsNet articles (raw JSON objects): the first ones of one
    zip plus Syria-related ones from further in, chosen deterministically."""
    with zipfile.ZipFile(SAMPLE_ZIP) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".json")]
        data = json.loads(zf.read(name))
    out = data[:SAMPLE_FIRST]
    syria = [d for d in data[SAMPLE_FIRST:] if "سوري" in (d.get("title") or "") + (d.get("content") or "")]
    return out + syria[:SAMPLE_SYRIA]
