"""What an analyzer change does to the whole vocabulary: stems changed, stems newly merged.

    python3 bench/analyzer_collisions.py --save /tmp/stems-before.json   # before the change
    python3 bench/analyzer_collisions.py --compare /tmp/stems-before.json [--show 40]

Every word of ``analyzers/data/lexicon.tsv`` (118k normalized surface forms of
the corpus, with counts) is stemmed. ``--compare`` prints how many distinct
surface forms (and corpus tokens) change stem, and the *new merges*: stems of
the new analysis whose words came from two or more different stems before,
largest first by the tokens of the smaller side — the candidates for a new
false match. Reading that list is the check; the figures go into the commit.
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from marsad.analyzers.stem import _lexicon, stem


def stems() -> dict[str, str]:
    return {w: stem(w) for w in _lexicon()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--save", type=Path)
    ap.add_argument("--compare", type=Path)
    ap.add_argument("--show", type=int, default=40)
    a = ap.parse_args()
    now = stems()
    if a.save:
        a.save.write_text(json.dumps(now, ensure_ascii=False), encoding="utf-8")
        print(f"{len(now)} surface forms, {len(set(now.values()))} stems -> {a.save}")
    if not a.compare:
        return
    before: dict[str, str] = json.loads(a.compare.read_text(encoding="utf-8"))
    lex = _lexicon()
    changed = [w for w in now if w in before and before[w] != now[w]]
    print(f"surface forms: {len(now)}; stems before {len(set(before.values()))}, after {len(set(now.values()))}")
    print(f"changed stem: {len(changed)} forms ({sum(lex[w] for w in changed)} corpus tokens)")
    groups: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for w, s in now.items():
        if w in before:
            groups[s][before[w]].append(w)
    merges = []
    for s, olds in groups.items():
        if len(olds) < 2:
            continue
        sides = sorted(((sum(lex[w] for w in ws), o, ws) for o, ws in olds.items()), reverse=True)
        merges.append((sides[1][0], s, sides))
    merges.sort(reverse=True)
    print(f"new merges: {len(merges)} stems now join words that had different stems before")
    for _minor, s, sides in merges[: a.show]:
        desc = "  +  ".join(f"{o} ({n}: {' '.join(sorted(ws, key=lambda w: -lex[w])[:4])})" for n, o, ws in sides[:3])
        print(f"  {s}: {desc}")
    print("most frequent changed forms: " + ", ".join(
        f"{w} {before[w]}->{now[w]}" for w in sorted(changed, key=lambda w: -lex[w])[: a.show]))


if __name__ == "__main__":
    main()
