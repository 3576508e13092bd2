"""Score the facet extractor against the hand-labelled development set.

Reads ``tests/data/devset.jsonl`` (see ``tests/data/README.md`` for how it was
labelled), finds every article IN PLACE in the corpus (seeds by file name,
SaudiNewsNet by URL inside the named zip), builds the ``Record`` the way the
indexer does (``index.sources.read_corpus`` when available, else by hand),
runs ``index.extract.extract`` on it and prints, per facet (province, actor,
outlet, date), micro-averaged precision / recall / F1 over (record, value)
pairs, then every false positive and false negative with the record id, the
extractor's evidence for false positives and the labeller's note for false
negatives.

A second score per facet leaves out the pairs the labeller marked
``uncertain`` (hard-case rules, see the README) -- neither rewarded nor
penalised -- so a developer can tell rule disagreements from plain misses.

This is a report, not a test: the exit code is 0, unless thresholds are given
(``--min-province-f1 0.95 --min-actor-f1 0.90`` for CI) and missed, or the
extractor cannot run while a threshold is set; then it is 1.

Usage::

    python3 bench/eval_extraction.py
    python3 bench/eval_extraction.py --min-province-f1 0.95 --min-actor-f1 0.90
    python3 bench/eval_extraction.py --json > report.json
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marsad.index.extract import PROVINCES as _EXTRACT_PROVINCES

ROOT = Path(__file__).resolve().parents[1]

DEVSET = ROOT / "tests" / "data" / "devset.jsonl"
CORPUS = Path(os.environ.get("MARSAD_CORPUS", ROOT.parent / "shared" / "corpus"))

# The contract: canonical values the devset may use (checked on load).
PROVINCES = _EXTRACT_PROVINCES  # index/data/governorates.tsv
ACTORS = ("التحالف الدولي", "الولايات المتحدة", "روسيا", "إيران", "تركيا", "النظام السوري", "قسد",
          "وحدات حماية الشعب", "حزب الاتحاد الديمقراطي", "تنظيم الدولة الإسلامية", "الجيش السوري الحر",
          "مغاوير الثورة", "هيئة تحرير الشام", "تنظيم القاعدة", "حزب الله", "حلف الناتو", "الأمم المتحدة",
          "العراق", "الأردن", "إسرائيل", "السعودية", "أفغانستان")
FACETS = ("province", "actor", "outlet", "date")
_OUTLET_PREFIXES = ("صحيفة", "جريدة", "وكالة", "قناة", "موقع")


# ---------------------------------------------------------------- devset

@dataclass
class Gold:
    """One labelled article."""

    id: str
    path: str
    title: str
    outlet: str | None
    date: str | None
    provinces: list[str]
    actors: list[str]
    uncertain: dict[str, list[str]]
    notes: str
    source: str | None = None
    line: int = 0


def load_devset(path: Path = DEVSET) -> tuple[list[Gold], list[str]]:
    """Read and check the devset; returns (records, problems). A bad line is reported, not fatal."""
    golds: list[Gold] = []
    problems: list[str] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                g = Gold(id=d["id"], path=d["path"], title=d.get("title", ""), outlet=d.get("outlet"),
                         date=d.get("date"), provinces=list(d.get("provinces", [])),
                         actors=list(d.get("actors", [])),
                         uncertain={"provinces": list(d.get("uncertain", {}).get("provinces", [])),
                                    "actors": list(d.get("uncertain", {}).get("actors", []))},
                         notes=d.get("notes", ""), source=d.get("source"), line=n)
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                problems.append(f"{path.name}:{n}: unreadable record ({e!r}); skipped")
                continue
            bad = [p for p in g.provinces + g.uncertain["provinces"] if p not in PROVINCES]
            bad += [a for a in g.actors + g.uncertain["actors"] if a not in ACTORS]
            if bad:
                problems.append(f"{path.name}:{n}: non-canonical value(s) {bad} in {g.id}")
            if g.id in seen:
                problems.append(f"{path.name}:{n}: duplicate id {g.id}; skipped")
                continue
            seen.add(g.id)
            golds.append(g)
    return golds, problems


# ---------------------------------------------------------------- records

def _read_corpus_fn() -> Callable[..., Any] | None:
    try:
        from marsad.index.sources import read_corpus
    except Exception:  # not written yet, or broken: fall back to the hand-built records
        return None
    return read_corpus


def resolve(corpus: Path, rel: str) -> Path:
    """Where a devset ``path`` lives: ``seeds/<file>`` under the root, a bare zip name under ``saudinewsnet/``."""
    direct = corpus / rel
    if direct.exists() or "/" in rel:
        return direct
    return corpus / "saudinewsnet" / rel


def _manual_records(corpus: Path, rel: str) -> list[Any]:
    """Records of one corpus file built by hand (the reader's conventions, minimal)."""
    from marsad.index.records import Record

    full = resolve(corpus, rel)
    if rel.startswith("seeds/") or full.suffix == ".txt":
        text = full.read_text(encoding="utf-8-sig")
        lines = text.splitlines()
        i = next((k for k, s in enumerate(lines) if s.strip()), 0)
        title = lines[i].strip() if lines else ""
        body = "\n".join(lines[i + 1:]).strip()
        return [Record(id=rel, title=title, body=body, url=None, source_path=rel, meta={})]
    out = []
    with zipfile.ZipFile(full) as zf:
        for member in zf.namelist():
            for k, a in enumerate(json.loads(zf.read(member)), 1):
                meta = {key: str(a[src]) for key, src in
                        (("source", "source"), ("date", "date_extracted"), ("author", "author"), ("url", "url"))
                        if a.get(src) not in (None, "")}
                out.append(Record(id=a.get("url") or f"{rel}!{member}#{k}", title=a.get("title") or "",
                                  body=a.get("content") or "", url=a.get("url"),
                                  source_path=f"{rel}!{member}#{k}", meta=meta))
    return out


def load_records(golds: list[Gold], corpus: Path) -> tuple[dict[str, Any], list[str], str]:
    """Find every gold article in the corpus. Returns ({gold id: Record}, problems, how)."""
    read_corpus = _read_corpus_fn()
    how = "index.sources.read_corpus" if read_corpus else "hand-built Records (index.sources not importable)"
    by_path: dict[str, list[Gold]] = defaultdict(list)
    for g in golds:
        by_path[g.path].append(g)
    found: dict[str, Any] = {}
    problems: list[str] = []
    for rel, gs in sorted(by_path.items()):
        full = resolve(corpus, rel)
        if not full.exists():
            problems.append(f"{rel}: not found under {corpus}; {len(gs)} record(s) skipped")
            continue
        try:
            recs = list(read_corpus(str(full))) if read_corpus else _manual_records(corpus, rel)
        except Exception as e:  # a reader bug must not hide the other files
            problems.append(f"{rel}: reading failed ({e!r}); {len(gs)} record(s) skipped")
            continue
        index: dict[str, Any] = {}
        for r in recs:
            for key in (r.url, (r.meta or {}).get("url"), r.id, Path(r.source_path.split("!")[0]).name):
                if key:
                    index.setdefault(key, r)
        for g in gs:
            key = g.id if g.source else Path(g.path).name
            r = index.get(key)
            if r is None:
                problems.append(f"{g.id}: not found in {rel}; skipped")
            else:
                found[g.id] = r
    return found, problems, how


# ---------------------------------------------------------------- extraction

def _extract_fn() -> tuple[Callable[[Any], Any] | None, str]:
    try:
        from marsad.index.extract import extract
    except Exception as e:
        return None, f"{type(e).__name__}: {e}"
    if not callable(extract):
        return None, "index.extract.extract is not callable"
    return extract, ""


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _iso(out: Any) -> str | None:
    """The predicted date as ISO text at its precision."""
    if not isinstance(out, dict) and callable(getattr(out, "iso_date", None)):
        return out.iso_date()
    d = _get(out, "date")
    if d is None:
        return None
    return d if isinstance(d, str) else d.isoformat()


@dataclass
class Predicted:
    outlet: str | None = None
    date: str | None = None
    provinces: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    evidence: list[Any] = field(default_factory=list)
    error: str | None = None


def run_extractor(extract: Callable[[Any], Any], rec: Any) -> Predicted:
    """Call extract(record); accepts a filled record returned, None (filled in place) or a dict."""
    try:
        out = extract(rec)
    except Exception:
        return Predicted(error=traceback.format_exc(limit=3).strip().splitlines()[-1])
    if out is None:
        out = rec
    return Predicted(outlet=_get(out, "outlet"), date=_iso(out),
                     provinces=list(_get(out, "provinces") or []), actors=list(_get(out, "actors") or []),
                     evidence=list(_get(out, "evidence") or []))


# ---------------------------------------------------------------- scoring

def _outlet_forms(name: str) -> set[str]:
    """Comparable forms of an outlet name: normalized, generic prefix dropped, parenthesized part too."""
    try:
        from marsad.analyzers.normalize import normalize
    except Exception:
        def normalize(w: str) -> str:
            return w
    import re

    parts = [name] + re.findall(r"\(([^)]*)\)", name) + [re.sub(r"\([^)]*\)", " ", name)]
    forms = set()
    for p in parts:
        words = [normalize(w) for w in p.split()]
        words = [w for w in words if w]
        if words and words[0] in {normalize(x) for x in _OUTLET_PREFIXES} and len(words) > 1:
            words = words[1:]
        if words:
            forms.add(" ".join(words))
    return forms


def outlet_equal(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    return bool(_outlet_forms(a) & _outlet_forms(b))


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class Error:
    facet: str
    kind: str  # "FP" | "FN"
    id: str
    value: str
    uncertain: bool
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _evidence_for(pred: Predicted, facet: str, value: str) -> str:
    out = []
    for ev in pred.evidence:
        if _get(ev, "facet") == facet and _get(ev, "value") == value:
            s, e = _get(ev, "start"), _get(ev, "end")
            where = f"{_get(ev, 'source')}[{s}:{e}]" if s is not None else str(_get(ev, "source"))
            rule = _get(ev, "rule")
            out.append(f"«{_get(ev, 'match')}» {where}" + (f" ({rule})" if rule else ""))
    return "; ".join(out[:4]) + (" ..." if len(out) > 4 else "")


def score(golds: list[Gold], preds: dict[str, Predicted]) -> tuple[dict[str, Score], dict[str, Score], list[Error]]:
    """Micro P/R/F1 per facet, all pairs and without the uncertain pairs; plus every error."""
    allp = {f: Score() for f in FACETS}
    sure = {f: Score() for f in FACETS}
    errors: list[Error] = []
    for g in golds:
        p = preds.get(g.id)
        if p is None:  # not found in the corpus: reported as a problem, not scored
            continue
        # a crash scores as an empty prediction: every gold value is missed
        for facet, gold_vals, pred_vals, unc in (
                ("province", g.provinces, p.provinces, g.uncertain["provinces"]),
                ("actor", g.actors, p.actors, g.uncertain["actors"])):
            gs, ps, us = set(gold_vals), set(pred_vals), set(unc)
            for v in gs | ps:
                kind = "TP" if v in gs and v in ps else ("FP" if v in ps else "FN")
                for sc, skip in ((allp[facet], False), (sure[facet], v in us)):
                    if not skip:
                        setattr(sc, kind.lower(), getattr(sc, kind.lower()) + 1)
                if kind == "FP":
                    errors.append(Error(facet, kind, g.id, v, v in us, _evidence_for(p, facet, v)))
                elif kind == "FN":
                    errors.append(Error(facet, kind, g.id, v, v in us, ""))
        for facet, gv, pv, eq in (("outlet", g.outlet, p.outlet, outlet_equal),
                                  ("date", g.date, p.date, lambda a, b: a == b)):
            ok = gv is not None and pv is not None and eq(gv, pv)
            for sc in (allp[facet], sure[facet]):
                if ok:
                    sc.tp += 1
                else:
                    sc.fp += pv is not None
                    sc.fn += gv is not None
            if not ok and (gv is not None or pv is not None):
                if pv is not None:
                    errors.append(Error(facet, "FP", g.id, str(pv), False,
                                        f"gold: {gv}; " + _evidence_for(p, facet, str(pv))))
                if gv is not None:
                    errors.append(Error(facet, "FN", g.id, str(gv), False, f"predicted: {pv}"))
    return allp, sure, errors


# ---------------------------------------------------------------- report

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devset", type=Path, default=DEVSET)
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="corpus root (seeds/, saudinewsnet/)")
    for f in FACETS:
        ap.add_argument(f"--min-{f}-f1", type=float, default=None, metavar="F1",
                        help=f"exit 1 if the {f} F1 (all pairs) is below this")
    ap.add_argument("--json", action="store_true", help="print one JSON report instead of text")
    ap.add_argument("--quiet-errors", action="store_true", help="omit the FP/FN listing")
    args = ap.parse_args(argv)
    thresholds = {f: getattr(args, f"min_{f}_f1") for f in FACETS if getattr(args, f"min_{f}_f1") is not None}

    golds, problems = load_devset(args.devset)
    records, read_problems, how = load_records(golds, args.corpus)
    problems += read_problems
    extract, why = _extract_fn()

    preds: dict[str, Predicted] = {}
    t0 = time.perf_counter()
    if extract is not None:
        for g in golds:
            if g.id in records:
                preds[g.id] = run_extractor(extract, records[g.id])
    secs = time.perf_counter() - t0
    crashed = {gid: p.error for gid, p in preds.items() if p.error}
    allp, sure, errors = score(golds, preds) if extract is not None else ({}, {}, [])

    failed = []
    if thresholds:
        if extract is None:
            failed.append("extractor not importable")
        for f, t in thresholds.items():
            if f in allp and allp[f].f1 < t:
                failed.append(f"{f} F1 {allp[f].f1:.3f} < {t}")
        if crashed:
            failed.append(f"extract() raised on {len(crashed)} record(s)")

    if args.json:
        print(json.dumps({
            "devset": str(args.devset), "records": len(golds), "found": len(records), "read_with": how,
            "extractor": None if extract is None else "index.extract.extract", "extractor_error": why or None,
            "seconds": round(secs, 3), "problems": problems, "crashed": crashed,
            "scores": {f: allp[f].to_dict() for f in allp},
            "scores_without_uncertain": {f: sure[f].to_dict() for f in sure},
            "errors": [e.to_dict() for e in errors], "thresholds": thresholds, "failed": failed,
        }, ensure_ascii=False, indent=1))
        return 1 if failed else 0

    n_snn = sum(1 for g in golds if g.source)
    print(f"devset: {args.devset} — {len(golds)} records ({len(golds) - n_snn} seeds, {n_snn} SaudiNewsNet), "
          f"{len(records)} found in {args.corpus}")
    print(f"records built with: {how}")
    for p in problems:
        print(f"  problem: {p}")
    if extract is None:
        print("\nindex.extract.extract is NOT importable yet, so nothing was scored.")
        print(f"  reason: {why}")
        print("  (the devset loaded and every record above was looked up in the corpus)")
        if failed:
            print("\nFAILED: " + "; ".join(failed))
        return 1 if failed else 0

    print(f"extract(): {len(preds)} records in {secs:.2f} s"
          + (f"; RAISED on {len(crashed)}" if crashed else ""))
    for gid, err in crashed.items():
        print(f"  crash: {gid}: {err}")

    print("\nmicro-averaged over (record, value) pairs")
    print(f"{'facet':<9} {'P':>6} {'R':>6} {'F1':>6} {'TP':>5} {'FP':>4} {'FN':>4}   "
          f"| without uncertain pairs: {'P':>6} {'R':>6} {'F1':>6}")
    for f in FACETS:
        a, s = allp[f], sure[f]
        print(f"{f:<9} {a.precision:6.3f} {a.recall:6.3f} {a.f1:6.3f} {a.tp:5d} {a.fp:4d} {a.fn:4d}   "
              f"|                          {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}")
    targets = {"province": 0.95, "actor": 0.90}
    print("issue targets: " + ", ".join(
        f"{f} F1 ≥ {t} ({'met' if allp[f].f1 >= t else 'NOT met'})" for f, t in targets.items()))

    if not args.quiet_errors and errors:
        titles = {g.id: g.title for g in golds}
        notes = {g.id: g.notes for g in golds}
        for facet in FACETS:
            errs = [e for e in errors if e.facet == facet]
            if not errs:
                continue
            print(f"\n== {facet}: {sum(e.kind == 'FP' for e in errs)} false positives, "
                  f"{sum(e.kind == 'FN' for e in errs)} false negatives  (* = labelled uncertain)")
            for e in sorted(errs, key=lambda e: (e.kind, e.value, e.id)):
                star = "*" if e.uncertain else " "
                print(f" {e.kind}{star} {e.value:<22} {e.id}  — {titles.get(e.id, '')[:60]}")
                if e.detail:
                    print(f"        {e.detail}")
                elif e.kind == "FN" and facet in ("province", "actor"):
                    note = notes.get(e.id, "")
                    print(f"        note: {note[:200]}{'…' if len(note) > 200 else ''}")
    if failed:
        print("\nFAILED: " + "; ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
