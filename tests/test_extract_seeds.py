"""The five seed articles: every facet value their text determines, null where it does not.

Expected values were written by reading the texts (see the comments), not by
running the extractor.
"""
from __future__ import annotations

from datetime import date

import pytest

from marsad.index.extract import extract

from extract_support import check_evidence, seed_record

SEEDS = {
    # "المصدر السورية نت" closes the text. No year anywhere: no date.
    # الحسكة (+ القامشلي، تل البيدر، قصرك); دير الزور (+ حقل العمر، كونيكو، الميادين، البوكمال).
    # Actors: التحالف الدولي; US (واشنطن، القوات الأمريكية، البنتاغون ...); تنظيم "الدولة الإسلامية"/داعش;
    # قوات سوريا الديمقراطية; إيران (مدعومة من إيران، الميليشيات الإيرانية); أفغانستان and العراق by name.
    # "مصدر عسكري سوري" is a quoted source, not the regime; "قناة العالم الإيرانية" is media.
    "000_e12dae8010189e53.txt": dict(
        outlet="السورية نت", date=None, provinces={"الحسكة", "دير الزور"},
        actors={"التحالف الدولي", "الولايات المتحدة", "تنظيم الدولة الإسلامية", "قسد", "إيران", "أفغانستان",
                "العراق"}),
    # No self-reference ("لوكالة نورث برس" is quoted). "8 من شباط الحالي", no year: no date.
    # الحسكة and عين ديوار. Actors: التحالف الدولي; داعش; قسد; الوحدات الكردية -> YPG; القيادة المركزية
    # الأمريكية / واشنطن / القوات الأميركية -> US; روسيا; الناتو; النفوذ الإيراني -> إيران; العراق.
    "001_14717baeb95f515f.txt": dict(
        outlet=None, date=None, provinces={"الحسكة"},
        actors={"التحالف الدولي", "تنظيم الدولة الإسلامية", "قسد", "وحدات حماية الشعب", "الولايات المتحدة",
                "روسيا", "حلف الناتو", "إيران", "العراق"}),
    # Footer: المقالات المنشورة في "نداء بوست" تعبّر عن آراء كتابها. Tweet 1691438931974254592 -> 2023-08-15
    # (article on or after: inferred). الرقة، الحسكة، دير الزور، حلب، حمص، ريف دمشق (not دمشق).
    # Actors: US, داعش, العراق, أفغانستان, روسيا, التحالف الدولي, إيران (لإيران، النفوذ الإيراني), تركيا.
    "002_85a45c802362d255.txt": dict(
        outlet="نداء بوست", date=(date(2023, 8, 15), "day", "inferred"),
        provinces={"الرقة", "الحسكة", "دير الزور", "حلب", "حمص", "ريف دمشق"},
        actors={"الولايات المتحدة", "تنظيم الدولة الإسلامية", "العراق", "أفغانستان", "روسيا", "التحالف الدولي",
                "إيران", "تركيا"}),
    # Photo credit "(عنب بلدي)" and "ادعم عنب بلدي"; "وكالة الأناضول" is quoted. "اليوم، الثلاثاء 9 كانون
    # الثاني" with 2017 the latest year mentioned -> 2018-01-09 (a Tuesday). Provinces: الغنامة/الدرباسية
    # and الحسكة; الرقة; التنف -> حمص; دير الزور; حلب. "الحدود السورية- الأردنية" and "الحدود السورية
    # التركية" give no province and no actor. Actors: التحالف الدولي (+ عملية العزم الصلب); US; النظام
    # السوري; تنظيم الدولة; مغاوير الثورة; الجيش الحر; قسد; pyd; روسيا (الخارجية الروسية، موسكو).
    "003_74dcb96717c844b5.txt": dict(
        outlet="عنب بلدي", date=(date(2018, 1, 9), "day", "inferred"),
        provinces={"الحسكة", "الرقة", "حمص", "دير الزور", "حلب"},
        actors={"التحالف الدولي", "الولايات المتحدة", "النظام السوري", "تنظيم الدولة الإسلامية", "مغاوير الثورة",
                "الجيش السوري الحر", "قسد", "حزب الاتحاد الديمقراطي", "روسيا"}),
    # "مصادر خاصة الميادين نت": the outlet's own sources. "صباح الثلاثاء" without a date; "11 أيلول/سبتمبر"
    # is 2001 by arithmetic only: no date. رميلان، اليعربية، خراب الجير، المالكية، سيمالكا -> الحسكة
    # ("الميادين نت" is the outlet, not the town). Actors: التحالف الدولي; قسد; داعش; الدوريات الروسية
    # والأميركية -> روسيا + US; العراق; أفغانستان; تنظيم القاعدة. "تنسيق روسي أميركي" alone would not count.
    "004_326be18aff7031d0.txt": dict(
        outlet="الميادين", date=None, provinces={"الحسكة"},
        actors={"التحالف الدولي", "قسد", "تنظيم الدولة الإسلامية", "روسيا", "الولايات المتحدة", "العراق",
                "أفغانستان", "تنظيم القاعدة"}),
}


@pytest.fixture(scope="module")
def extracted(corpus_dir):
    return {name: extract(seed_record(name, corpus_dir)) for name in SEEDS}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_facets(extracted, name):
    r, exp = extracted[name], SEEDS[name]
    assert r.outlet == exp["outlet"]
    if exp["date"] is None:
        assert (r.date, r.date_precision, r.date_source) == (None, None, None)
    else:
        assert (r.date, r.date_precision, r.date_source) == exp["date"]
    assert set(r.provinces) == exp["provinces"]
    assert set(r.actors) == exp["actors"]
    check_evidence(r)


def test_seed_evidence_details(extracted):
    r = extracted["003_74dcb96717c844b5.txt"]
    date_ev = [e for e in r.evidence if e.facet == "date"]
    assert date_ev[0].match == "الثلاثاء 9 كانون الثاني" and "weekday" in date_ev[0].rule
    outlet_rules = {e.rule for e in r.evidence if e.facet == "outlet"}
    assert outlet_rules == {"photo-credit", "donation-blurb"}
    r2 = extracted["002_85a45c802362d255.txt"]
    assert [e.rule for e in r2.evidence if e.facet == "date"] == ["tweet-id-lower-bound"]
    r4 = extracted["004_326be18aff7031d0.txt"]
    assert [e.match for e in r4.evidence if e.facet == "outlet"] == ["الميادين نت"]
    assert "الميادين" not in {e.match for e in r4.evidence if e.facet == "province"}
    # the coordinated adjective is the evidence for the US in "الدوريات الروسية والأميركية"
    assert any(e.rule == "head+coordinated-adjective" and e.match == "الأميركية" for e in r4.evidence)


def test_extract_is_idempotent(corpus_dir):
    r = seed_record("000_e12dae8010189e53.txt", corpus_dir)
    a = extract(r)
    snapshot = (a.outlet, a.date, list(a.provinces), list(a.actors), list(a.evidence))
    b = extract(a)
    assert (b.outlet, b.date, b.provinces, b.actors, b.evidence) == snapshot
