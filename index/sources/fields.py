"""Field maps: which keys of a JSON object or CSV row are the title, body, url ...

The conventions live in ``index/data/field_map.txt``; a caller's map replaces them
for the fields it names. :class:`Fields` caches one lookup plan per key set.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PathArg = str | os.PathLike


#: The canonical fields a field map can name.
FIELDS = ("id", "title", "body", "url", "source", "date", "author")


_FIELD_ALIASES = {"content": "body", "text": "body", "outlet": "source", "link": "url", "headline": "title"}
_DATA = Path(__file__).parents[1] / "data" / "field_map.txt"


META_MAX_CHARS = 2000  # unmapped scalar fields longer than this stay out of meta


def load_field_map(source: PathArg | Mapping[str, Any] | None = None) -> dict[str, tuple[str, ...]]:
    """Field names per canonical field, in priority order.

    ``None`` loads the conventions (``index/data/field_map.txt``); a path loads
    a file in that format; a mapping ``{"title": "myTitle", "body": ["a", "b"]}``
    is validated and returned for the fields it names only.

    >>> load_field_map()["title"]
    ('title', 'headline')
    >>> load_field_map({"content": "txt"})
    {'body': ('txt',)}
    """
    if source is None or isinstance(source, (str, os.PathLike)):
        path = Path(source) if source is not None else _DATA
        out: dict[str, tuple[str, ...]] = {}
        for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
            if not line:
                continue
            key, *names = line.replace(":", " ").replace("=", " ").replace(",", " ").split()
            out[_canonical(key, f"{path}:{n}")] = tuple(names)
        return out
    out = {}
    for key, given in source.items():
        field_names = tuple(str(x) for x in ((given,) if isinstance(given, str) else given) if str(x))
        if not field_names:
            raise ValueError(f"field map: no field name given for {key!r}")
        out[_canonical(key, "field map")] = field_names
    return out


def _canonical(key: str, where: str) -> str:
    k = key.strip().lower()
    k = _FIELD_ALIASES.get(k, k)
    if k not in FIELDS:
        raise ValueError(f"{where}: unknown field {key!r} (expected one of {', '.join(FIELDS)})")
    return k


_CONVENTIONS: dict[str, tuple[str, ...]] | None = None


def _conventions() -> dict[str, tuple[str, ...]]:
    global _CONVENTIONS
    if _CONVENTIONS is None:
        _CONVENTIONS = load_field_map(None)
    return _CONVENTIONS


class Fields:
    """Resolves a record's keys to canonical fields; plans are cached per key set."""

    def __init__(self, field_map: PathArg | Mapping[str, Any] | None):
        names = dict(_conventions())
        if field_map is not None:
            names.update(load_field_map(field_map))  # explicit names replace the conventions
        self.names = names
        self._plans: dict[tuple, dict[str, Any]] = {}

    def plan(self, keys: tuple) -> dict[str, Any]:
        p = self._plans.get(keys)
        if p is None:
            if len(self._plans) > 4096:
                self._plans.clear()
            lower: dict[str, str] = {}
            for k in keys:
                if isinstance(k, str):
                    lower.setdefault(k.lower(), k)
            p = {}
            for canon, names in self.names.items():
                found: list = []
                for n in names:
                    if n in keys:
                        found.append(n)
                    elif n.lower() in lower:
                        found.append(lower[n.lower()])
                    elif "." in n:
                        found.append(tuple(n.split(".")))  # a dotted path, looked up per record
                p[canon] = found
            p["_used"] = {k for f in p.values() for k in f if isinstance(k, str)}
            self._plans[keys] = p
        return p


def text_of(v: Any) -> str | None:
    """A field value as text: strings as is, numbers formatted, lists joined."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, list):
        parts = [t for t in (text_of(x) for x in v) if t and t.strip()]
        return "; ".join(parts) if parts else None
    if isinstance(v, dict):  # {"rendered": ...} (WordPress), {"name": ...} (authors)
        for k in ("rendered", "text", "value", "name", "#text"):
            if isinstance(v.get(k), str):
                return v[k]
    return None


def get_value(obj: dict, key: Any) -> Any:
    if isinstance(key, tuple):
        cur: Any = obj
        for part in key:
            if not isinstance(cur, dict):
                return None
            if part in cur:
                cur = cur[part]
            else:
                low = {k.lower(): k for k in cur if isinstance(k, str)}
                if part.lower() not in low:
                    return None
                cur = cur[low[part.lower()]]
        return cur
    return obj.get(key)


def first_text(obj: dict, keys: list) -> str | None:
    for k in keys:
        t = text_of(get_value(obj, k))
        if t is not None and t.strip():
            return t
    return None
