"""Facet extraction: outlet, date, provinces and actors, each value with evidence.

The one call the index builder makes::

    from marsad.index.extract import extract
    record = extract(record)   # fills outlet, date(+precision, source), provinces, actors, evidence

Unknown stays unknown (``None`` / ``[]``); every value has at least one
:class:`index.records.Evidence` (the matched string and its offsets into the
ORIGINAL title/body/url/path, or the metadata field it came from, and the rule).
The rules live in ``outlet.py``, ``dates.py``, ``places.py``, ``actors.py``; the
names, aliases and guards in the data files of ``index/data/``. Dictionaries are
built once per process on first use; SaudiNewsNet's 31k articles take well
under 30 s on one core (``bench/bench_extract.py``).

What the search layer reads of extraction is public here, so a query is read
the way the extractors read their tables: :func:`norm_words` (a name split and
normalized: ``إدْلب`` -> ``ادلب``), :func:`month_number` (``months.tsv``) and
:func:`facet_aliases` (the names a user may type for a facet value).
"""
from __future__ import annotations

from marsad.index.extract.actors import actor_evidence
from marsad.index.extract.dates import extract_date, month_number
from marsad.index.extract.entities import PROVINCES, facet_aliases, find_entities
from marsad.index.extract.matcher import norm_words
from marsad.index.extract.outlet import extract_outlet
from marsad.index.extract.places import place_evidence
from marsad.index.records import Evidence, Record

__all__ = ["extract", "PROVINCES", "MAX_EVIDENCE_PER_VALUE", "norm_words", "month_number", "facet_aliases"]

# Evidence kept per facet value: enough to explain it, bounded so a long article
# that names the US sixty times does not bloat the stored record.
MAX_EVIDENCE_PER_VALUE = 10


def _values_and_capped(ev: list[Evidence]) -> tuple[list[str], list[Evidence]]:
    values: list[str] = []
    counts: dict[str, int] = {}
    kept = []
    for e in ev:
        if e.value not in counts:
            values.append(e.value)
            counts[e.value] = 0
        if counts[e.value] < MAX_EVIDENCE_PER_VALUE:
            counts[e.value] += 1
            kept.append(e)
    return values, kept


def extract(record: Record) -> Record:
    """Fill the facets of ``record`` (in place) and return it.

    Facet fields set before the call are recomputed; raw fields are untouched.

    >>> r = extract(Record(id="x", title="غارات على الرقة", body="قالت قوات سوريا الديمقراطية ..."))
    >>> r.provinces, r.actors, r.outlet, r.date
    (['الرقة'], ['قسد'], None, None)
    """
    fields = {"title": record.title or "", "body": record.body or ""}
    meta = record.meta or {}

    outlet, outlet_ev = extract_outlet(meta, record.url, fields)

    d = extract_date(meta, fields, record.url, record.source_path)

    matches = {k: find_entities(v) for k, v in fields.items()}
    provinces, prov_ev = _values_and_capped(place_evidence(fields, matches))
    actors, actor_ev = _values_and_capped(actor_evidence(fields, matches))

    record.outlet = outlet
    if d is None:
        record.date = record.date_precision = record.date_source = None
        date_ev: list[Evidence] = []
    else:
        record.date, record.date_precision, record.date_source = d.date, d.precision, d.source
        date_ev = list(d.evidence)
    record.provinces = provinces
    record.actors = actors
    record.evidence = [*outlet_ev, *date_ev, *prov_ev, *actor_ev]
    return record
