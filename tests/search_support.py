"""A small, fully controlled index for the search tests.

The seeds plus a sample of SaudiNewsNet (read in place with
``index.sources.read_corpus``), written with the real schema and analyzers.
Facet values come from a tiny gazetteer here, NOT from ``index.extract``, so
that the search tests check search (and their expectations do not move when
the extractors improve). Two records are added on purpose: a syndicated copy
of a seed under another outlet, and a diacritized article for highlighting.
"""
from __future__ import annotations

import os
import re
import tempfile
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from whoosh import index as windex

from marsad.analyzers import analyze
from marsad.index.build import record_to_doc
from marsad.index.records import Record
from marsad.index.schema import build_schema
from marsad.index.segwriter import make_codec
from marsad.index.sources import read_corpus

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
SAMPLE_ZIPS = ("2015-07-21.zip", "2015-08-01.zip")
SAMPLE_EVERY = 3  # every third article of each zip

OUTLETS = {"aawsat": "الشرق الأوسط", "sabq": "سبق", "okaz": "عكاظ", "alriyadh": "الرياض",
           "aljazirah": "الجزيرة", "alyaum": "اليوم", "alwatan": "الوطن", "almadina": "المدينة",
           "almarsd": "المرصد", "alsharq": "الشرق", "makkah": "مكة", "ajel": "عاجل",
           "alweeam": "الوئام", "alhayat": "الحياة"}
PLACES = {"إدلب": ["إدلب"], "حلب": ["حلب"], "الحسكة": ["الحسكة"], "دير الزور": ["دير الزور"],
          "دمشق": ["دمشق"], "حمص": ["حمص"], "الرقة": ["الرقة"], "درعا": ["درعا"]}
ACTORS = {"داعش": ["داعش", "تنظيم الدولة"], "التحالف الدولي": ["التحالف الدولي"],
          "حزب الله": ["حزب الله"], "قوات سوريا الديمقراطية": ["قسد", "قوات سوريا الديمقراطية"],
          "الحوثيون": ["الحوثي", "الحوثيين", "الحوثيون"]}

DIACRITIZED = Record(
    id="test-diacritized", title="القُوّاتُ الأَمْرِيكِيَّةُ فِي سُورِيَا",
    body=("أَعْلَنَتِ القُوّاتُ الأَمْرِيكِيَّةُ، اليَوْمَ، انْسِحَابَهَا مِنْ قَاعِدَةٍ فِي الحَسَكَةِ. "
          "وَقَالَ مُتَحَدِّثٌ إِنَّ السُّورِيِّينَ <b>يُرَحِّبُونَ</b> بِالقَرَارِ & المَزِيدِ؟ "
          "وَأَضَافَ أَنَّ لِـسوريا مُسْتَقْبَلًا آخَرَ."),
)


def _stem_seq(text: str) -> list[str]:
    return [t["text"] for t in analyze(text, "stem")]


def _has(doc: list[str], name: str) -> bool:
    pat = _stem_seq(name)
    n = len(pat)
    return any(doc[i:i + n] == pat for i in range(len(doc) - n + 1)) if n else False


def facets_for(r: Record) -> Record:
    src = r.meta.get("source")
    r.outlet = OUTLETS.get(src, src) if src else None
    if r.meta.get("date"):
        r.date = datetime.strptime(r.meta["date"][:10], "%Y-%m-%d").date()
        r.date_precision, r.date_source = "day", "metadata"
    doc = _stem_seq(f"{r.title}\n{r.body}")
    r.provinces = [p for p, names in PLACES.items() if any(_has(doc, n) for n in names)]
    r.actors = [a for a, names in ACTORS.items() if any(_has(doc, n) for n in names)]
    return r


def sample_records() -> list[Record]:
    recs: list[Record] = []
    for r in read_corpus([CORPUS / "seeds"]):
        recs.append(facets_for(r))
    # seed 003 speaks of "1 أيار 2017": a month-precision date; the other seeds have none
    recs[3].date, recs[3].date_precision, recs[3].date_source = date(2017, 5, 1), "month", "text"
    copy = Record(id="test-copy-of-001", title=recs[1].title, body=recs[1].body, outlet="عنب بلدي")
    recs.append(facets_for(copy))
    recs[-1].outlet = "عنب بلدي"
    recs.append(facets_for(DIACRITIZED))
    recs[-1].outlet, recs[-1].date, recs[-1].date_precision = "عنب بلدي", date(2016, 3, 5), "day"
    for z in SAMPLE_ZIPS:
        for i, r in enumerate(read_corpus([CORPUS / "saudinewsnet" / z])):
            if i % SAMPLE_EVERY == 0:
                recs.append(facets_for(r))
    return recs


def write_index(records: list[Record], index_dir: Path) -> windex.Index:
    ix = windex.create_in(str(index_dir), build_schema())
    first_of: dict[str, str] = {}
    w = ix.writer(limitmb=256, codec=make_codec())  # Whoosh's own writer, Marsad's codec
    for r in records:
        h = r.content_hash
        dup = first_of.setdefault(h, r.id)
        # the builder's own record -> document mapping, so the test index has the real field values
        w.add_document(**record_to_doc(r, h, "" if dup == r.id else dup, "test"))
    w.commit()
    return ix


@lru_cache(maxsize=1)
def search_index() -> tuple[windex.Index, tuple[Record, ...]]:
    """(index, records) built once per test process."""
    recs = sample_records()
    cache = os.environ.get("MARSAD_SEARCH_TEST_INDEX")  # developer shortcut: reuse a built index
    if cache and windex.exists_in(cache):
        return windex.open_dir(cache), tuple(recs)
    d = Path(cache) if cache else Path(tempfile.mkdtemp(prefix="marsad-search-test-"))
    d.mkdir(parents=True, exist_ok=True)
    return write_index(recs, d), tuple(recs)


def plain(html_text: str) -> str:
    return re.sub(r"<[^>]+>", "", html_text)
