"""Date extraction: metadata, URL, the publication date in the text, file names, tweets."""
from __future__ import annotations

from datetime import date

import pytest

from marsad.index.extract.dates import (
    date_from_metadata,
    date_from_path,
    date_from_text,
    date_from_url,
    extract_date,
    tweet_time,
)


def text_date(body: str, title: str = ""):
    r = date_from_text({"title": title, "body": body})
    return None if r is None else (r.date, r.precision, r.source)


def test_metadata_formats():
    assert date_from_metadata({"date_extracted": "2015-08-06 01:00:00"}).date == date(2015, 8, 6)
    r = date_from_metadata({"date": "2015-07-21 10:00:00", "date_field": "date_extracted"})
    assert (r.date, r.precision, r.source) == (date(2015, 7, 21), "day", "metadata")
    assert r.evidence[0].source == "metadata:date_extracted"
    assert date_from_metadata({"published": "٢٠١٥-٠٧-٢١"}).date == date(2015, 7, 21)
    assert date_from_metadata({"date": "21/07/2015"}).date == date(2015, 7, 21)
    r = date_from_metadata({"date": "2015-07"})
    assert (r.date, r.precision) == (date(2015, 7, 1), "month")
    assert date_from_metadata({"date": "not a date"}) is None
    assert date_from_metadata({"date": "2015-13-45"}) is None


@pytest.mark.parametrize("body, expected", [
    # today-anchored, year written
    ("وقال اليوم الخميس 6 آب 2015 إن", (date(2015, 8, 6), "day", "text")),
    # all month systems, Arabic-Indic digits
    ("نشر في ٢١ يوليو ٢٠١٥", (date(2015, 7, 21), "day", "text")),
    ("تاريخ النشر: 3 جويلية 2015", (date(2015, 7, 3), "day", "text")),
    ("نشر بتاريخ 12 أغسطس 2015", (date(2015, 8, 12), "day", "text")),
    ("نشر بتاريخ 12 اغسطس 2015", (date(2015, 8, 12), "day", "text")),
    ("آخر تحديث 5 أوت 2015", (date(2015, 8, 5), "day", "text")),
    ("نشر في 1 تشرين الأول 2019", (date(2019, 10, 1), "day", "text")),
    ("نشر في 1 تشرين الثاني 2019", (date(2019, 11, 1), "day", "text")),
    # combined forms and ordinals
    ("نشر في الثالث من تموز/ يوليو 2015", (date(2015, 7, 3), "day", "text")),
    ("نشر في الحادي والعشرين من أغسطس (آب) 2015", (date(2015, 8, 21), "day", "text")),
    # a dateline: a short line that is a date
    ("دمشق - 12 شباط 2016\nقال مسؤول إن القصف استمر", (date(2016, 2, 12), "day", "text")),
    # weekday fixes the year, from the latest year the text mentions
    ("في أيار 2017 بدأت. اليوم، الثلاثاء 9 كانون الثاني، أكدت", (date(2018, 1, 9), "day", "inferred")),
    # yesterday-anchored: published the day after
    ("في 2015 ... وقال أمس الأحد 2 آب إن", (date(2015, 8, 3), "day", "inferred")),
])
def test_publication_date_in_text(body, expected):
    assert text_date(body) == expected


@pytest.mark.parametrize("body", [
    "بدأت الحملة في أيلول 2014 ضد التنظيم",  # an event's date, not the publication date
    "وفي 8 من شباط الحالي حذر",  # no year
    "اليوم الخميس أعلن",  # weekday alone
    "اليوم، الثلاثاء 9 كانون الثاني، أكدت",  # weekday + day + month but no year to start from
    "بعد 19 عاماً على هجمات 11 أيلول/سبتمبر",  # arithmetic is not a date
    "قال الأب إن آب وصل",  # آب alone
    "كان يمارس مارس الرياضة",
])
def test_never_invented(body):
    assert text_date(body) is None


def test_tweet_id():
    assert tweet_time(1691438931974254592).date() == date(2023, 8, 15)
    r = extract_date({}, {"title": "", "body": "https://twitter.com/jusoorstudies/status/1691438931974254592?t=x"})
    assert (r.date, r.precision, r.source) == (date(2023, 8, 15), "day", "inferred")
    assert r.evidence[0].rule == "tweet-id-lower-bound"
    # the tweet also sets the year floor for a weekday-anchored date
    body = ("اليوم، الثلاثاء 15 آب أكدت\nhttps://x.com/a/status/1691438931974254592")
    r = extract_date({}, {"body": body})
    assert (r.date, r.source) == (date(2023, 8, 15), "inferred") and "weekday" in r.evidence[0].rule


def test_file_name_and_url():
    r = date_from_path("saudinewsnet/2015-07-21.zip!2015-07-21.json#3")
    assert (r.date, r.source) == (date(2015, 7, 21), "inferred")
    assert date_from_path("dump/news_20210314_0930.txt").date == date(2021, 3, 14)
    assert date_from_path("seeds/000_e12dae8010189e53.txt") is None
    r = date_from_url("http://www.aleqt.com/2015/07/31/article_977676.html")
    assert (r.date, r.precision) == (date(2015, 7, 31), "day")
    assert date_from_url("http://www.alriyadh.com/1066789") is None


def test_order_of_trust():
    fields = {"body": "نشر في 1 أيار 2016"}
    assert extract_date({"date": "2015-07-21"}, fields).source == "metadata"
    assert extract_date({}, fields, source_path="x/2014-01-01.txt").date == date(2016, 5, 1)
    assert extract_date({}, {"body": "لا تاريخ"}, source_path="x/2014-01-01.txt").date == date(2014, 1, 1)
    assert extract_date({}, {"body": "لا تاريخ"}) is None
