"""The Whoosh schema of a Marsad index, and its version.

Text is indexed twice: at the *stem* level (``title``, ``body``: the search
default, with positions for phrases) and at the *exact* level
(``title_exact``, ``body_exact``: normalized, not stemmed) for ``=word``
queries, for ranking exact matches above stem-only ones, and as the source of
spelling suggestions (their lexicons with document frequencies).

Facets are ID/KEYWORD fields: their terms' posting lists are what
``search.facets`` turns into per-reader numpy arrays.
"""
from __future__ import annotations

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from marsad.analyzers import analyzer_version, exact_analyzer, stem_analyzer
from marsad.index.facets import FACETS

__all__ = ["SCHEMA_VERSION", "build_schema", "versions", "FACET_FIELDS"]

# Bump when fields change meaning or are added/removed, or a pickled class moves.
# 2: analyzers pickled under marsad.analyzers (the marsad namespace)
# 3: postings in Marsad's codec (index.codec: packed arrays, memory-mapped)
SCHEMA_VERSION = 3

# facet name (as the user and the JSON see it) -> index field, from the registry
FACET_FIELDS = {f.name: f.field for f in FACETS}


def build_schema() -> Schema:
    return Schema(
        # identity and provenance
        id=ID(stored=True, unique=True),
        url=STORED,
        source_path=ID(stored=True),
        content_hash=ID(stored=True),
        duplicate_of=ID(stored=True),  # id of the first record with this content hash; "" if none
        ingested=STORED,  # ISO timestamp of the build/update that wrote it
        # text
        title=TEXT(analyzer=stem_analyzer(), stored=True, phrase=True),
        body=TEXT(analyzer=stem_analyzer(), stored=True, phrase=True),
        title_exact=TEXT(analyzer=exact_analyzer(), phrase=True),
        body_exact=TEXT(analyzer=exact_analyzer(), phrase=True),
        # facets (canonical Arabic values)
        outlet=ID(stored=True),
        date=DATETIME(stored=True, sortable=True),
        date_precision=ID(stored=True),  # "day" | "month" | "year" | ""
        date_source=ID(stored=True),  # "metadata" | "text" | "inferred" | ""
        provinces=KEYWORD(stored=True, commas=True, scorable=False, lowercase=False),
        actors=KEYWORD(stored=True, commas=True, scorable=False, lowercase=False),
        # why each facet value is there: JSON list of Evidence.to_dict()
        evidence=STORED,
    )


def versions() -> dict[str, str]:
    """What an index records about the code that wrote it."""
    return {"schema_version": str(SCHEMA_VERSION), "analyzer_version": analyzer_version()}
