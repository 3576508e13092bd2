"""The "actor" facet: states, alliances and armed groups named in a text, with evidence.

Canonical actors and their aliases, renamings and metonyms come from
``index/data/actors.tsv``; the rule for nationality adjectives from its header
and ``actor_heads.txt``. In short, applied the same way everywhere:

* a name as a noun is the actor: ``روسيا``, ``العراق``, ``أفغانستان``, ``واشنطن``,
  ``داعش``, ``لـداعش``, ``قوات سوريا الديمقراطية``, ``PYD``;
* a nationality adjective is the actor only after a head noun that makes the
  state act (``القوات الأمريكية``, ``الخارجية الروسية``, ``الدوريات الروسية
  والأميركية`` -> both); a bare adjective (``تنسيق روسي أميركي``) or one after any
  other noun (``الحدود السورية التركية``, ``وكالة الأناضول التركية``) is not;
* a name written with tanwin (``روسيًا``, ``أمريكيًا``) is an adjective: no actor;
* ``السعودية`` (noun and adjective alike) counts only where it is not an
  adjective after a definite word (``زار السعودية`` yes, ``الصحف السعودية`` no).
"""
from __future__ import annotations

import re
from functools import lru_cache

from marsad.analyzers.normalize import normalize
from marsad.index.extract.entities import ActorEntry, actor_adjectives, find_entities
from marsad.index.extract.matcher import Match, next_words, prev_word
from marsad.index.records import Evidence

__all__ = ["actor_evidence", "extract_actors"]

# Between an adjective-bearing word and the word before it: blanks only (a comma
# or a quote ends the noun phrase).
_BLANKS = re.compile(r"[ \t\u00a0]*")
_TANWIN = "\u064b\u064c\u064d"


def _is_adjective_use(text: str, m: Match) -> bool:
    """True if the match follows a definite word directly (then it is an adjective)."""
    if m.clitic:
        return False  # "بالسعودية", "والسعودية" after a pause: a noun
    prev = prev_word(text, m.word_start, _BLANKS)
    return bool(prev) and (prev.startswith("ال") or prev.startswith("لل") or
                           (len(prev) > 3 and prev[0] in "وفبك" and prev[1:3] == "ال"))


_DASHES = "-–—:"


def _is_dateline(text: str, m: Match) -> bool:
    """A capital as the dateline at the head of a text: ``عين اليوم – واشنطن``, ``موسكو - ``."""
    if m.start > 150 or text[:m.word_start].count("\n") > 2:
        return False
    line_start = text.rfind("\n", 0, m.word_start) + 1
    before = text[line_start:m.word_start].rstrip(" \t(")
    after = text[m.end:m.end + 4].lstrip(" \t)")
    return (before == "" or before[-1:] in _DASHES) and (after[:1] in _DASHES or after[:1] == "\n"
                                                          or before[-1:] in _DASHES)


_LEADERS = frozenset(normalize(w) for w in "بقيادة تقوده يقوده بزعامة".split())


@lru_cache(maxsize=1)
def _us_words() -> frozenset[str]:
    from marsad.index.extract.data import read_table, split_list
    out = set()
    for actor, _k, aliases, adjectives in read_table("actors.tsv", 4):
        if actor == "الولايات المتحدة":
            for a in split_list(aliases) + split_list(adjectives):
                w = a.partition("@")[0].split()
                out.add(normalize(w[0]))
                out.add(normalize(w[0]).removeprefix("ال"))
    return frozenset(out)


def _led_by_us(text: str, m: Match) -> bool:
    """Bare ``التحالف`` + ``بقيادة/الذي تقوده`` + a US name or adjective."""
    words = [w for w, _, _ in next_words(text, m.end, 4, _BLANKS)]
    for i, w in enumerate(words[:2]):
        if w in _LEADERS and i + 1 < len(words):
            nxt = words[i + 1]
            return nxt in _us_words() or nxt.removeprefix("ال") in _us_words()
    return False


def actor_evidence(fields: dict[str, str], matches: dict[str, list[Match]] | None = None
                   ) -> list[Evidence]:
    """Evidence for every actor named in ``fields`` (``{"title": ..., "body": ...}``)."""
    if matches is None:
        matches = {k: find_entities(v) for k, v in fields.items()}
    adjectives = actor_adjectives()
    out: list[Evidence] = []
    for k, ms in matches.items():
        text = fields[k]
        for m in ms:
            e = m.payload
            if not isinstance(e, ActorEntry):
                continue
            if "noun" in e.guards and _is_adjective_use(text, m):
                continue
            if "capital" in e.guards and _is_dateline(text, m):
                continue
            if "led" in e.guards and not _led_by_us(text, m):
                continue
            if m.n_words == 1 and any(c in text[m.start:m.end] for c in _TANWIN):
                continue  # "روسيًا" (Russian, adverbial accusative): an adjective, not the state
            rule = "head+adjective" if e.head_adjective else "alias"
            out.append(Evidence("actor", e.actor, k, text[m.start:m.end], m.start, m.end, rule))
            if e.head_adjective:
                # coordinated adjectives: "الدوريات الروسية والأميركية"
                for w, s, end in next_words(text, m.end, 3, _BLANKS):
                    if w[:1] != "و" or w[1:] not in adjectives:
                        break
                    out.append(Evidence("actor", adjectives[w[1:]], k, text[s + 1:end] if
                                        text[s + 1:end] else text[s:end], s + 1, end,
                                        "head+coordinated-adjective"))
    # keep text order
    order = {"title": 0, "body": 1}
    out.sort(key=lambda e: (order.get(e.source, 2), e.start or 0))
    return out


def extract_actors(title: str, body: str) -> tuple[list[str], list[Evidence]]:
    """(actors in order of first mention, their evidence).

    >>> extract_actors("", "عدم وجود تنسيق روسي أميركي بين الدوريات الروسية والأميركية")[0]
    ['روسيا', 'الولايات المتحدة']
    """
    ev = actor_evidence({"title": title, "body": body})
    seen: list[str] = []
    for e in ev:
        if e.value not in seen:
            seen.append(e.value)
    return seen, ev
