"""Helpers for the extraction tests: seed and SaudiNewsNet records read in place."""
from __future__ import annotations

import json
import zipfile
from functools import cache
from pathlib import Path

from marsad.index.records import Evidence, Record

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def seed_record(name: str, corpus: Path = CORPUS) -> Record:
    """A seed as the .txt reader builds it: title = first non-empty line, body = the rest."""
    text = (corpus / "seeds" / name).read_text(encoding="utf-8")
    lines = text.split("\n")
    i = next(k for k, ln in enumerate(lines) if ln.strip())
    return Record(id=name, title=lines[i].strip(), body="\n".join(lines[i + 1:]), source_path=f"seeds/{name}")


@cache
def _zip_records(zip_name: str, corpus: Path = CORPUS) -> tuple[dict, ...]:
    with zipfile.ZipFile(corpus / "saudinewsnet" / zip_name) as z:
        return tuple(json.loads(z.read(z.namelist()[0])))


def snn_record(zip_name: str, url: str, corpus: Path = CORPUS) -> Record:
    """A SaudiNewsNet article by URL, with the metadata the reader keeps."""
    for i, r in enumerate(_zip_records(zip_name, corpus)):
        if r["url"] == url:
            return Record(id=url, title=r["title"] or "", body=r["content"] or "", url=url,
                          source_path=f"saudinewsnet/{zip_name}!{zip_name[:-4]}.json#{i}",
                          meta={"source": r["source"], "date": r["date_extracted"], "date_field": "date_extracted",
                                "url": url})
    raise KeyError(url)


def check_evidence(rec: Record) -> None:
    """Every value has evidence; every evidence's offsets point at its match."""
    fields = {"title": rec.title, "body": rec.body, "url": rec.url or "", "path": rec.source_path}
    for e in rec.evidence:
        assert isinstance(e, Evidence)
        if e.start is not None:
            assert fields[e.source][e.start:e.end] == e.match, e
        else:
            assert e.source.startswith("metadata:"), e
    values = {(e.facet, e.value) for e in rec.evidence}
    for p in rec.provinces:
        assert ("province", p) in values
    for a in rec.actors:
        assert ("actor", a) in values
    if rec.outlet:
        assert ("outlet", rec.outlet) in values
    if rec.date:
        assert ("date", rec.iso_date()) in values
