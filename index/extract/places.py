"""The "province" facet: Syrian governorates named in a text, with evidence.

A place (governorate, city, town, district, oil field, base, crossing, camp) from
``index/data/gazetteer.tsv`` gives its governorate. Names that are also ordinary
words carry guards in the gazetteer (see its header), checked here:

* ``ctx``: needs a place context (مدينة/بلدة/في/من ... before, the proclitic ب/ل,
  a direction or ``الأثرية`` after, or another place within a few characters, as
  in a list ``الرقة ودير الزور والحسكة``). ``تدمر`` alone may be the verb "destroys".
* ``strong``: needs a place noun before (``مدينة الباب``), a direction after
  (``الباب شرقي حلب``), or a locative preposition before AND its governorate named
  elsewhere in the same text. ``الباب`` is "the door", ``الطبقة`` "the class",
  ``الميادين`` "the fields" (and a TV channel).
* ``tanwin``: not when written with tanwin: ``درعاً`` (a shield), ``دوماً`` (always).
* ``noconstruct``: not when a definite noun follows: ``حماة الوطن`` (its protectors).
* ``plain``: not with a hamza or damma the name lacks (``حمأة``، ``حُماة``).
* ``cooccur``: a village name found in several governorates counts only when its
  governorate is named otherwise too (``قرية المالكية`` near Azaz is not al-Hasakah).

A guarded (ctx/strong) name counts only in a text about Syria: one that writes
``سوري...``/``Syria`` or names a governorate through an unguarded name.

Every place is also rejected after ``أبو/أم/ابن/بن/بنت`` (a person named after a
place). The Saudi capital الرياض is simply not in the gazetteer. A border phrase
(``الحدود السورية- الأردنية``) names no governorate.
"""
from __future__ import annotations

from marsad.analyzers.normalize import normalize
from marsad.index.extract.entities import PROVINCES, PlaceEntry, find_entities
from marsad.index.extract.matcher import Match, next_words, prev_word, strip_proclitics
from marsad.index.records import Evidence

__all__ = ["PROVINCES", "place_evidence", "extract_provinces"]

_W = lambda s: frozenset(normalize(w) for w in s.split())  # noqa: E731

# Nouns that make the next word a place name.
PLACE_NOUNS = _W("""مدينة مدينتي مدن بلدة بلدتي بلدات قرية قريتي قرى منطقة منطقتي مناطق ناحية
    مطار حقل حقول مخيم مخيمات معبر سد قاعدة ريف أرياف محافظة محافظتي حي أحياء سجن جبل بادية
    سهل وادي أطراف محيط ضواحي مشارف تخوم مركز""")
LOC_PREPS = _W("في من إلى الى على قرب نحو حول داخل باتجاه عند بين عبر شمال جنوب شرق غرب شمالي جنوبي "
               "شرقي غربي وسط أنحاء اتجاه مدخل")
# After a name: a direction or attribute that only a place takes.
DIRECTIONS_STRONG = _W("شرقي غربي شمالي جنوبي شرق غرب شمال جنوب بريف ريف جنوبي شمال")
DIRECTIONS_CTX = DIRECTIONS_STRONG | _W("""الشرقي الغربي الشمالي الجنوبي الشرقية الغربية الشمالية
    الجنوبية الأثرية الأثري التاريخية الحدودية الحدودي المحاصرة المحررة النفطي الواقعة السورية
    المحتل المحتلة""")
PERSON_BEFORE = _W("أبو ابو أم ام ابن بن بنت")
_TANWIN = "\u064b\u064c\u064d"
_HAMZA_DAMMA = "أإؤئء\u064f"
_NEAR = 25  # characters: another place this close makes a list of places


def _is_place_word(n: str) -> bool:
    """A normalized word that starts a gazetteer name (``حماة الشمالي`` vs ``حمص الرقة``)."""
    from marsad.index.extract.entities import entity_matcher
    return n in entity_matcher()._root


def _readings(word: str | None) -> set[str]:
    if not word:
        return set()
    return {r for r, _, _ in strip_proclitics(word)}


def _accept(text: str, m: Match, accepted: list[tuple[Match, str]], provinces_seen: set[str],
            candidates: list[Match]) -> bool:
    e: PlaceEntry = m.payload
    g = e.guards
    prev = prev_word(text, m.word_start)
    prev_r = _readings(prev)
    if prev_r & PERSON_BEFORE:
        return False
    word = text[m.word_start:m.end]
    if "tanwin" in g and any(c in word for c in _TANWIN):
        return False
    if "plain" in g and any(c in _HAMZA_DAMMA for c in word) and not any(c in _HAMZA_DAMMA for c in e.place):
        return False
    nxt = list(next_words(text, m.end, 1))
    if (g & {"noconstruct", "strong"}) and m.n_words == 1 and nxt and nxt[0][0].startswith("ال") \
            and nxt[0][0] not in DIRECTIONS_CTX and not _is_place_word(nxt[0][0]):
        return False
    if "cooccur" in g and e.province not in provinces_seen:
        return False
    if not (g & {"ctx", "strong"}):
        return True
    if m.n_words > 1 and _readings(normalize(text[m.start:m.end].split()[0])) & PLACE_NOUNS:
        return True  # "معبر اليعربية", "مطار الطبقة": the name says it is a place
    nxt_r = _readings(nxt[0][0]) if nxt else set()
    if prev_r & PLACE_NOUNS:
        return True
    if nxt_r & DIRECTIONS_STRONG:
        return True
    # its own governorate named right after: "الميادين بريف دير الزور", "الباب (حلب)"
    if any(a.payload.province == e.province and 0 <= a.start - m.end <= 40 for a, _ in accepted):
        return True
    loc = bool(prev_r & LOC_PREPS) or m.clitic[-1:] in ("ب", "ل")
    if "strong" in g:
        return loc and e.province in provinces_seen
    if loc or nxt_r & DIRECTIONS_CTX:
        return True
    # a list of places: another place within a few characters
    return any(c is not m and (0 <= c.word_start - m.end <= _NEAR or 0 <= m.word_start - c.end <= _NEAR)
               for c in candidates)


def place_evidence(fields: dict[str, str], matches: dict[str, list[Match]] | None = None
                   ) -> list[Evidence]:
    """Evidence for every governorate named in ``fields`` (``{"title": ..., "body": ...}``).

    ``matches`` may hold the fields' entity matches already computed (shared
    with the actor extractor).
    """
    if matches is None:
        matches = {k: find_entities(v) for k, v in fields.items()}
    places = {k: [m for m in ms if isinstance(m.payload, PlaceEntry)] for k, ms in matches.items()}
    accepted: dict[str, list[tuple[Match, str]]] = {k: [] for k in places}
    pending: dict[str, list[Match]] = {k: [] for k in places}
    for k, ms in places.items():
        for m in ms:
            if m.payload.guards & {"ctx", "strong", "cooccur"}:
                pending[k].append(m)
            elif _accept(fields[k], m, [], set(), ms):
                accepted[k].append((m, "gazetteer"))
    # A guarded name (an ordinary word, or a homonym of a place elsewhere: Saudi
    # السلمية, Jericho أريحا) needs the text to be about Syria at all: "سوري..." /
    # "Syria" written, or a governorate found through an unguarded name.
    syria = any(accepted.values()) or any(("سوري" in t or "syria" in t.lower()) for t in fields.values())
    if not syria:
        pending = {k: [] for k in places}
    # Guarded names, twice, so that two guarded neighbours in a list can support each other.
    for _ in range(2):
        seen = {m.payload.province for lst in accepted.values() for m, _ in lst}
        for k, ms in pending.items():
            rest = []
            for m in ms:
                if _accept(fields[k], m, accepted[k], seen, places[k]):
                    accepted[k].append((m, "gazetteer-context"))
                else:
                    rest.append(m)
            pending[k] = rest
    out = []
    for k, lst in accepted.items():
        text = fields[k]
        for m, rule in sorted(lst, key=lambda x: x[0].start):
            rule_name = rule if m.payload.place == m.payload.province else f"{rule}:{m.payload.place}"
            out.append(Evidence("province", m.payload.province, k, text[m.start:m.end], m.start, m.end,
                                rule_name))
    return out


def extract_provinces(title: str, body: str) -> tuple[list[str], list[Evidence]]:
    """(governorates in order of first mention, their evidence).

    >>> extract_provinces("", "قصف على مدينة الباب شرقي حلب وفتح الباب")[0]
    ['حلب']
    """
    ev = place_evidence({"title": title, "body": body})
    return _values(ev), ev


def _values(ev: list[Evidence]) -> list[str]:
    order = {"title": 0, "body": 1}
    seen: list[str] = []
    for e in sorted(ev, key=lambda e: (order.get(e.source, 2), e.start or 0)):
        if e.value not in seen:
            seen.append(e.value)
    return seen
