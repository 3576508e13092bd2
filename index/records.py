"""The record that travels from a corpus file to the index.

A reader (``index.sources``) fills the raw fields; the extractors
(``index.extract``) fill the facets and their evidence; the builder
(``index.build``) writes it. Plain dataclasses, so they pickle across the
worker processes of a parallel build.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime
from typing import Any

from marsad.analyzers.normalize import normalize_text

__all__ = ["Evidence", "Record", "content_hash", "iso_date"]


@dataclass(frozen=True)
class Evidence:
    """Why a facet has a value: the string that produced it and where.

    ``source`` is ``"title"``, ``"body"``, ``"url"`` or ``"path"`` (then
    ``start``/``end`` index that field's *original* text) or ``"metadata:<key>"``
    (then the offsets are ``None`` and ``match`` is the metadata value).
    """

    facet: str  # "outlet" | "date" | "province" | "actor"
    value: str  # the canonical value it supports (ISO text for dates)
    source: str
    match: str
    start: int | None = None
    end: int | None = None
    rule: str = ""  # short name of the rule that fired, e.g. "photo-credit"

    def to_dict(self) -> dict[str, Any]:
        # the fields are flat: no recursive dataclasses.asdict (with its deepcopy
        # of every value), which cost a build 44 us an article
        return {"facet": self.facet, "value": self.value, "source": self.source, "match": self.match,
                "start": self.start, "end": self.end, "rule": self.rule}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        return cls(**d)


@dataclass
class Record:
    """One article. Raw fields from the reader, facets from the extractors."""

    id: str
    title: str
    body: str
    url: str | None = None
    source_path: str = ""  # path relative to the corpus root (+ "!member" / "#n")
    meta: dict[str, str] = field(default_factory=dict)  # raw metadata strings, e.g. {"source": "aawsat"}
    # facets, filled by index.extract.extract()
    outlet: str | None = None
    date: Date | None = None
    date_precision: str | None = None  # "day" | "month" | "year"
    date_source: str | None = None  # "metadata" | "text" | "inferred"
    provinces: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        return content_hash(self.title, self.body)

    def iso_date(self) -> str | None:
        """The date at its precision: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``."""
        return iso_date(self.date, self.date_precision)


def iso_date(d: Date | None, precision: str | None) -> str | None:
    """A date (or a stored datetime) as ISO text at its precision; the one date formatter.

    >>> iso_date(Date(2015, 7, 3), "month"), iso_date(datetime(2015, 7, 3, 12), "day")
    ('2015-07', '2015-07-03')
    >>> iso_date(Date(2015, 7, 3), "year"), iso_date(None, "day")
    ('2015', None)
    """
    if not isinstance(d, Date):
        return None
    if precision == "year":
        return f"{d.year:04d}"
    if precision == "month":
        return f"{d.year:04d}-{d.month:02d}"
    return (d.date() if isinstance(d, datetime) else d).isoformat()


def content_hash(title: str, body: str) -> str:
    """Hash of the normalized words of title and body.

    Normalizing first makes copies that differ only in diacritics, tatweel,
    letter forms or white space count as the same text (syndicated copies).

    >>> content_hash("سوريا", "نص") == content_hash("سوريا ", "نَص")
    True
    """
    words = normalize_text(f"{title}\n{body}")
    return hashlib.blake2b(words.encode("utf-8"), digest_size=16).hexdigest()
