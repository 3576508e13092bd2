"""Walking the paths given: directories (sorted, depth-first), files and zip archives.

Hidden entries, unknown extensions, symlink loops, broken links and files reached
twice are skipped and reported, never followed.
"""
from __future__ import annotations

import errno
import os
import stat
import zipfile
from collections.abc import Iterator

from marsad.index.records import Record
from marsad.index.sources.formats import SUPPORTED_SUFFIXES, read_stream
from marsad.index.sources.report import Skip
from marsad.index.sources.unit import FileUnit, ReadContext


def _kind(name: str) -> str | None:
    return SUPPORTED_SUFFIXES.get(os.path.splitext(name)[1].lower())


def _read_zip(ctx: ReadContext, full: str, rel: str) -> Iterator[Record]:
    report = ctx.report
    try:
        zf = zipfile.ZipFile(full)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        reason = "unreadable" if isinstance(e, PermissionError) else "corrupt"
        report._skip(Skip(rel, reason, f"cannot open archive: {type(e).__name__}: {e}"))
        return
    with zf:
        report.archives_read += 1
        infos = sorted((i for i in zf.infolist() if not i.is_dir()), key=lambda i: i.filename)
        if not infos:
            report._skip(Skip(rel, "empty", "archive with no files"))
        for info in infos:
            mrel = f"{rel}!{info.filename}"
            base = info.filename.rsplit("/", 1)[-1]
            if info.filename.startswith("__MACOSX/") or base.startswith("."):
                report._skip(Skip(mrel, "hidden", "hidden file or macOS metadata, not read"))
                continue
            kind = _kind(info.filename)
            if kind is None:
                report._skip(Skip(mrel, "unsupported-type", "unknown file extension"))
                continue
            if kind == "zip":
                report._skip(Skip(mrel, "unsupported-type", "archive inside an archive; unpack it first"))
                continue
            if info.flag_bits & 0x1:
                report._skip(Skip(mrel, "unreadable", "encrypted archive member"))
                continue
            unit = FileUnit(ctx, mrel)
            try:
                raw = zf.open(info)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as e:
                report._skip(Skip(mrel, "corrupt", f"{type(e).__name__}: {e}"))
                continue
            with raw:
                yield from read_stream(unit, raw, kind, info.filename)


def _read_file(ctx: ReadContext, full: str, rel: str) -> Iterator[Record]:
    kind = _kind(full)
    if kind is None:
        ctx.report._skip(Skip(rel, "unsupported-type", f"unknown file extension (read: {', '.join(sorted(SUPPORTED_SUFFIXES))})"))
        return
    if kind == "zip":
        yield from _read_zip(ctx, full, rel)
        return
    unit = FileUnit(ctx, rel)
    try:
        raw = open(full, "rb")
    except OSError as e:
        ctx.report._skip(Skip(rel, "unreadable", f"{type(e).__name__}: {e.strerror or e}"))
        return
    with raw:
        yield from read_stream(unit, raw, kind, full)


def _stat_reason(path: str, e: OSError) -> str:
    if e.errno == errno.ELOOP:
        return "symlink-loop"
    return "broken-symlink" if os.path.islink(path) and e.errno == errno.ENOENT else "unreadable"


def _walk(ctx: ReadContext, path: str, rel: str, stack: tuple[str, ...]) -> Iterator[Record]:
    """Depth-first, sorted by name; ``stack`` holds the real paths of the
    directories above, so a symlink back up is a loop, reported not followed."""
    report = ctx.report
    try:
        names = sorted(os.listdir(path))
    except OSError as e:
        report._skip(Skip(rel or ".", "unreadable", f"cannot list directory: {e.strerror or e}"))
        return
    for name in names:
        full = os.path.join(path, name)
        r = f"{rel}/{name}" if rel else name
        if name.startswith("."):
            report._skip(Skip(r, "hidden", "hidden file or directory, not read"))
            continue
        try:
            st = os.stat(full)  # follows symlinks
        except OSError as e:
            report._skip(Skip(r, _stat_reason(full, e), e.strerror or str(e)))
            continue
        real = os.path.realpath(full)
        if stat.S_ISDIR(st.st_mode):
            if real in stack:
                report._skip(Skip(r, "symlink-loop", f"links back to {real}"))
                continue
            if real in ctx.seen_files:
                report._skip(Skip(r, "duplicate-path", f"directory already read as {real}"))
                continue
            ctx.seen_files.add(real)
            yield from _walk(ctx, full, r, stack + (real,))
        elif stat.S_ISREG(st.st_mode):
            if real in ctx.seen_files:
                report._skip(Skip(r, "duplicate-path", f"same file as one already read ({real})"))
                continue
            ctx.seen_files.add(real)
            yield from _read_file(ctx, full, r)
        else:
            report._skip(Skip(r, "unsupported-type", "not a regular file (device, socket or pipe)"))


def read_paths(ctx: ReadContext, paths: list[str]) -> Iterator[Record]:
    for p in paths:
        p = os.fspath(p)
        if os.path.isdir(p):
            real = os.path.realpath(p)
            if real in ctx.seen_files:
                ctx.report._skip(Skip(p, "duplicate-path", "directory given twice"))
                continue
            ctx.seen_files.add(real)
            yield from _walk(ctx, p, "", (real,))
        elif os.path.lexists(p):
            rel = os.path.basename(p.rstrip("/")) or p
            try:
                os.stat(p)
            except OSError as e:
                ctx.report._skip(Skip(rel, _stat_reason(p, e), e.strerror or str(e)))
                continue
            real = os.path.realpath(p)
            if real in ctx.seen_files:
                ctx.report._skip(Skip(rel, "duplicate-path", "file given twice"))
                continue
            ctx.seen_files.add(real)
            if not os.path.isfile(p):
                ctx.report._skip(Skip(rel, "unsupported-type", "not a regular file"))
                continue
            yield from _read_file(ctx, p, rel)
        else:
            ctx.report._skip(Skip(p, "not-found", "no such file or directory"))
