"""The ReadReport: what a corpus read saw, read and skipped, with counts that add up."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Skip:
    """One thing that was not read (or, in ``warnings``, read with a caveat).

    ``path`` is relative to the corpus root given (``a.zip!member.json`` inside
    an archive); ``line`` is a 1-based line number and ``record`` the 1-based
    record number inside the file, when known. ``reason`` is a short code
    (``"binary"``, ``"invalid-json"``, ``"oversized"`` ...), ``detail`` a sentence.
    """

    path: str
    reason: str
    detail: str = ""
    line: int | None = None
    record: int | None = None
    level: str = "file"  # "file" | "record" (what was skipped)

    def where(self) -> str:
        s = self.path
        if self.line is not None:
            s += f":{self.line}"
        if self.record is not None:
            s += f" (record {self.record})"
        return s

    def __str__(self) -> str:
        return f"{self.where()}: {self.reason}" + (f": {self.detail}" if self.detail else "")

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "record": self.record,
                "level": self.level, "reason": self.reason, "detail": self.detail}


@dataclass
class ReadReport:
    """What a read saw, read and skipped. Counts always add up.

    A *file* is a regular file, a member of an archive, or a path that could
    not be walked (broken symlink, symlink loop, unreadable directory); an
    archive that opens is a container, like a directory, and only its members
    count. A file whose records were all skipped still counts as read (its
    record skips say why); a file that yields nothing at all is skipped as
    ``empty``.

    ``strict`` callers: ``if report.skipped: sys.exit(1)``.
    """

    files_seen: int = 0
    files_read: int = 0
    files_skipped: int = 0
    records_seen: int = 0
    records_read: int = 0
    records_skipped: int = 0
    archives_read: int = 0
    skipped: list[Skip] = field(default_factory=list)
    warnings: list[Skip] = field(default_factory=list)  # read, but with a caveat (decode errors, duplicate ids)
    reasons: Counter = field(default_factory=Counter)  # skip reason -> count (files and records)
    warning_reasons: Counter = field(default_factory=Counter)
    encodings: Counter = field(default_factory=Counter)  # encoding -> files decoded with it
    on_event: Callable[[Skip, bool], None] | None = None  # called (skip, is_warning) as they happen

    # -- recording (used by the readers)
    def _skip(self, s: Skip) -> None:
        if s.level == "file":
            self.files_seen += 1
            self.files_skipped += 1
        else:
            self.records_seen += 1
            self.records_skipped += 1
        self.skipped.append(s)
        self.reasons[s.reason] += 1
        if self.on_event:
            self.on_event(s, False)

    def _warn(self, s: Skip) -> None:
        self.warnings.append(s)
        self.warning_reasons[s.reason] += 1
        if self.on_event:
            self.on_event(s, True)

    def _record(self) -> None:
        self.records_seen += 1
        self.records_read += 1

    def _file_read(self) -> None:
        self.files_seen += 1
        self.files_read += 1

    # -- reading it
    @property
    def ok(self) -> bool:
        """True when nothing was skipped (warnings allowed)."""
        return not self.skipped

    def consistent(self) -> bool:
        """The invariant: everything seen was either read or skipped."""
        return (self.files_seen == self.files_read + self.files_skipped
                and self.records_seen == self.records_read + self.records_skipped
                and len(self.skipped) == self.files_skipped + self.records_skipped)

    def summary(self) -> str:
        """A few lines for a human."""
        lines = [
            f"files: {self.files_seen} seen, {self.files_read} read, {self.files_skipped} skipped"
            + (f" ({self.archives_read} archives opened)" if self.archives_read else ""),
            f"records: {self.records_seen} seen, {self.records_read} read, {self.records_skipped} skipped",
        ]
        if self.reasons:
            lines.append("skipped: " + ", ".join(f"{k} {v}" for k, v in sorted(self.reasons.items())))
        if self.warning_reasons:
            lines.append("warnings: " + ", ".join(f"{k} {v}" for k, v in sorted(self.warning_reasons.items())))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": {"seen": self.files_seen, "read": self.files_read, "skipped": self.files_skipped},
            "records": {"seen": self.records_seen, "read": self.records_read, "skipped": self.records_skipped},
            "archives_read": self.archives_read,
            "reasons": dict(self.reasons),
            "warning_reasons": dict(self.warning_reasons),
            "encodings": dict(self.encodings),
            "skipped": [s.to_dict() for s in self.skipped],
            "warnings": [s.to_dict() for s in self.warnings],
        }
