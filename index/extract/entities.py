"""One phrase dictionary for places and actors, built once from the data files.

Places (``gazetteer.tsv``) and actors (``actors.tsv`` + ``actor_heads.txt``)
share one :class:`~index.extract.matcher.PhraseMatcher`, so a text is scanned
once for both and overlaps are resolved jointly, longest first: ``الجيش السوري
الحر`` is the Free Syrian Army, not ``الجيش السوري``; ``قناة الميادين`` (a
blocker) is no place; ``ريف دمشق`` is not also ``دمشق``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from marsad.index.extract.data import governorates, read_table, split_list
from marsad.index.extract.matcher import Match, PhraseMatcher, norm_words

__all__ = ["PlaceEntry", "ActorEntry", "Blocker", "entity_matcher", "find_entities",
           "PROVINCES", "actor_adjectives", "facet_aliases"]

PROVINCES = tuple(g[0] for g in governorates())  # index/data/governorates.tsv

# Words allowed between a head noun and a nationality adjective.
_MIDDLE = ("", "العسكري", "العسكرية")


@dataclass(frozen=True)
class PlaceEntry:
    province: str
    place: str
    guards: frozenset[str]


@dataclass(frozen=True)
class ActorEntry:
    actor: str
    guards: frozenset[str]
    head_adjective: bool = False  # generated "head + nationality adjective" phrase


@dataclass(frozen=True)
class Blocker:
    phrase: str


def _place_entries():
    for province, place, guards, aliases in read_table("gazetteer.tsv", 4):
        if province == "-":
            for name in [place, *split_list(aliases)]:
                yield name, Blocker(name)
            continue
        if province not in PROVINCES:
            raise ValueError(f"gazetteer.tsv: {place!r}: unknown governorate {province!r}")
        g = frozenset(split_list(guards.replace(",", "|")))
        entry = PlaceEntry(province, place, g)
        for name in [place, *split_list(aliases)]:
            yield name, entry


@cache
def actor_adjectives() -> dict[str, str]:
    """Normalized nationality adjective -> canonical actor."""
    out: dict[str, str] = {}
    for actor, _kind, _aliases, adjectives in read_table("actors.tsv", 4):
        for adj in split_list(adjectives):
            w = norm_words(adj)
            if len(w) == 1:
                out.setdefault(w[0], actor)
    return out


def _actor_entries():
    heads = [norm_words(h) for (h,) in read_table("actor_heads.txt", 1)]
    for actor, _kind, aliases, adjectives in read_table("actors.tsv", 4):
        for alias in split_list(aliases):
            name, _, guard = alias.partition("@")
            if actor == "-":
                yield name, Blocker(name)
            else:
                yield name, ActorEntry(actor, frozenset(split_list(guard)))
        if actor == "-":
            continue
        head_entry = ActorEntry(actor, frozenset(), head_adjective=True)
        for adj in split_list(adjectives):
            a = norm_words(adj)
            for h in heads:
                for mid in _MIDDLE:
                    yield tuple(h + ([mid] if mid else []) + a), head_entry


@cache
def facet_aliases() -> dict[str, dict[str, tuple[str, ...]]]:
    """The names a user may type for each facet value, from the same tables the
    extractors read: ``{"province" | "actor" | "outlet": {canonical value: names}}``.

    Provinces: every place of the gazetteer with its spellings (a place names its
    governorate: ``الغوطة`` -> ريف دمشق, ``Aleppo`` -> حلب); actors: their aliases
    (guards dropped; no generated head+adjective phrases); outlets: ids and aliases
    (``okaz`` -> عكاظ). Blockers are left out. The canonical name is listed first.
    """
    from marsad.index.extract.outlet import outlets
    out: dict[str, dict[str, list[str]]] = {"province": {}, "actor": {}, "outlet": {}}
    for name, entry in _place_entries():
        if isinstance(entry, PlaceEntry):
            out["province"].setdefault(entry.province, [entry.province]).append(name)
    for name, entry in _actor_entries():
        if isinstance(entry, ActorEntry) and not entry.head_adjective and isinstance(name, str):
            out["actor"].setdefault(entry.actor, [entry.actor]).append(name)
    for o in outlets():
        out["outlet"].setdefault(o.name, [o.name]).extend([*o.ids, *o.aliases])
    return {facet: {v: tuple(dict.fromkeys(names)) for v, names in values.items()}
            for facet, values in out.items()}


@cache
def entity_matcher() -> PhraseMatcher:
    """The shared matcher (built on first use, then cached for the process)."""
    # Explicit aliases first: on a clash the first definition wins, so an actor's
    # own alias beats a generated head+adjective phrase, and places beat actors.
    return PhraseMatcher([*_place_entries(), *_actor_entries()])


def find_entities(text: str) -> list[Match]:
    """Place, actor and blocker matches of one text (non-overlapping, in order)."""
    return entity_matcher().find(text)
