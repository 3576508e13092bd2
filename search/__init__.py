"""Search: ``run(index, SearchRequest) -> SearchResult`` and its parts.

>>> from marsad.search import run, SearchRequest          # doctest: +SKIP
>>> run(ix, SearchRequest(q="سوريا", filters={"outlet": ("sabq",)})).total  # doctest: +SKIP
"""
from marsad.search.attention import Attention, attention
from marsad.search.entity import Entity, entity
from marsad.search.matrix import Matrix, matrix
from marsad.search.request import SearchRequest, SearchRequestError
from marsad.search.results import FacetBucket, FacetResult, Hit, SearchResult
from marsad.search.service import facet_values, get_document, more_like_this, open_searcher, run, warm

__all__ = ["run", "SearchRequest", "SearchRequestError", "SearchResult", "Hit", "FacetBucket", "FacetResult",
           "more_like_this", "get_document", "facet_values", "open_searcher", "warm", "attention", "Attention",
           "matrix", "Matrix", "entity", "Entity"]
