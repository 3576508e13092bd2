"""The open index a running server answers from, reopened when a rebuild swaps it.

Each request asks :meth:`IndexHolder.get` for the index. That call compares
the index's generation (a cheap stat via ``index.build.current_generation``)
with the one it opened; when a build or update has swapped in a new index it
opens the new one and from then on hands that out. Requests already running
keep the old object until they finish (nothing closes it under them), and if
the new index cannot be opened yet the old one keeps answering, so a swap
costs no failed request and no restart.

A new generation is opened and warmed (``search.warm``: facet arrays, field
lengths) on a background thread while the old one keeps answering; only the
request that noticed the swap waits for it, at most ``swap_wait`` seconds
(enough for a small index), so no request blocks on a large warm-up.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from marsad import search

__all__ = ["IndexHolder", "IndexUnavailable"]

log = logging.getLogger(__name__)

NO_INDEX_MESSAGE = ("no search index yet: build one with `marsad index build ../shared/corpus` "
                    "(or set MARSAD_INDEX / --index to an existing index)")


SWAP_WAIT = 1.0  # seconds the request that notices a swap waits for the new index to be warm


class IndexUnavailable(RuntimeError):
    """No usable index: the web answers 503 with this message (never a path)."""


def _index_api() -> Any:
    import marsad.index.build as build  # imported late: the web must start (and say 503) without it
    return build


def _fallback_generation(index_dir: Path) -> Any:
    """Stand-in when the index layer has no ``current_generation``: dir identity + TOC names."""
    st = os.stat(index_dir)
    tocs = sorted(p.name for p in index_dir.glob("*.toc"))
    return (st.st_ino, st.st_mtime_ns, tuple(tocs))


class IndexHolder:
    """Thread-safe holder of the current open index of one index directory."""

    def __init__(self, option: str | os.PathLike[str] | None):
        self._option = option
        self._dir: Path | None = None
        self._index: Any = None
        self._generation: Any = None
        self._lock = threading.Lock()
        self._local = threading.local()  # one open searcher per worker thread and index generation
        self.reopens = 0  # how many times a new generation was opened (for tests and /healthz)
        self.swap_wait = SWAP_WAIT
        self._pending: threading.Thread | None = None  # the background open + warm-up of a new generation
        self._retry_at: dict[Any, float] = {}  # generation that failed to open -> when to try again

    @property
    def index_dir(self) -> Path:
        if self._dir is None:
            try:
                resolved = _index_api().resolve_index_dir(self._option)
            except (ImportError, AttributeError):
                if self._option is None:
                    raise IndexUnavailable(NO_INDEX_MESSAGE) from None
                resolved = self._option
            self._dir = Path(resolved)
        return self._dir

    def _current_generation(self) -> Any:
        directory = self.index_dir
        try:
            fn = _index_api().current_generation
        except (ImportError, AttributeError):
            fn = None
        try:
            if fn is None:
                return _fallback_generation(directory)
            gen = fn(directory)
            # + the root's inode: a plain Whoosh index swapped in by renaming directories
            # keeps its TOC name, but not its inode
            return None if gen is None else (gen, os.stat(directory).st_ino)
        except (OSError, ValueError):
            return None

    def get(self) -> Any:
        """The open index, reopened if a rebuild has swapped it; raises IndexUnavailable."""
        generation = self._current_generation()
        index = self._index
        if index is not None and (generation == self._generation or generation is None):
            # (None: mid-swap, the directory briefly absent: keep answering from the old one)
            return index
        if index is None:
            with self._lock:  # nothing to answer from yet: open (and warm) it here
                if self._index is None:
                    opened = self._open()
                    try:
                        _warm(opened)
                    except OSError:  # moved under us: the request's retry (call) reopens
                        pass
                    self._index, self._generation = opened, generation
                    self.reopens += 1
                return self._index
        pending = self._start_swap(generation)
        if pending is not None:
            pending.join(self.swap_wait)
        return self._index

    def _start_swap(self, generation: Any) -> threading.Thread | None:
        """Start opening + warming ``generation`` in the background (once)."""
        with self._lock:
            if generation == self._generation:
                return None
            if self._pending is not None and self._pending.is_alive():
                return None  # already under way: keep answering from the old index
            if time.monotonic() < self._retry_at.get(generation, 0.0):
                return None
            t = threading.Thread(target=self._swap_in, args=(generation,), name="marsad-index-warm", daemon=True)
            self._pending = t
            t.start()
            return t

    def _swap_in(self, generation: Any) -> None:
        try:
            opened = self._open()
            _warm(opened)
        except (IndexUnavailable, OSError) as exc:
            log.warning("new index generation not usable yet: %s", exc)
            with self._lock:
                self._retry_at = {generation: time.monotonic() + 1.0}
            return
        with self._lock:
            self._index, self._generation = opened, generation
            self.reopens += 1

    def searcher(self) -> Any:
        """This thread's searcher on the current index (opened once per thread and generation).

        Opening a Whoosh searcher reads every segment's files, so doing it per
        request costs more than many searches; a searcher is not shared across
        threads, and one of an old generation is closed when the thread next
        asks after a swap.
        """
        index = self.get()
        local = self._local
        if getattr(local, "index", None) is index:
            return local.searcher
        old = getattr(local, "searcher", None)
        local.searcher, local.index = search.open_searcher(index), index
        if old is not None:
            try:
                old.close()
            except Exception:  # noqa: BLE001 - closing a stale searcher must not fail a request
                pass
        return local.searcher

    def _drop_searcher(self) -> None:
        local = self._local
        old = getattr(local, "searcher", None)
        local.searcher = local.index = None
        if old is not None:
            try:
                old.close()
            except Exception:  # noqa: BLE001
                pass

    def call(self, fn: Any, attempts: int = 6) -> Any:
        """``fn(searcher)`` with this thread's searcher; retried when the index moved under it.

        A swap by renames leaves the live path missing for an instant, and a
        searcher opened then fails with an OSError (or Whoosh's "no index"):
        the holder reopens and tries again, so the request still succeeds.
        """
        from whoosh.index import IndexError as WhooshIndexError

        from marsad.search.request import SearchRequestError
        for attempt in range(attempts):
            searcher = self.searcher()
            index = self._local.index
            try:
                return fn(searcher)
            except SearchRequestError:
                raise
            except (OSError, WhooshIndexError) as exc:
                self._drop_searcher()
                if attempt == attempts - 1:
                    self._raise_if_damaged(exc)
                    raise
                with self._lock:
                    if self._index is index:
                        self._generation = object()  # force a reopen on the next get()
                time.sleep(0.02 * (attempt + 1))
                continue
            except Exception as exc:  # noqa: BLE001 - damaged files surface as any type: check, then re-raise
                self._raise_if_damaged(exc)
                raise
        raise AssertionError("unreachable")

    def verify(self) -> None:
        """Raise IndexUnavailable unless the index on disk passes ``open_index``'s checks now
        (pointer, metadata, versions, every data file there at its written size)."""
        self._open()

    def _raise_if_damaged(self, exc: BaseException) -> None:
        """After a failed read: IndexUnavailable (503) if the index on disk is damaged
        (``open_index``'s checks: files missing or truncated, pointer, metadata), else return."""
        try:
            self._open()
        except IndexUnavailable as problem:
            log.warning("reading the index failed (%s: %s): %s", type(exc).__name__, exc, problem)
            raise problem from None

    def _open(self) -> Any:
        directory = self.index_dir
        if not directory.is_dir():
            raise IndexUnavailable(NO_INDEX_MESSAGE)
        try:
            try:
                opener = _index_api().open_index
            except (ImportError, AttributeError):  # partial checkout: open the Whoosh index as it is
                from whoosh import index as windex
                opener = lambda d: windex.open_dir(str(d))  # noqa: E731
            return opener(directory)
        except Exception as exc:  # noqa: BLE001 - any failure to open means "no usable index"
            log.warning("cannot open index %s: %s", directory, exc)
            raise IndexUnavailable(_public_message(exc, directory)) from None


def _warm(index: Any) -> None:
    """``search.warm``: build the per-reader caches before requests use ``index``."""
    try:
        search.warm(index)
    except OSError:
        raise
    except Exception:  # noqa: BLE001 - warming is an optimisation; the first request builds what is missing
        log.exception("warming the index failed")


def _public_message(exc: Exception, directory: Path) -> str:
    """The index layer's message with server paths removed (errors never show a path)."""
    text = str(exc) or NO_INDEX_MESSAGE
    for p in {str(directory), str(directory.resolve()), os.path.abspath(str(directory))}:
        text = text.replace(p, "<index>")
    if "rebuild" in text or "index build" in text:
        return text
    return f"{text}: {NO_INDEX_MESSAGE}"
