"""The "date" facet: when an article was published, with precision, source and evidence.

Order of trust (the first that gives a date wins):

1. ``metadata``: a date field of the record (``date_publish``, ``published``,
   ``date``, ... ``date_extracted``), precision as written (day / month / year).
2. ``inferred`` from the record's URL: ``/2015/07/21/`` or ``/2015/07/``.
3. THE publication date written in the text. A text mentions many dates, most of
   them events (``في أيلول 2014`` = when a campaign began, a photo caption's date);
   only these say "published on":
   * a date anchored on today: ``اليوم، الثلاثاء 9 كانون الثاني`` (or on yesterday:
     ``أمس الأحد 8 شباط`` -> the day after);
   * a date after a publication word (``نشر في``، ``تاريخ النشر``، ``آخر تحديث``);
   * a dateline: a short line (at most 60 characters, at most 20 of them not the
     date: ``دمشق - 12 شباط 2016``) in the title, the first 300 characters of the
     body or its last two lines.
   When such a date lacks its year, a weekday written with it fixes the year:
   the first year, from the latest year the text mentions onwards (a text speaks
   of its past), in which that day falls on that weekday (``الثلاثاء 9 كانون
   الثاني`` with 2017 mentioned -> 2018-01-09). No weekday or no year to start
   from: no date. Source ``text`` when the year is written, else ``inferred``.
4. ``inferred`` from a date in the file name (``2015-07-21.json``, ``..._20210314...``).
5. ``inferred`` from Twitter/X status links in the text: a status id encodes its
   time, ``(id >> 22) + 1288834974657`` ms since the epoch. An article that quotes
   a tweet was published ON OR AFTER it, so the latest tweet's day is a LOWER
   BOUND: the facet shows that day (precision day, source ``inferred``, rule
   ``tweet-id-lower-bound``) and the evidence says so. A researcher filtering on
   dates should read ``inferred`` as "not earlier than".

Never invented: no rule, no date. Month names of all systems (Levantine/Iraqi,
Egyptian/Gulf, Maghrebi) come from ``index/data/months.tsv``; weekdays from
``weekdays.tsv``; ordinal days (``الثالث من تموز``) from ``pyarabic.number``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import date as Date
from functools import lru_cache

import pyarabic.number

from marsad.analyzers.normalize import fold_digits, normalize
from marsad.analyzers.tokenizers import WORD_RE
from marsad.index.extract.data import read_table, split_list
from marsad.index.extract.matcher import norm_words
from marsad.index.records import Evidence, iso_date

__all__ = ["month_number", "DateResult", "extract_date", "date_from_metadata", "date_from_url", "date_from_text",
           "date_from_path", "date_from_tweets", "tweet_time", "METADATA_DATE_KEYS"]

METADATA_DATE_KEYS = ("date_publish", "date_published", "published", "publication_date", "pubdate",
                      "date", "datetime", "published_at", "created_at", "created", "timestamp",
                      "date_modify", "date_extracted", "date_download")

_D = "[0-9\u0660-\u0669\u06f0-\u06f9]"
_ISO_RE = re.compile(rf"^\s*({_D}{{4}})(?:[-/.]({_D}{{1,2}})(?:[-/.]({_D}{{1,2}}))?)?(?:[T\s].*)?$")
_DMY_RE = re.compile(rf"^\s*({_D}{{1,2}})[-/.]({_D}{{1,2}})[-/.]({_D}{{4}})(?:\s.*)?$")
_NUM_DATE_RE = re.compile(
    rf"(?<!{_D})(?:({_D}{{4}})[-/.]({_D}{{1,2}})[-/.]({_D}{{1,2}})|({_D}{{1,2}})[-/.]({_D}{{1,2}})[-/.]({_D}{{4}}))(?!{_D})")
_PATH_DATE_RE = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")
_URL_DATE_RE = re.compile(r"/(19[5-9]\d|20[0-4]\d)/(0?[1-9]|1[0-2])/(?:(0?[1-9]|[12]\d|3[01])/)?")
_TWEET_RE = re.compile(r"(?:twitter|x)\.com/(?:[A-Za-z0-9_]+|i/web)/status(?:es)?/(\d{15,20})")
TWITTER_EPOCH_MS = 1288834974657


@dataclass(frozen=True)
class DateResult:
    date: Date
    precision: str  # day | month | year
    source: str  # metadata | text | inferred
    evidence: tuple[Evidence, ...]


def _today() -> Date:
    return datetime.now(UTC).date()


def _mk(y: int, m: int | None, d: int | None) -> Date | None:
    try:
        return Date(y, m or 1, d or 1)
    except ValueError:
        return None


# --- metadata --------------------------------------------------------------------

def _parse_meta_date(value: str) -> tuple[Date, str] | None:
    v = fold_digits(str(value)).strip()
    if not v:
        return None
    if v.isdigit() and len(v) in (10, 13):  # a Unix timestamp, in s or ms
        try:
            t = datetime.fromtimestamp(int(v) / (1000 if len(v) == 13 else 1), UTC)
            return t.date(), "day"
        except (OverflowError, OSError, ValueError):
            return None
    m = _ISO_RE.match(v)
    if m:
        y, mo, d = int(m.group(1)), m.group(2), m.group(3)
        dt = _mk(y, int(mo) if mo else None, int(d) if d else None)
        if dt and 1900 <= y <= _today().year + 1:
            return dt, "day" if d else "month" if mo else "year"
    m = _DMY_RE.match(v)
    if m:
        dt = _mk(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if dt:
            return dt, "day"
    return None


def date_from_metadata(meta: dict[str, str]) -> DateResult | None:
    """The first parseable date among the metadata fields (``METADATA_DATE_KEYS`` order).

    >>> date_from_metadata({"date_extracted": "2015-08-06 01:00:00"}).date
    datetime.date(2015, 8, 6)
    """
    lower = {str(k).lower(): v for k, v in meta.items()}
    for key in METADATA_DATE_KEYS:
        v = lower.get(key)
        if v is None:
            continue
        parsed = _parse_meta_date(v)
        if parsed:
            d, prec = parsed
            iso = iso_date(d, prec)
            # index.sources files the raw date under "date" and names its field in "date_field"
            name = lower.get("date_field", key) if key == "date" else key
            return DateResult(d, prec, "metadata", (Evidence("date", iso, f"metadata:{name}", str(v),
                                                             None, None, "metadata"),))
    return None


# --- url, path, tweets ---------------------------------------------------------------

def date_from_url(url: str | None) -> DateResult | None:
    """A ``/YYYY/MM/DD/`` (or ``/YYYY/MM/``) segment of the record's URL."""
    if not url:
        return None
    m = _URL_DATE_RE.search(url)
    if not m:
        return None
    d = _mk(int(m.group(1)), int(m.group(2)), int(m.group(3)) if m.group(3) else None)
    if not d or d > _today():
        return None
    prec = "day" if m.group(3) else "month"
    return DateResult(d, prec, "inferred", (Evidence("date", iso_date(d, prec), "url", m.group(0), m.start(),
                                                     m.end(), "url-date"),))


def date_from_path(path: str) -> DateResult | None:
    """A ``YYYY-MM-DD`` / ``YYYYMMDD`` date in the record's file path (the LAST one)."""
    if not path:
        return None
    found = None
    for m in _PATH_DATE_RE.finditer(path):
        d = _mk(int(m.group(1)), int(m.group(3)), int(m.group(4)))
        if d and d <= _today():
            found = (d, m)
    if not found:
        return None
    d, m = found
    return DateResult(d, "day", "inferred", (Evidence("date", d.isoformat(), "path", m.group(0), m.start(),
                                                      m.end(), "file-name-date"),))


def tweet_time(status_id: int) -> datetime:
    """When a Twitter/X status was posted (UTC), from its snowflake id.

    >>> tweet_time(1691438931974254592).date()
    datetime.date(2023, 8, 15)
    """
    return datetime.fromtimestamp(((status_id >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


def date_from_tweets(fields: dict[str, str]) -> DateResult | None:
    """Lower bound from the latest Twitter/X status linked in the fields."""
    best = None
    for src, text in fields.items():
        if not text or "status" not in text:
            continue
        for m in _TWEET_RE.finditer(text):
            t = tweet_time(int(m.group(1)))
            if not (datetime(2010, 11, 4, tzinfo=UTC) <= t <= datetime.now(UTC)
                    + timedelta(days=1)):
                continue  # not a snowflake id (pre-2010 ids are sequential)
            if best is None or t > best[0]:
                best = (t, src, m)
    if not best:
        return None
    t, src, m = best
    d = t.date()
    return DateResult(d, "day", "inferred", (Evidence("date", d.isoformat(), src, m.group(1), m.start(1),
                                                      m.end(1), "tweet-id-lower-bound"),))


# --- text --------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _months() -> dict[tuple[str, ...], int]:
    out: dict[tuple[str, ...], int] = {}
    for num, names in read_table("months.tsv", 2):
        for n in split_list(names):
            out.setdefault(tuple(norm_words(n)), int(num))
    return out


def month_number(words: tuple[str, ...] | list[str]) -> int | None:
    """1..12 for a month name given as normalized words (``months.tsv``), else None.

    >>> month_number(["تموز"]), month_number(["كانون", "الثاني"]), month_number(["july"])
    (7, 1, 7)
    """
    return _months().get(tuple(words))


@lru_cache(maxsize=1)
def _weekdays() -> dict[str, int]:
    out: dict[str, int] = {}
    for num, names in read_table("weekdays.tsv", 2):
        for n in split_list(names):
            out.setdefault(normalize(n), int(num))
    return out


@lru_cache(maxsize=1)
def _ordinals() -> dict[tuple[str, ...], int]:
    """Ordinal day phrases (normalized words) -> 1..31, from pyarabic's number words."""
    out: dict[tuple[str, ...], int] = {("الاول",): 1}
    for n in range(1, 32):
        phrase = pyarabic.number.number2ordinal(n)
        variants = {phrase, phrase.replace("ون", "ين")}  # nominative and genitive: العشرون/العشرين
        if n in (1, 11, 21, 31):
            variants |= {v.replace("الحادي", "الواحد") for v in variants}
        for v in variants:
            out.setdefault(tuple(norm_words(v)), n)
    return out


_PUBLISH_WORDS = frozenset(normalize(w) for w in "نشر نشرت النشر تحديث التحديث published updated".split())
_DIGITS_SPLIT = re.compile(r"[0-9\u0660-\u0669\u06f0-\u06f9]+|[^0-9\u0660-\u0669\u06f0-\u06f9]+")


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """(normalized word, start, end), digits split from letters (``يوليو2015``)."""
    out = []
    for m in WORD_RE.finditer(text):
        w = m.group()
        if any(c.isdigit() for c in w) and not w.isdigit():
            for p in _DIGITS_SPLIT.finditer(w):
                n = normalize(p.group())
                if n:
                    out.append((n, m.start() + p.start(), m.start() + p.end()))
        else:
            n = normalize(w)
            if n:
                out.append((n, m.start(), m.end()))
    return out


@dataclass
class _Mention:
    start: int
    end: int
    day: int | None
    month: int
    year: int | None
    weekday: int | None = None
    anchor: str | None = None  # "today" | "yesterday" | "published"
    tok_start: int = 0


def _year_of(tok: str) -> int | None:
    if len(tok) == 4 and tok.isdigit():
        y = int(tok)
        if 1950 <= y <= _today().year + 1:
            return y
    return None


def _mentions(text: str, toks: list[tuple[str, int, int]]) -> list[_Mention]:
    months, ordinals, weekdays = _months(), _ordinals(), _weekdays()
    out: list[_Mention] = []
    i, n = 0, len(toks)
    while i < n:
        mo, width = None, 0
        for w in (2, 1):
            key = tuple(t[0] for t in toks[i:i + w])
            if len(key) == w and key in months:
                mo, width = months[key], w
                break
        if mo is None:
            i += 1
            continue
        j = i + width  # after the month
        # a second name of the same month: "تموز/ يوليو", "أغسطس (آب)"
        for w in (2, 1):
            key = tuple(t[0] for t in toks[j:j + w])
            if len(key) == w and months.get(key) == mo and toks[j][1] - toks[j - 1][2] <= 4:
                j += w
                break
        year = None
        k = j
        if k < n and toks[k][0] in ("عام", "سنه", "العام") :
            k += 1
        if k < n and (y := _year_of(toks[k][0])) and toks[k][1] - toks[k - 1][2] <= 3:
            year = y
            j = k + 1
        # the day before the month: "9 كانون الثاني", "8 من شباط", "الثالث من تموز"
        day, start_tok = None, i
        b = i - 1
        if b >= 0 and toks[b][0] == "من":
            b -= 1
        if b >= 0 and toks[b][0].isdigit() and 1 <= int(toks[b][0]) <= 31 and toks[b + 1][1] - toks[b][2] <= 3:
            day, start_tok = int(toks[b][0]), b
        else:
            for w in (2, 1):
                key = tuple(t[0] for t in toks[max(b - w + 1, 0):b + 1])
                if b - w + 1 >= 0 and key in ordinals:
                    day, start_tok = ordinals[key], b - w + 1
                    break
        if day is None and year is None:
            i = j
            continue  # "آب" alone (also "father"), "مارس" alone (also "he practised")
        if day is not None and not _mk(year or 2000, mo, day):
            i = j
            continue
        men = _Mention(toks[start_tok][1], toks[j - 1][2], day, mo, year, tok_start=start_tok)
        # weekday and anchor before the day: "اليوم، الثلاثاء 9 ..."
        p = start_tok - 1
        if p >= 0 and toks[p][0] in weekdays and toks[p + 1][1] - toks[p][2] <= 4:
            men.weekday = weekdays[toks[p][0]]
            men.start = toks[p][1]
            p -= 1
        if p >= 0 and toks[p + 1][1] - toks[p][2] <= 4:
            if toks[p][0] in ("اليوم", "يوم") and (toks[p][0] == "اليوم" or men.weekday is not None):
                men.anchor = "today" if toks[p][0] == "اليوم" else None
            elif toks[p][0] == "امس":
                men.anchor = "yesterday"
        if men.anchor is None:
            window = {t[0] for t in toks[max(0, p - 3):p + 1]}
            if window & _PUBLISH_WORDS:
                men.anchor = "published"
        out.append(men)
        i = j
    # numeric dates: 2015-07-21, 21/7/2015
    for m in _NUM_DATE_RE.finditer(text):
        g = [fold_digits(x) if x else None for x in m.groups()]
        y, mo, d = (g[0], g[1], g[2]) if g[0] else (g[5], g[4], g[3])
        if _mk(int(y), int(mo), int(d)) and _year_of(y):
            out.append(_Mention(m.start(), m.end(), int(d), int(mo), int(y)))
    return out


def _latest_year(toks: list[tuple[str, int, int]]) -> int | None:
    years = []
    for idx, (t, _s, _e) in enumerate(toks):
        y = _year_of(t)
        if y and not (idx + 1 < len(toks) and toks[idx + 1][0] in ("ه", "هـ")):
            years.append(y)
    return max(years) if years else None


def _resolve_year(men: _Mention, floor: int | None) -> int | None:
    if men.year is not None:
        return men.year
    if men.weekday is None or floor is None or men.day is None:
        return None
    for y in range(floor, min(floor + 11, _today().year + 1) + 1):
        d = _mk(y, men.month, men.day)
        if d and d.weekday() == men.weekday:
            return y
    return None


def _line_of(text: str, pos: int) -> tuple[int, int]:
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", pos)
    return a, (len(text) if b == -1 else b)


def date_from_text(fields: dict[str, str], floor_year: int | None = None) -> DateResult | None:
    """THE publication date written in ``fields`` (``{"title": ..., "body": ...}``), if any.

    ``floor_year`` (e.g. from a tweet) is a year the article cannot precede.

    >>> r = date_from_text({"body": "في أيار 2017. وقال اليوم، الثلاثاء 9 كانون الثاني، إن"})
    >>> (r.date.isoformat(), r.precision, r.source)
    ('2018-01-09', 'day', 'inferred')
    """
    candidates: list[tuple[int, str, _Mention, str]] = []  # (rank, field, mention, rule)
    floor = floor_year
    per_field = {}
    for src, text in fields.items():
        if not text:
            continue
        toks = _tokens(text)
        per_field[src] = (text, toks)
        ly = _latest_year(toks)
        if ly and (floor is None or ly > floor):
            floor = ly
    for src, (text, toks) in per_field.items():
        lines = text.rstrip().split("\n")
        tail_start = len(text.rstrip()) - sum(len(x) + 1 for x in lines[-2:]) if len(lines) > 2 else 0
        for men in _mentions(text, toks):
            if men.anchor in ("today", "yesterday"):
                candidates.append((0, src, men, f"{men.anchor}-anchor"))
            elif men.anchor == "published":
                candidates.append((1, src, men, "published-phrase"))
            else:
                a, b = _line_of(text, men.start)
                rest = (text[a:men.start] + " " + text[men.end:b]).strip(" \t-–—|,،:()[]")
                short = len(text[a:b].strip()) <= 60 and len(rest) <= 20  # the line is (mostly) the date
                if short and (src == "title" or men.start < 300 or men.start >= tail_start) and \
                        (men.day is not None or men.year is not None):
                    candidates.append((2, src, men, "dateline"))
    candidates.sort(key=lambda c: (c[0], 0 if c[1] == "title" else 1, c[2].start))
    for _rank, src, men, rule in candidates:
        year = _resolve_year(men, floor)
        if year is None:
            continue
        d = _mk(year, men.month, men.day)
        if d is None:
            continue
        prec = "day" if men.day is not None else "month"
        source = "text" if men.year is not None else "inferred"
        if men.anchor == "yesterday" and prec == "day":
            d += timedelta(days=1)
            source = "inferred"
        text = per_field[src][0]
        note = rule if men.year is not None else f"{rule}+weekday-year"
        return DateResult(d, prec, source, (Evidence("date", iso_date(d, prec), src, text[men.start:men.end],
                                                     men.start, men.end, note),))
    return None


def extract_date(meta: dict[str, str], fields: dict[str, str], url: str | None = None,
                 source_path: str = "") -> DateResult | None:
    """The date of a record by the order of trust in the module docstring."""
    r = date_from_metadata(meta) if meta else None
    if r:
        return r
    r = date_from_url(url)
    if r:
        return r
    tweet = date_from_tweets({**fields, **({"url": url} if url else {})})
    r = date_from_text(fields, floor_year=tweet.date.year if tweet else None)
    if r:
        return r
    r = date_from_path(source_path)
    if r:
        return r
    return tweet
