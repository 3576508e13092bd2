"""Where an index lives and how a new one is swapped in.

An index directory (``--index DIR``) is a stable root::

    DIR/CURRENT           name of the live generation (replaced atomically)
    DIR/.lock             flock'd by a running build or update
    DIR/gen-<stamp>-<pid>/  one complete Whoosh index + marsad.json each
    DIR/tmp-<stamp>-<pid>/  a generation being written (left by a killed run)

Readers follow ``CURRENT``; a build writes a ``tmp-`` directory, renames it
to ``gen-`` and replaces ``CURRENT`` (``os.replace`` of a temp file), so a
reader sees the old index or the new one, never half of one. The previous
generation is kept (a running server may still read it); older ones and stale
``tmp-`` directories are removed by the next run, under the lock.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import time
from pathlib import Path
from typing import IO, Any

from marsad.index.schema import versions

__all__ = [
    "IndexMissing", "IndexVersionMismatch", "IndexDamaged", "IndexLocked", "diagnose", "file_sizes", "index_option_help",
    "check_files", "resolve_index_dir", "current_generation",
    "live_dir", "IndexLock", "new_generation_dir", "publish", "cleanup", "read_meta", "write_meta",
    "META_NAME", "POINTER",
]

POINTER = "CURRENT"
META_NAME = "marsad.json"
LOCK_NAME = ".lock"
GEN_PREFIX = "gen-"
TMP_PREFIX = "tmp-"


class IndexMissing(IndexError):
    """No usable index at the location: the message says what to run."""


class IndexVersionMismatch(IndexMissing):
    """The index was written by an incompatible schema or analyzer version."""


class IndexDamaged(IndexMissing):
    """The index is there but cannot be read (files missing, truncated or garbled, a
    dangling ``CURRENT``, only an interrupted build): the message says to rebuild."""


class IndexLocked(RuntimeError):
    """Another build or update holds the index lock."""


def build_hint(index_dir: Path | str | None = None) -> str:
    where = f" --index {index_dir}" if index_dir is not None else ""
    return f"run `marsad index build ../shared/corpus{where}` (or your corpus paths)"


def resolve_index_dir(option: str | os.PathLike[str] | None = None) -> Path:
    """The index root: ``--index``, else ``$MARSAD_INDEX``, else a per-user data dir.

    The default is ``$XDG_DATA_HOME/marsad/index`` (``~/.local/share/marsad/index``),
    never a folder inside the installed package.

    >>> resolve_index_dir("/tmp/x")
    PosixPath('/tmp/x')
    """
    if option:
        return Path(option).expanduser()
    env = os.environ.get("MARSAD_INDEX")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "marsad" / "index"


def index_option_help() -> str:
    """The ``--index`` help text, from :func:`resolve_index_dir`'s own rule and this environment."""
    env = os.environ.get("MARSAD_INDEX")
    saved = os.environ.pop("MARSAD_INDEX", None)
    try:
        fallback = resolve_index_dir(None)
    finally:
        if saved is not None:
            os.environ["MARSAD_INDEX"] = saved
    now = f" (now {env})" if env else ""
    return f"Index directory (default: $MARSAD_INDEX{now}, else {fallback})."


def _read_pointer(root: Path) -> str | None:
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):  # absent, a directory, garbled: no live generation
        return None
    if not name or "/" in name or name in (".", ".."):
        return None
    return name


def current_generation(index_dir: str | os.PathLike[str]) -> str | None:
    """Name of the live generation (cheap: reads one small file), or None.

    It changes on every build and update, so a server compares it per request
    and reopens the index when it differs. An index written directly by Whoosh
    (no ``CURRENT``) reports its newest TOC file name instead.
    """
    root = Path(index_dir)
    name = _read_pointer(root)
    if name is not None:
        return name
    try:
        tocs = sorted(e.name for e in os.scandir(root) if e.name.endswith(".toc"))
    except OSError:  # absent, or not a directory
        return None
    return tocs[-1] if tocs else None


def live_dir(index_dir: str | os.PathLike[str]) -> Path | None:
    """The directory of the live generation (or the root itself for a plain Whoosh index)."""
    root = Path(index_dir)
    name = _read_pointer(root)
    if name is not None:
        d = root / name
        return d if d.is_dir() else None
    try:
        if root.is_dir() and any(e.name.endswith(".toc") for e in os.scandir(root)):
            return root
    except OSError:
        pass
    return None


def diagnose(root: Path) -> IndexMissing:
    """Why ``root`` has no live generation, as the exception to raise (message: what to run).

    Called when :func:`live_dir` returned None: tells a missing folder from a
    file in the way, a ``CURRENT`` naming nothing, an interrupted first build
    and a folder that holds something else.
    """
    root = Path(root)
    hint = build_hint(root)
    if not os.path.lexists(root):
        return IndexMissing(f"no index at {root}; {hint}")
    if not root.is_dir():
        return IndexMissing(f"{root} is not a directory, so it cannot hold an index; choose another --index, "
                            f"or move that file away and {hint}")
    try:
        names = sorted(os.listdir(root))
    except OSError as exc:
        return IndexDamaged(f"the index folder {root} cannot be read ({exc.strerror or exc}); "
                            f"fix its permissions, or {hint}")
    pointer = root / POINTER
    if os.path.lexists(pointer):
        name = _read_pointer(root)
        what = f"names {name}, which is not there" if name else "is unreadable or garbled"
        return IndexDamaged(f"the index at {root} is damaged: its {POINTER} file {what}; rebuild it: {hint}")
    if any(n.startswith(TMP_PREFIX) for n in names) and not any(n.startswith(GEN_PREFIX) for n in names):
        return IndexDamaged(f"the index at {root} was never finished (only an interrupted build's "
                            f"{TMP_PREFIX}… folder is there); {hint}")
    visible = [n for n in names if n != LOCK_NAME]
    if not visible:
        return IndexMissing(f"no index at {root} (the folder is empty); {hint}")
    return IndexMissing(f"no Marsad index at {root} (the folder holds other files, e.g. {visible[0]}); "
                        f"choose the right --index, or {hint}")


def _is_data_file(name: str) -> bool:
    return not (name == META_NAME or name.startswith(".") or name.endswith("LOCK") or name.endswith(".lock"))


def file_sizes(gen_dir: Path) -> dict[str, int]:
    """Size of every data file of a generation (stored in ``marsad.json`` as ``files``),
    those of its sub-folders (the reader arrays, ``arrays/``) as ``folder/name``."""
    out: dict[str, int] = {}
    for e in os.scandir(gen_dir):
        if e.is_file(follow_symlinks=False) and _is_data_file(e.name):
            out[e.name] = e.stat(follow_symlinks=False).st_size
        elif e.is_dir(follow_symlinks=False) and not e.name.endswith(".tmp"):
            for f in os.scandir(e.path):
                if f.is_file(follow_symlinks=False) and _is_data_file(f.name):
                    out[f"{e.name}/{f.name}"] = f.stat(follow_symlinks=False).st_size
    return out


def check_files(meta: dict[str, Any], gen_dir: Path, root: Path) -> None:
    """Raise :class:`IndexDamaged` if a file ``marsad.json`` lists is missing or has another size.

    One ``stat`` per file: catches deleted and truncated segment files before
    Whoosh meets them mid-search. Indexes written before ``files`` was recorded
    are not checked.
    """
    want = meta.get("files")
    if not isinstance(want, dict):
        return
    for name, size in sorted(want.items()):
        try:
            got = os.stat(gen_dir / name).st_size
        except OSError:
            raise IndexDamaged(f"the index at {root} is damaged: its file {name} is missing; "
                               f"rebuild it: {build_hint(root)}") from None
        if got != size:
            raise IndexDamaged(f"the index at {root} is damaged: its file {name} has {got} bytes, "
                               f"{size} were written; rebuild it: {build_hint(root)}")


class IndexLock:
    """An exclusive ``flock`` on ``DIR/.lock``, released by the kernel if we die.

    A lock file left behind by a killed process is therefore never stale: the
    next run simply gets the lock.
    """

    def __init__(self, root: Path, what: str = "build"):
        self.root = Path(root)
        self.what = what
        self._f: IO[str] | None = None

    def acquire(self) -> IndexLock:
        self.root.mkdir(parents=True, exist_ok=True)
        f = open(self.root / LOCK_NAME, "a+", encoding="utf-8")
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                f.close()
                raise
            f.seek(0)
            holder = f.read().strip()
            f.close()
            raise IndexLocked(
                f"another index build or update is running on {self.root}"
                + (f" ({holder})" if holder else "")
                + "; wait for it to finish, then run the command again") from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()}, {self.what} started {time.strftime('%Y-%m-%d %H:%M:%S')}")
        f.flush()
        self._f = f
        return self

    def release(self) -> None:
        if self._f is not None:
            try:
                self._f.seek(0)
                self._f.truncate()
                fcntl.flock(self._f.fileno(), fcntl.LOCK_UN)
            finally:
                self._f.close()
                self._f = None

    def __enter__(self) -> IndexLock:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


def new_generation_dir(root: Path) -> Path:
    """A fresh ``tmp-`` directory to write a generation into."""
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}"
    d = root / f"{TMP_PREFIX}{stamp}-{os.getpid()}"
    d.mkdir(parents=True)
    return d


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def publish(root: Path, tmp: Path) -> str:
    """Rename ``tmp`` to a ``gen-`` directory and point ``CURRENT`` at it."""
    name = GEN_PREFIX + tmp.name[len(TMP_PREFIX):]
    final = root / name
    os.replace(tmp, final)
    ptmp = root / f".{POINTER}.{os.getpid()}.tmp"
    with open(ptmp, "w", encoding="utf-8") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(ptmp, root / POINTER)
    _fsync_dir(root)
    return name


def cleanup(root: Path, keep_previous: str | None = None, *, generations: bool = True) -> list[str]:
    """Remove stale ``tmp-`` dirs and (if ``generations``) generations other than
    the live one and ``keep_previous``.

    Call only while holding the lock (no other writer can be using them).
    """
    live = _read_pointer(root)
    removed = []
    for e in os.scandir(root):
        if not e.is_dir(follow_symlinks=False):
            if e.name.startswith(f".{POINTER}.") and e.name.endswith(".tmp"):
                os.unlink(e.path)
            continue
        stale_tmp = e.name.startswith(TMP_PREFIX)
        old_gen = generations and e.name.startswith(GEN_PREFIX) and e.name not in (live, keep_previous)
        if stale_tmp or old_gen:
            shutil.rmtree(e.path, ignore_errors=True)
            removed.append(e.name)
    return removed


def newest_other_generation(root: Path) -> str | None:
    """The newest generation that is not the live one (names sort by time).

    After a run killed between publishing and cleaning up, this is the one a
    running server may still be reading: keep it, remove the older ones.
    """
    live = _read_pointer(root)
    gens = sorted(e.name for e in os.scandir(root)
                  if e.is_dir(follow_symlinks=False) and e.name.startswith(GEN_PREFIX) and e.name != live)
    return gens[-1] if gens else None


def write_meta(gen_dir: Path, meta: dict[str, Any]) -> None:
    tmp = gen_dir / f".{META_NAME}.tmp"
    tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, gen_dir / META_NAME)


def read_meta(gen_dir: Path) -> dict[str, Any]:
    """``marsad.json`` of a generation; {} when absent or unreadable (callers say "rebuild")."""
    try:
        meta = json.loads((gen_dir / META_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # (UnicodeDecodeError is a ValueError)
        return {}
    return meta if isinstance(meta, dict) else {}


def check_versions(meta: dict[str, Any], root: Path) -> None:
    """Raise :class:`IndexVersionMismatch` unless ``meta`` matches this code."""
    want = versions()
    got = {k: str(meta.get(k)) for k in want}
    if got != want:
        diffs = ", ".join(f"{k} {got[k]} (this Marsad needs {want[k]})" for k in want if got[k] != want[k])
        raise IndexVersionMismatch(
            f"the index at {root} was built by an incompatible Marsad version: {diffs}; "
            f"rebuild it: {build_hint(root)}")
