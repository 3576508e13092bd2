"""Outlet extraction: metadata ids and domains, then self-references in the text only."""
from __future__ import annotations

import pytest

from marsad.index.extract.outlet import extract_outlet, outlet_for_domain, outlet_for_id, outlets

SNN = {"aawsat": "الشرق الأوسط", "aleqtisadiya": "الاقتصادية", "aljazirah": "الجزيرة (السعودية)",
       "almadina": "المدينة", "alriyadh": "الرياض", "alwatan": "الوطن", "alweeam": "الوئام", "alyaum": "اليوم",
       "arreyadi": "الرياضي", "arriyadiyah": "الرياضية", "okaz": "عكاظ", "sabq": "سبق", "was": "واس",
       "3alyoum": "عين اليوم"}


def out(body: str, title: str = "", meta=None, url=None):
    return extract_outlet(meta or {}, url, {"title": title, "body": body})


@pytest.mark.parametrize("sid, name", sorted(SNN.items()))
def test_saudinewsnet_ids(sid, name):
    o, ev = extract_outlet({"source": sid}, None, {})
    assert o == name and ev[0].source == "metadata:source" and ev[0].match == sid


def test_domains_and_the_two_jaziras():
    assert outlet_for_domain("http://www.al-jazirah.com/2015/20150806/a.htm").name == "الجزيرة (السعودية)"
    assert outlet_for_domain("https://www.aljazeera.net/news/x").name == "الجزيرة"
    assert outlet_for_domain("https://www.enabbaladi.net/archives/1").name == "عنب بلدي"
    assert outlet_for_domain("https://example.org/") is None
    o, ev = out("", url="http://www.okaz.com.sa/new/Issues/x.htm")
    assert o == "عكاظ" and ev[0].rule == "url-domain"
    assert outlet_for_id("www.alriyadh.com").name == "الرياض"


def test_table_has_the_issue_outlets():
    names = {o.name for o in outlets()}
    assert {"عنب بلدي", "السورية نت", "نداء بوست", "الميادين", "تلفزيون سوريا", "نورث برس", "سانا", "الجزيرة",
            "العربية", "الشرق الأوسط", "RT عربي", "الأناضول"} <= names
    assert set(SNN.values()) <= names


def test_unknown_metadata_kept_as_written():
    assert out("", meta={"source": "Daily Planet"})[0] == "Daily Planet"


@pytest.mark.parametrize("body, title, expected, rule", [
    ("نص الخبر.\n\nالمصدر السورية نت\nقد يعجبك أيضا", "", "السورية نت", "source-line"),
    ("نص.\nالمصدر: عنب بلدي", "", "عنب بلدي", "source-line"),
    ('المقالات المنشورة في "نداء بوست" تعبّر عن آراء كتابها', "", "نداء بوست", "opinion-disclaimer"),
    ("صورة للمدينة - 1 أيار 2017 - (عنب بلدي)\nنص", "", "عنب بلدي", "photo-credit"),
    ("نص\nادعم عنب بلدي\nدولار واحد", "", "عنب بلدي", "donation-blurb"),
    ("وكانت مصادر خاصة الميادين نت أفادت", "", "الميادين", "exclusive-sources"),
    ("نص", "قصف على إدلب | تلفزيون سوريا", "تلفزيون سوريا", "title-suffix"),
    ("لجين الأحمدي – عين اليوم\nتسببت مزحة", "", "عين اليوم", "byline"),
])
def test_text_rules(body, title, expected, rule):
    o, ev = out(body, title)
    assert o == expected and rule in {e.rule for e in ev}
    for e in ev:
        assert {"title": title, "body": body}[e.source][e.start:e.end] == e.match


@pytest.mark.parametrize("body", [
    "وفي بيان نشرته وكالة الأناضول التركية اليوم",  # quoted agency
    "قال لوكالة نورث برس إن",  # quoted
    "وذكرت قناة العالم الإيرانية",
    "وفقاً لما نقلت قناة المملكة عنه",
    "مشهد من المدينة (الأناضول)",  # an agency photo credit says who took the photo
    "وبحسب الجزيرة فإن",
])
def test_quoted_sources_are_not_the_outlet(body):
    assert out(body) == (None, [])


def test_strongest_rule_wins():
    body = "صورة (عنب بلدي)\nنص\nالمقالات المنشورة في نداء بوست تعبر عن آراء كتابها"
    assert out(body)[0] == "نداء بوست"
